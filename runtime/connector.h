// Connectors: exactly one attempt of a connector operation (runtime.md §6), over HTTP
// (http_connector.h) or against a stub file (stub_connector.h), and the ConnectorSet that
// binds a module's declared connectors to what rflow.toml configures for them.
//
// The engine owns everything around an attempt: committing the pending call before it is
// sent, the idempotency key (`<instance>/<step>`, the same for every attempt and every
// re-send after a crash), retries with the call site's backoff, and committing the
// result. This layer only classifies what one attempt gave:
//
//   Success    a 2xx answer whose body is JSON (an empty body is null); the engine
//              decodes it against the op's result type (decodeCallResult)
//   Permanent  retrying cannot help: 4xx (except 408 and 429), a redirect, a body that is
//              not JSON, a response over the size limit, no such connector
//   Retryable  it may work later: 5xx, 408 Request Timeout, 429 Too Many Requests, a
//              timeout, a refused or broken connection, a host that does not resolve
//
// Messages name the connector and operation by their declared names: "`erp.post_invoice`:
// HTTP 503 Service Unavailable".
//
// Thread safety: call() is const and may run on many worker threads at once, for one
// connector or many; ConnectorSet is immutable after fromConfig().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bytecode/module.h"
#include "runtime/config.h"
#include "vm/value.h"

namespace rflow::runtime {

struct CallRequest {
  std::string connector;        // declared name: "retail.systems.erp" (or "erp")
  std::string op;               // "post_invoice"
  nlohmann::json args;          // an object keyed by parameter name, wire-encoded (wire.h)
  std::string instance;         // the instance's id
  std::string workflow;         // the workflow's name
  std::string idempotency_key;  // "<instance>/<step>"
  // The call site's `timeout` for one attempt; without it the connector's configured one.
  std::optional<int64_t> timeout_ms;
};

struct CallSuccess {
  nlohmann::json body;  // null when the answer had no body
};

struct CallPermanent {
  std::string message;  // "`erp.post_invoice`: HTTP 404 Not Found"
  std::string reason;   // the same without the "`erp.post_invoice`: " in front
  int http_status = 0;  // 0 when there was no HTTP answer
};

struct CallRetryable {
  std::string message;  // "`erp.post_invoice`: HTTP 503 Service Unavailable"
  std::string reason;   // "HTTP 503 Service Unavailable"
  int http_status = 0;
};

using CallResult = std::variant<CallSuccess, CallPermanent, CallRetryable>;

// "erp.post_invoice": the connector's declared (last) segment, a dot, the op.
std::string callName(const CallRequest& request);

// A failure of `request` for `reason`; the message puts the call's name in front.
CallPermanent permanentFailure(const CallRequest& request, std::string reason, int http_status = 0);
CallRetryable retryableFailure(const CallRequest& request, std::string reason, int http_status = 0);

class Connector {
 public:
  virtual ~Connector() = default;

  // One attempt. Never throws; every failure is a CallPermanent or CallRetryable.
  virtual CallResult call(const CallRequest& request) const = 0;

  // Problems this connector has with connector #`connector` of `module` (a stub's
  // operations and results are checked against the declarations); empty when none.
  virtual std::vector<std::string> checkAgainst(const bytecode::Module& module,
                                                uint32_t connector) const;
};

// Tuning of HTTP connectors; the defaults are what rflow runs with.
struct HttpOptions {
  // A larger response is a Permanent error: a connector result is a business record, and
  // the engine keeps it in an instance's state.
  size_t max_response_bytes = size_t{16} << 20;
  // Idle keep-alive connections kept per connector for the next call.
  size_t max_idle_connections = 8;
};

class ConnectorSet {
 public:
  // One connector per [connectors.NAME]; stub files are read and checked here. On
  // problems: one message per connector that cannot be built.
  static std::variant<ConnectorSet, std::vector<std::string>> fromConfig(
      const Config& config, const HttpOptions& http = {});

  ConnectorSet(ConnectorSet&&) noexcept;
  ConnectorSet& operator=(ConnectorSet&&) noexcept;
  ~ConnectorSet();

  // The connector configured for a declared name (exact key first, then the name's last
  // segment: "retail.systems.wms" finds [connectors.wms]), or nullptr.
  const Connector* find(std::string_view name) const;

  // find(request.connector)->call(request), or Permanent when it has no configuration.
  CallResult call(const CallRequest& request) const;

  // Everything wrong between `module` and this set, for deployment time: one message
  // naming every declared connector without configuration (and the config file), then
  // each connector's own problems. Empty when the module can run.
  std::vector<std::string> checkModule(const bytecode::Module& module) const;

 private:
  ConnectorSet() = default;

  std::string config_name_;
  bool from_file_ = false;
  std::map<std::string, std::unique_ptr<Connector>, std::less<>> connectors_;
};

// The request for op #`op` of `module` with its argument values (the VM's
// effect::Connector): the connector's qualified name, the op's name, the arguments
// wire-encoded by parameter name.
CallRequest makeCallRequest(const bytecode::Module& module, uint32_t op,
                            std::span<const vm::Value> args, std::string instance,
                            std::string workflow, std::string idempotency_key,
                            std::optional<int64_t> timeout_ms);

// A Success body as a value of op #`op`'s result type, or the message for a result that
// does not fit: "`erp.post_invoice`: the result does not fit `Posting`: `document`:
// expected a string, found 42". The engine treats that as a permanent failure: the
// system answered, with the wrong shape.
std::variant<vm::Value, std::string> decodeCallResult(const nlohmann::json& body, uint32_t op,
                                                      const bytecode::Module& module);

// "erp.post_invoice" for op #`op` of `module`.
std::string opDisplayName(const bytecode::Module& module, uint32_t op);

}  // namespace rflow::runtime
