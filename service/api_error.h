// ApiError: how every layer of the service says no. Protocol-neutral codes that the HTTP
// edge maps to statuses (runtime.md §7), rendered as {"error": {"code", "message"}}.
//
// Invariants: a message says what was wrong, where (the field path, the id) and, when it
// is not obvious, what to do; it never contains a token or a token's hash.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "engine/engine.h"

namespace rflow::service {

struct ApiError {
  enum class Code : uint8_t {
    kBadRequest,        // 400: malformed JSON, a body or parameter of the wrong type
    kUnauthorized,      // 401: no token, or not a valid one
    kForbidden,         // 403: a valid token without the role or identity needed
    kNotFound,          // 404: no such route, instance, task, workflow, signal, event
    kMethodNotAllowed,  // 405: the path exists, with other methods
    kConflict,          // 409: the state does not allow it (no longer open, key in use)
    kRefused,           // 409: a policy refused the decision; the message is the policy's
    kTooLarge,          // 413: the body is over the limit
    kTooManyRequests,   // 429: the engine's backlog is full; send it again after Retry-After
    kHeadersTooLarge,   // 431: the headers are over the limit
    kUnavailable,       // 503: the store cannot write, or (a cluster) the partition's owner
                        // is unknown or unreachable; the request was not confirmed
    kMisdirected,       // 421: a forwarded request for a partition this node does not own
    kNotImplemented,    // 501: not yet available in a cluster (docs/cluster.md "Routing")
  };
  Code code;
  std::string message;
  // More members of the error object, e.g. "diagnostics" of a refused deployment.
  nlohmann::json extra = nullptr;
};

int httpStatus(ApiError::Code code);
// "bad_request", "unauthorized", … : the stable `code` clients switch on.
std::string_view codeName(ApiError::Code code);
nlohmann::json errorBody(const ApiError& error);

ApiError fromEngine(const engine::EngineError& error);

// A JSON answer already written as text (runtime::JsonWriter), sent as it is.
struct JsonText {
  std::string text;
};

// A service operation's answer: a JSON document or its text, or why not.
using Outcome = std::variant<nlohmann::json, JsonText, ApiError>;

}  // namespace rflow::service
