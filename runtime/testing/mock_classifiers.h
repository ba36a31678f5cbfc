// The classifiers of a test: `classify` goes to the test's `mock classify` of that
// classifier (a function of the module run on the VM, answering a member and its
// confidence); an unmocked one asks the project's configured model when the runner was
// given one, and otherwise is remembered so that the test fails naming the mock to add
// (intelligence.md §1, "the unmocked rule"). Single-threaded like the rest of a test.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace rflow::testing {

class MockClassifiers final : public engine::ClassifierModels {
 public:
  // `models` (may be null, not owned) answers classifiers the test does not mock.
  MockClassifiers(std::shared_ptr<const vm::Program> program, const engine::Clock& clock,
                  engine::ClassifierModels* models)
      : program_(std::move(program)), clock_(clock), models_(models) {}

  // `mock classify C(text) => …`: function f(captured…, text) returns C's record.
  void setMock(uint32_t classifier, uint32_t function, std::vector<vm::Value> captured) {
    mocks_[classifier] = {function, std::move(captured)};
  }
  std::optional<engine::ModelAnswer> classify(std::string_view classifier,
                                              std::string_view text) override;

  // "`IssueKind` classifies text but is not mocked; add `mock classify …`"; and mocks
  // that could not answer.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  struct Mock {
    uint32_t function = 0;
    std::vector<vm::Value> captured;
  };
  void problem(std::string message);

  std::shared_ptr<const vm::Program> program_;
  const engine::Clock& clock_;
  engine::ClassifierModels* models_;
  std::map<uint32_t, Mock> mocks_;
  std::vector<std::string> problems_;
};

}  // namespace rflow::testing
