// ConnectorSet and the helpers between the VM's connector effect and a CallRequest.
#include "runtime/connector.h"

#include <fmt/format.h>

#include "bytecode/names.h"
#include "runtime/http_connector.h"
#include "runtime/stub_connector.h"
#include "runtime/wire.h"
#include "vm/print.h"

namespace rflow::runtime {

std::string callName(const CallRequest& request) {
  return fmt::format("{}.{}", vm::declaredName(request.connector), request.op);
}

CallPermanent permanentFailure(const CallRequest& request, std::string reason, int http_status) {
  std::string message = fmt::format("`{}`: {}", callName(request), reason);
  return CallPermanent{std::move(message), std::move(reason), http_status};
}

CallRetryable retryableFailure(const CallRequest& request, std::string reason, int http_status) {
  std::string message = fmt::format("`{}`: {}", callName(request), reason);
  return CallRetryable{std::move(message), std::move(reason), http_status};
}

std::vector<std::string> Connector::checkAgainst(const bytecode::Module&, uint32_t) const {
  return {};
}

ConnectorSet::ConnectorSet(ConnectorSet&&) noexcept = default;
ConnectorSet& ConnectorSet::operator=(ConnectorSet&&) noexcept = default;
ConnectorSet::~ConnectorSet() = default;

std::variant<ConnectorSet, std::vector<std::string>> ConnectorSet::fromConfig(
    const Config& config, const HttpOptions& http) {
  ConnectorSet set;
  set.config_name_ = configName(config);
  set.from_file_ = config.from_file;
  std::vector<std::string> problems;
  for (const ConnectorConfig& c : config.connectors) {
    if (const auto* target = std::get_if<HttpTarget>(&c.target)) {
      set.connectors_.emplace(c.name, std::make_unique<HttpConnector>(c.name, *target, http));
      continue;
    }
    auto stub = StubConnector::load(c.name, std::get<StubTarget>(c.target).path);
    if (auto* problem = std::get_if<std::string>(&stub)) {
      problems.push_back(fmt::format("connector `{}`: {}", c.name, *problem));
      continue;
    }
    set.connectors_.emplace(c.name, std::get<std::unique_ptr<StubConnector>>(std::move(stub)));
  }
  if (!problems.empty()) return problems;
  return set;
}

const Connector* ConnectorSet::find(std::string_view name) const {
  if (auto it = connectors_.find(name); it != connectors_.end()) return it->second.get();
  const std::string_view short_name = vm::declaredName(name);
  if (short_name != name) {
    if (auto it = connectors_.find(short_name); it != connectors_.end()) return it->second.get();
  }
  return nullptr;
}

CallResult ConnectorSet::call(const CallRequest& request) const {
  if (const Connector* c = find(request.connector)) return c->call(request);
  return permanentFailure(request, fmt::format("connector `{}` has no settings in {}",
                                               vm::declaredName(request.connector), config_name_));
}

std::vector<std::string> ConnectorSet::checkModule(const bytecode::Module& module) const {
  std::vector<std::string> problems;
  std::vector<std::string> missing;
  for (uint32_t i = 0; i < module.connectors.size(); ++i) {
    const std::string& name = module.strings[module.connectors[i].name];
    if (!find(name)) missing.push_back(std::string(vm::declaredName(name)));
  }
  if (!missing.empty()) {
    std::string names;
    for (size_t i = 0; i < missing.size(); ++i)
      names += fmt::format("{}`{}`", i == 0 ? "" : ", ", missing[i]);
    const std::string& first = missing.front();
    const std::string add = fmt::format(
        "add [connectors.{}] with url = \"http://…\" or stub = \"stubs/{}.json\"", first, first);
    if (from_file_) {
      problems.push_back(fmt::format("{} {} {} no settings in {}: {}{}",
                                     missing.size() == 1 ? "connector" : "connectors", names,
                                     missing.size() == 1 ? "has" : "have", config_name_, add,
                                     missing.size() == 1 ? "" : " for each"));
    } else {
      problems.push_back(
          fmt::format("the project declares {} {} but there is no {}: create it and {}{}, or pass "
                      "--config FILE",
                      missing.size() == 1 ? "connector" : "connectors", names, config_name_, add,
                      missing.size() == 1 ? "" : " for each"));
    }
  }
  for (uint32_t i = 0; i < module.connectors.size(); ++i) {
    if (const Connector* c = find(module.strings[module.connectors[i].name])) {
      for (std::string& p : c->checkAgainst(module, i))
        problems.push_back(std::move(p));
    }
  }
  return problems;
}

std::string opDisplayName(const bytecode::Module& module, uint32_t op) {
  for (const bytecode::Connector& c : module.connectors) {
    if (op >= c.first_op && op - c.first_op < c.op_count)
      return fmt::format("{}.{}", vm::declaredName(module.strings[c.name]),
                         module.strings[module.ops[op].name]);
  }
  return fmt::format("op#{}", op);
}

CallRequest makeCallRequest(const bytecode::Module& module, uint32_t op,
                            std::span<const vm::Value> args, std::string instance,
                            std::string workflow, std::string idempotency_key,
                            std::optional<int64_t> timeout_ms) {
  CallRequest request;
  for (const bytecode::Connector& c : module.connectors) {
    if (op >= c.first_op && op - c.first_op < c.op_count)
      request.connector = module.strings[c.name];
  }
  const bytecode::ConnectorOp& o = module.ops[op];
  request.op = module.strings[o.name];
  request.args = encodeArguments(args, o.params, module);
  request.instance = std::move(instance);
  request.workflow = std::move(workflow);
  request.idempotency_key = std::move(idempotency_key);
  request.timeout_ms = timeout_ms;
  return request;
}

std::variant<vm::Value, std::string> decodeCallResult(const nlohmann::json& body, uint32_t op,
                                                      const bytecode::Module& module) {
  const bytecode::TypeId result = module.ops[op].result;
  auto decoded = decode(body, result, module);
  if (auto* e = std::get_if<WireError>(&decoded))
    return fmt::format("`{}`: the result does not fit `{}`: {}", opDisplayName(module, op),
                       bytecode::typeName(module, result), e->text());
  return std::get<vm::Value>(std::move(decoded));
}

}  // namespace rflow::runtime
