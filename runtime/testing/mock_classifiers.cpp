#include "testing/mock_classifiers.h"

#include <fmt/format.h>

#include <algorithm>

#include "testing/mock_calls.h"
#include "vm/print.h"

namespace rflow::testing {

namespace {

// The fields of a classifier's record (bytecode::RecordKind::kClassification).
constexpr size_t kBestField = 1, kConfidenceField = 2;

}  // namespace

void MockClassifiers::problem(std::string message) {
  if (std::find(problems_.begin(), problems_.end(), message) == problems_.end())
    problems_.push_back(std::move(message));
}

std::optional<engine::ModelAnswer> MockClassifiers::classify(std::string_view classifier,
                                                             std::string_view text) {
  const bytecode::Module& m = program_->module();
  std::optional<uint32_t> index;
  for (uint32_t i = 0; i < m.classifiers.size(); ++i)
    if (m.strings[m.classifiers[i].name] == classifier) index = i;
  if (!index) return std::nullopt;
  const std::string name(vm::declaredName(classifier));
  auto it = mocks_.find(*index);
  if (it == mocks_.end()) {
    if (models_ != nullptr) {
      if (auto answer = models_->classify(classifier, text)) return answer;
    }
    const bytecode::Enum& labels = m.enums[m.classifiers[*index].labels];
    problem(fmt::format(
        "`{0}` classifies text but is not mocked and has no model; add `mock classify {0}(text) "
        "=> {1}.{2} confidence 0.9` to the test",
        name, vm::declaredName(m.strings[labels.name]),
        labels.members.empty() ? "…" : m.strings[labels.members[0]]));
    return std::nullopt;
  }
  std::vector<vm::Value> args = it->second.captured;
  args.push_back(vm::Value::string(text));
  auto ran = runMockBody(program_, clock_, it->second.function, std::move(args));
  if (auto* failed = std::get_if<std::string>(&ran)) {
    problem(fmt::format("the mock of `{}` failed: {}", name, *failed));
    return std::nullopt;
  }
  const vm::Value& record = std::get<vm::Value>(ran);
  if (record.tag() != vm::Tag::kRecord || record.recordFields().size() <= kConfidenceField) {
    problem(fmt::format("the mock of `{}` gave no classification", name));
    return std::nullopt;
  }
  const vm::Value& best = record.recordFields()[kBestField];
  const vm::Value& confidence = record.recordFields()[kConfidenceField];
  const base::Decimal zero = base::Decimal::fromInt(0), one = base::Decimal::fromInt(1);
  if (confidence.tag() != vm::Tag::kDecimal || compare(confidence.asDecimal(), zero) < 0 ||
      compare(confidence.asDecimal(), one) > 0) {
    problem(fmt::format("the mock of `{}` gives confidence {}; a confidence is from 0 to 1", name,
                        vm::printed(confidence, m)));
    return std::nullopt;
  }
  engine::ModelAnswer answer;
  answer.model = "mock";
  if (best.tag() == vm::Tag::kEnum) {
    const bytecode::Enum& labels = m.enums[best.enumIndex()];
    answer.top.push_back({m.strings[labels.members[best.enumMember()]],
                          std::stod(confidence.asDecimal().toString())});
  }
  return answer;
}

}  // namespace rflow::testing
