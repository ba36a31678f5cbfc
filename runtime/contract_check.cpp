// Example values and one checked call per safe operation.
#include "runtime/contract_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <variant>

#include "runtime/wire.h"

namespace rflow::runtime {

using bytecode::TypeTag;
using nlohmann::json;

namespace {

// Past this depth lists and maps are empty and optionals none, so a record that holds
// itself (through a list or an optional) ends. A required field of a record type cannot
// make a cycle the checker accepts, and types are at most kMaxTypeDepth deep.
constexpr uint32_t kExampleDepth = 3;

json example(const bytecode::Module& m, bytecode::TypeId type, uint32_t depth) {
  if (type >= m.types.size()) return nullptr;
  const bytecode::Type& t = m.types[type];
  switch (t.tag) {
    case TypeTag::kVoid:
    case TypeTag::kNone:
    case TypeTag::kRun:
      return nullptr;
    case TypeTag::kBool:
      return false;
    case TypeTag::kInt:
      return 1;
    case TypeTag::kDuration:
      return 60'000;
    case TypeTag::kDecimal:
      return "1.00";
    case TypeTag::kMoney:
      return {{"amount", "1.00"}, {"currency", "EUR"}};
    case TypeTag::kString:
      return "example";
    case TypeTag::kTime:
      return "2026-01-05T09:00:00Z";
    case TypeTag::kUser:
      return "contract-check";
    case TypeTag::kRole:
      if (m.roles.empty()) return "Role";
      return roleWireName(m, 0);
    case TypeTag::kAssignee:
      return {{"user", "contract-check"}};
    case TypeTag::kEnum:
      if (t.decl >= m.enums.size() || m.enums[t.decl].members.empty()) return nullptr;
      return m.strings[m.enums[t.decl].members[0]];
    case TypeTag::kOptional:
      if (depth >= kExampleDepth) return nullptr;
      return example(m, t.element, depth + 1);
    case TypeTag::kList:
      if (depth >= kExampleDepth) return json::array();
      return json::array({example(m, t.element, depth + 1)});
    case TypeTag::kMap:
      if (depth >= kExampleDepth) return json::object();
      return {{"example", example(m, t.element, depth + 1)}};
    case TypeTag::kRecord: {
      json out = json::object();
      if (t.decl >= m.records.size()) return out;
      for (const bytecode::Field& f : m.records[t.decl].fields)
        out[m.strings[f.name]] = example(m, f.type, depth + 1);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

json exampleValue(const bytecode::Module& module, bytecode::TypeId type) {
  return example(module, type, 0);
}

std::string_view verdictName(OperationCheck::Verdict verdict) {
  switch (verdict) {
    case OperationCheck::Verdict::kMatching:
      return "matching";
    case OperationCheck::Verdict::kMismatching:
      return "mismatching";
    case OperationCheck::Verdict::kFailed:
      return "failed";
    case OperationCheck::Verdict::kNotCalled:
      return "not called";
  }
  return "not called";
}

std::vector<OperationCheck> checkConnector(const bytecode::Module& module, uint32_t connector,
                                           const ConnectorSet& connectors,
                                           const std::vector<std::string>& safe) {
  const bytecode::Connector& c = module.connectors[connector];
  const std::string& connector_name = module.strings[c.name];
  std::vector<OperationCheck> out;
  for (uint32_t i = c.first_op; i < c.first_op + c.op_count && i < module.ops.size(); ++i) {
    const bytecode::ConnectorOp& op = module.ops[i];
    OperationCheck check;
    check.op = module.strings[op.name];
    if (std::find(safe.begin(), safe.end(), check.op) == safe.end()) {
      check.detail = "not listed in the connector's safe_to_call in rflow.toml";
      out.push_back(std::move(check));
      continue;
    }
    json args = json::object();
    for (const bytecode::Param& p : op.params)
      args[module.strings[p.name]] = exampleValue(module, p.type);
    check.args = args;
    CallRequest request;
    request.connector = connector_name;
    request.op = check.op;
    request.args = std::move(args);
    request.instance = "contract-check";
    request.workflow = "rflow contract check";
    request.idempotency_key = fmt::format("contract-check/{}/{}", connector_name, check.op);
    CallResult result = connectors.call(request);
    for (int attempt = 2;
         attempt <= kContractCheckAttempts && std::holds_alternative<CallRetryable>(result);
         ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250 * (attempt - 1)));
      result = connectors.call(request);
    }
    if (const auto* ok = std::get_if<CallSuccess>(&result)) {
      auto decoded = decodeCallResult(ok->body, i, module);
      if (auto* problem = std::get_if<std::string>(&decoded)) {
        check.verdict = OperationCheck::Verdict::kMismatching;
        check.detail = *problem;
      } else {
        check.verdict = OperationCheck::Verdict::kMatching;
      }
    } else if (const auto* permanent = std::get_if<CallPermanent>(&result)) {
      check.verdict = OperationCheck::Verdict::kFailed;
      check.detail = permanent->message;
    } else {
      check.verdict = OperationCheck::Verdict::kFailed;
      check.detail = fmt::format("{} ({} attempts; rflow would go on retrying)",
                                 std::get<CallRetryable>(result).message, kContractCheckAttempts);
    }
    out.push_back(std::move(check));
  }
  return out;
}

}  // namespace rflow::runtime
