// Instance: starting, running and resuming (the API of interpreter.h), on top of
// Machine.
#include <fmt/format.h>

#include <set>

#include "vm/effects.h"
#include "vm/interpreter.h"
#include "vm/machine.h"
#include "vm/value_check.h"

namespace rflow::vm {

using detail::Fiber;
using detail::FiberStatus;
using detail::InstanceState;

std::string Failure::text() const {
  return fmt::format("{}: {} ({}:{})", kind, message, file, line);
}

bool isStepEffect(const Request& request) {
  return std::holds_alternative<effect::Spawn>(request) ||
         std::holds_alternative<effect::Note>(request) ||
         std::holds_alternative<effect::Notify>(request) ||
         std::holds_alternative<effect::Now>(request) ||
         std::holds_alternative<effect::Classify>(request) ||
         std::holds_alternative<effect::Learn>(request) ||
         std::holds_alternative<effect::Measure>(request);
}

// The test statements are the alternatives from Mock on.
constexpr size_t kFirstTestStatement = 14;
static_assert(
    std::is_same_v<std::variant_alternative_t<kFirstTestStatement, Request>, effect::Mock>);

bool isTestStatement(const Request& request) {
  return request.index() >= kFirstTestStatement;
}

Instance::Instance(std::shared_ptr<const Program> program, Options options)
    : program_(std::move(program)), options_(options), state_(std::make_unique<InstanceState>()) {}

Instance::Instance(Instance&&) noexcept = default;
Instance& Instance::operator=(Instance&&) noexcept = default;
Instance::~Instance() = default;

Instance::Instance(const Instance& o)
    : program_(o.program_),
      options_(o.options_),
      state_(std::make_unique<InstanceState>(*o.state_)) {}

Instance& Instance::operator=(const Instance& o) {
  if (this != &o) {
    program_ = o.program_;
    options_ = o.options_;
    state_ = std::make_unique<InstanceState>(*o.state_);
  }
  return *this;
}

std::variant<Instance, std::string> Instance::start(std::shared_ptr<const Program> program,
                                                    bytecode::FunctionId function,
                                                    std::vector<Value> args, Options options) {
  const bytecode::Module& m = program->module();
  if (function >= m.functions.size())
    return fmt::format("function #{} does not exist (the module has {})", function,
                       m.functions.size());
  const bytecode::Function& fn = m.functions[function];
  if (args.size() != fn.params.size())
    return fmt::format("`{}` takes {} arguments, not {}", m.strings[fn.name], fn.params.size(),
                       args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    if (std::optional<std::string> problem = checkValue(args[i], m, fn.params[i]))
      return fmt::format("argument {} of `{}`: {}", i + 1, m.strings[fn.name], *problem);
  }
  const size_t slots = fn.params.size() + fn.locals.size();
  if (slots + fn.max_stack > kMaxStackSlots)
    return fmt::format("`{}` needs more than {} stack slots", m.strings[fn.name], kMaxStackSlots);
  Instance instance(std::move(program), options);
  Fiber root;
  root.id = 0;
  root.values.resize(slots + fn.max_stack);
  instance.state_->slots = root.values.size();
  for (size_t i = 0; i < args.size(); ++i)
    root.values[i] = std::move(args[i]);
  root.top = static_cast<uint32_t>(slots);
  root.frames.push_back(detail::Frame{function, 0, 0, static_cast<uint32_t>(slots)});
  instance.state_->fibers.emplace(0, std::move(root));
  instance.state_->ready.push_back(0);
  return instance;
}

std::variant<Instance, std::string> Instance::startWorkflow(std::shared_ptr<const Program> program,
                                                            uint32_t workflow,
                                                            std::vector<Value> args,
                                                            Options options) {
  const bytecode::Module& m = program->module();
  if (workflow >= m.workflows.size())
    return fmt::format("workflow #{} does not exist (the module has {})", workflow,
                       m.workflows.size());
  const bytecode::FunctionId body = m.workflows[workflow].body;
  return start(std::move(program), body, std::move(args), options);
}

Outcome Instance::run() {
  if (state_->finished) {
    if (const auto* c = std::get_if<Completed>(&*state_->finished)) return *c;
    return std::get<Failure>(*state_->finished);
  }
  detail::Machine machine(*program_, options_, *state_);
  return machine.runReady();
}

std::optional<std::string> Instance::resume(std::vector<Resumption> results) {
  if (state_->finished) return "the instance has finished";
  const bytecode::Module& m = program_->module();
  std::set<uint32_t> seen;
  for (const Resumption& r : results) {
    const auto it = state_->fibers.find(r.branch);
    if (it == state_->fibers.end() || it->second.status != FiberStatus::kWaiting)
      return fmt::format("branch {} is not waiting", r.branch);
    if (!seen.insert(r.branch).second) return fmt::format("branch {} is answered twice", r.branch);
    const detail::Frame& frame = it->second.frames.back();
    const bytecode::Instruction in =
        *bytecode::decodeInstruction(m.functions[frame.function].code, frame.pc);
    if (const auto* value = std::get_if<Value>(&r.result)) {
      if (std::optional<std::string> problem = detail::checkResult(*program_, in, *value))
        return fmt::format("the result for branch {}: {}", r.branch, *problem);
    } else {
      const HostError& e = std::get<HostError>(r.result);
      if (e.kind.empty() || e.kind == "runtime")
        return fmt::format("the error for branch {} needs a kind other than \"{}\"", r.branch,
                           e.kind);
    }
  }
  for (Resumption& r : results) {
    Fiber& f = state_->fibers.at(r.branch);
    detail::Frame& frame = f.frames.back();
    const bytecode::Instruction in =
        *bytecode::decodeInstruction(m.functions[frame.function].code, frame.pc);
    f.effect_args.clear();
    if (auto* value = std::get_if<Value>(&r.result)) {
      if (detail::effectPushes(in.opcode)) f.values[f.top++] = std::move(*value);
      frame.pc += in.size;
    } else {
      HostError& e = std::get<HostError>(r.result);
      f.error =
          detail::RaisedError{std::move(e.kind), std::move(e.message), frame.function, frame.pc};
    }
    f.status = FiberStatus::kReady;
    state_->ready.push_back(r.branch);
  }
  return std::nullopt;
}

std::vector<PendingRequest> Instance::pending() const {
  if (state_->finished) return {};
  detail::Machine machine(*program_, options_, *state_);
  return machine.pending(UINT64_MAX);
}

bool Instance::finished() const {
  return state_->finished.has_value();
}

}  // namespace rflow::vm
