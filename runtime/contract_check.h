// `rflow contract check`: calls a connector's live endpoint (or its stub) once per
// operation marked safe to call, with example arguments made from the declared parameter
// types, and says whether each answer fits the declared result type — before a workflow
// meets a system that answers something else.
//
// An operation is called only when rflow.toml lists it in its connector's `safe_to_call`
// (operations that only read: a call with made-up arguments must not order stock); the
// others are reported as not called. Each call goes through the same connector code the
// engine uses (HTTP or stub), with the Idempotency-Key `contract-check/<connector>/<op>`;
// an answer the engine would retry (a 5xx, a timeout) is tried again, up to
// kContractCheckAttempts attempts in all, since a system that is briefly busy has not
// broken its contract. The answer is decoded exactly as a workflow's would be
// (decodeCallResult), so a mismatch names the field path and what was found.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bytecode/module.h"
#include "runtime/connector.h"

namespace rflow::runtime {

inline constexpr int kContractCheckAttempts = 3;

// A plausible wire value of `type` (decode accepts it): the first enum member and role,
// "2026-01-05T09:00:00Z", {"amount": "1.00", "currency": "EUR"}, one list item and map
// entry near the top and none deeper down (so recursive records end), null for optionals
// deeper down.
nlohmann::json exampleValue(const bytecode::Module& module, bytecode::TypeId type);

struct OperationCheck {
  enum class Verdict : uint8_t {
    kMatching,     // a 2xx answer that fits the result type
    kMismatching,  // a 2xx answer that does not: `detail` names the field and what was found
    kFailed,       // no usable answer (HTTP error, timeout, refused): `detail` says which
    kNotCalled,    // not listed in safe_to_call
  };
  std::string op;  // "purchase_order"
  Verdict verdict = Verdict::kNotCalled;
  std::string detail;
  nlohmann::json args;  // what was sent (null when not called)
};

// Checks every operation of connector #`connector` of `module` through `connectors`;
// `safe` lists the operations that may be called (by name).
std::vector<OperationCheck> checkConnector(const bytecode::Module& module, uint32_t connector,
                                           const ConnectorSet& connectors,
                                           const std::vector<std::string>& safe);

// "matching", "mismatching", "failed", "not called".
std::string_view verdictName(OperationCheck::Verdict verdict);

}  // namespace rflow::runtime
