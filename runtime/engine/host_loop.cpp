#include "engine/host_loop.h"

namespace rflow::engine {

namespace {

bool mayDo(HostRole role, const vm::Request& request) {
  switch (role) {
    case HostRole::kStep:
      return !vm::isTestStatement(request);
    case HostRole::kBreachHandler:
      return std::holds_alternative<vm::effect::Note>(request) ||
             std::holds_alternative<vm::effect::Notify>(request) ||
             std::holds_alternative<vm::effect::Now>(request);
    case HostRole::kTrigger:
      return std::holds_alternative<vm::effect::Spawn>(request);
    case HostRole::kPureCall:
    case HostRole::kPolicyCheck:
      return false;
  }
  return false;
}

// The error a branch gets for an effect its role may not make (roles that stop instead
// have none).
const char* refusal(HostRole role) {
  switch (role) {
    case HostRole::kStep:
      return "a test statement cannot run outside a test";
    case HostRole::kBreachHandler:
      return "an `on breach` handler cannot wait";
    case HostRole::kTrigger:
      return "a trigger only starts";
    case HostRole::kPureCall:
    case HostRole::kPolicyCheck:
      break;
  }
  return nullptr;
}

}  // namespace

HostOutcome runHosted(vm::Instance& vm, HostRole role, Host& host,
                      std::vector<vm::Resumption> answers) {
  if (!answers.empty()) {
    if (auto problem = vm.resume(std::move(answers))) return Rejected{*problem};
  }
  for (;;) {
    vm::Outcome outcome = vm.run();
    if (auto* done = std::get_if<vm::Completed>(&outcome)) return std::move(*done);
    if (auto* failed = std::get_if<vm::Failure>(&outcome)) return std::move(*failed);
    const auto& waiting = std::get<vm::Waiting>(outcome);
    std::vector<vm::Resumption> now;
    Suspended suspended;
    for (const vm::PendingRequest& pending : waiting.requests) {
      suspended.requests.push_back(pending.id);
      if (!pending.fresh) continue;
      if (!mayDo(role, pending.request)) {
        const char* why = refusal(role);
        if (why == nullptr) return Refused{};
        now.push_back({pending.branch, vm::HostError{"fail", why}});
        continue;
      }
      Answer answer = host.answer(pending);
      if (auto* failed = std::get_if<store::Status>(&answer)) return Aborted{std::move(*failed)};
      if (auto* value = std::get_if<vm::Value>(&answer)) {
        now.push_back({pending.branch, std::move(*value)});
      } else if (auto* error = std::get_if<vm::HostError>(&answer)) {
        now.push_back({pending.branch, std::move(*error)});
      }
    }
    if (now.empty()) return suspended;
    if (auto problem = vm.resume(std::move(now))) return Rejected{*problem};
  }
}

}  // namespace rflow::engine
