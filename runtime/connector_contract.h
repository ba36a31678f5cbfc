// The outbound contract of one connector: an OpenAPI 3.0 document of what rflow sends
// to the system behind it and what it accepts back, for the team that implements the
// endpoint (`rflow contract --connector NAME`). It states what http_connector.cpp and
// the engine really do:
//
//   - every operation is `POST {url}/{op}` with a JSON body {"args": {…}, "instance",
//     "workflow"}, the args wire-encoded by the op's parameter types (wire_schema.h);
//   - the `Idempotency-Key: <instance>/<request>` header, the same on every attempt and
//     every re-send after a crash: the endpoint must do the work once per key;
//   - a 2xx answer's body is the op's result (an empty body reads as null), decoded
//     against the declared type: a body that does not fit fails the call permanently;
//   - 408, 429 and 5xx (and timeouts and broken connections) are retried as the call
//     site's `retry` clause says, other 4xx and 3xx fail the call at once (redirects are
//     not followed), and bodies over the response limit are refused.
//
// Where the connector is configured with an HTTP url, the document's server is that url;
// the names of configured headers are listed, never their values (they hold secrets).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bytecode/module.h"
#include "runtime/config.h"
#include "runtime/wire_schema.h"

namespace rflow::runtime {

// The connector of `module` named `name` (declared or qualified): its index, or the
// message for a name that is none ("the project declares no connector `erpp` (did you
// mean `erp`?); its connectors are `erp`, `pos`").
std::variant<uint32_t, std::string> findConnector(const bytecode::Module& module,
                                                  std::string_view name);

struct ConnectorContractInput {
  const bytecode::Module* module = nullptr;
  uint32_t connector = 0;
  std::string version;                          // the module's content hash, hex
  const DocTable* docs = nullptr;               // may be null
  const ConnectorConfig* configured = nullptr;  // may be null (no rflow.toml entry)
};

nlohmann::json connectorContract(const ConnectorContractInput& input);

}  // namespace rflow::runtime
