#include "testing/mock_calls.h"

#include <fmt/format.h>

#include "engine/record_codec.h"
#include "vm/print.h"

namespace rflow::testing {

std::string MockCalls::opName(uint32_t op) const {
  const bytecode::Module& m = program_->module();
  std::string name(m.strings[m.ops[op].name]);
  for (const bytecode::Connector& c : m.connectors) {
    if (op >= c.first_op && op < c.first_op + c.op_count)
      return fmt::format("{}.{}", vm::declaredName(m.strings[c.name]), name);
  }
  return name;
}

std::variant<vm::Value, vm::HostError> MockCalls::call(uint32_t op, std::vector<vm::Value> args) {
  ++attempts_[op];
  auto it = mocks_.find(op);
  if (it == mocks_.end()) {
    const bytecode::Module& m = program_->module();
    std::string params;
    for (const bytecode::Param& p : m.ops[op].params)
      params += (params.empty() ? "" : ", ") + m.strings[p.name];
    const std::string message = fmt::format(
        "`{0}` is called but not mocked; add `mock {0}({1}) => …` (or `fails \"…\"`) to the test",
        opName(op), params);
    if (std::find(unmocked_.begin(), unmocked_.end(), message) == unmocked_.end())
      unmocked_.push_back(message);
    return vm::HostError{"connector", fmt::format("{}: not mocked", opName(op))};
  }
  const Mock& mock = it->second;
  if (mock.fails) return vm::HostError{"connector", *mock.fails};
  std::vector<vm::Value> all = mock.captured;
  for (vm::Value& a : args)
    all.push_back(std::move(a));
  auto ran = runMockBody(program_, clock_, mock.function, std::move(all));
  if (auto* problem = std::get_if<std::string>(&ran))
    return vm::HostError{"connector", fmt::format("the mock of {} {}", opName(op), *problem)};
  return std::get<vm::Value>(std::move(ran));
}

std::variant<vm::Value, std::string> runMockBody(std::shared_ptr<const vm::Program> program,
                                                 const engine::Clock& clock, uint32_t function,
                                                 std::vector<vm::Value> args) {
  auto started = vm::Instance::start(std::move(program), function, std::move(args));
  if (auto* problem = std::get_if<std::string>(&started)) return "cannot run: " + *problem;
  vm::Instance& body = std::get<vm::Instance>(started);
  for (;;) {
    vm::Outcome o = body.run();
    if (auto* done = std::get_if<vm::Completed>(&o)) return std::move(done->result);
    if (auto* failed = std::get_if<vm::Failure>(&o)) return "failed: " + failed->text();
    // A mock body may read the virtual clock; nothing else stops it.
    std::vector<vm::Resumption> answers;
    for (const vm::PendingRequest& pending : std::get<vm::Waiting>(o).requests) {
      if (!std::holds_alternative<vm::effect::Now>(pending.request))
        return std::string("tried to wait");
      answers.push_back({pending.branch, vm::Value::integer(clock.now())});
    }
    if (auto problem = body.resume(std::move(answers))) return "failed: " + *problem;
  }
}

void MockCalls::dispatch(engine::CallRequest request,
                         std::function<void(engine::CallResult)> done) {
  engine::CallResult result;
  result.instance = request.instance;
  result.request = request.request;
  result.attempt = request.attempt;
  const bytecode::Module& m = program_->module();
  auto args = engine::decodeValue(request.args, m);
  std::vector<vm::Value> items;
  if (args && args->tag() == vm::Tag::kList)
    items.assign(args->listItems().begin(), args->listItems().end());
  const bool mocked_failure = mocks_.count(request.op) != 0 && mocks_[request.op].fails.has_value();
  auto answer = call(request.op, std::move(items));
  if (auto* value = std::get_if<vm::Value>(&answer)) {
    result.kind = engine::CallResult::Kind::kOk;
    result.value = engine::encodeValue(*value);
  } else {
    const auto& error = std::get<vm::HostError>(answer);
    // A `fails` mock fails every attempt, so retries are used up (without virtual time);
    // a broken or missing mock is not worth retrying.
    result.kind = mocked_failure ? engine::CallResult::Kind::kRetryable
                                 : engine::CallResult::Kind::kPermanent;
    const std::string prefix = opName(request.op) + ": ";
    result.reason =
        error.message.rfind(prefix, 0) == 0 ? error.message.substr(prefix.size()) : error.message;
  }
  done(std::move(result));
}

}  // namespace rflow::testing
