// The connector calls of a test: each goes to the test's mock of its operation (a
// function of the module run on the VM, or a fixed failure), is counted for `expect
// called`, and an unmocked call is remembered so the test fails naming the mock to add.
// Single-threaded: the test, its engine and its mocks run on one thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace rflow::testing {

struct Mock {
  uint32_t function = 0;  // a kMock function: f(captured…, args…)
  std::vector<vm::Value> captured;
  std::optional<std::string> fails;  // `mock … fails "reason"`
};

// Runs a mock's body (a kMock function) with `args` to its result; the body may read
// the virtual clock and do nothing else. The error says why it gave no result.
std::variant<vm::Value, std::string> runMockBody(std::shared_ptr<const vm::Program> program,
                                                 const engine::Clock& clock, uint32_t function,
                                                 std::vector<vm::Value> args);

class MockCalls final : public engine::CallDispatcher {
 public:
  // `clock` answers `now()` in mock bodies (the test's virtual time).
  MockCalls(std::shared_ptr<const vm::Program> program, const engine::Clock& clock)
      : program_(std::move(program)), clock_(clock) {}

  void setMock(uint32_t op, Mock mock) { mocks_[op] = std::move(mock); }
  void dispatch(engine::CallRequest request, std::function<void(engine::CallResult)> done) override;
  // Answers a call the test itself makes, synchronously.
  std::variant<vm::Value, vm::HostError> call(uint32_t op, std::vector<vm::Value> args);

  uint64_t attempts(uint32_t op) const {
    auto it = attempts_.find(op);
    return it == attempts_.end() ? 0 : it->second;
  }
  // "wms.allocate is called but not mocked; add `mock wms.allocate(store, sku, qty) => …`"
  const std::vector<std::string>& unmocked() const { return unmocked_; }
  std::string opName(uint32_t op) const;

 private:
  std::shared_ptr<const vm::Program> program_;
  const engine::Clock& clock_;
  std::map<uint32_t, Mock> mocks_;
  std::map<uint32_t, uint64_t> attempts_;
  std::vector<std::string> unmocked_;
};

}  // namespace rflow::testing
