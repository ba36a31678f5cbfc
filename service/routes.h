// The route table: every endpoint of runtime.md §7 in ONE list that the router matches
// and the OpenAPI document describes, so the two cannot drift apart (a test checks it).
//
// A route is a method, a path pattern with `{param}` segments, who may call it, whether
// it reads a JSON body, and a plain function that turns a Call into a Service operation.
// Handlers only translate (path and query parameters in, Outcome out); the meaning lives
// in the Service.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "bytecode/module.h"
#include "runtime/wire_schema.h"
#include "service/api_error.h"
#include "service/auth.h"
#include "service/service.h"

namespace rflow::service {

enum class Access : uint8_t {
  kToken,    // any valid token
  kAdmin,    // a token whose user has the `admin` role
  kMetrics,  // a valid token, or nobody's when [service] metrics_open = true
  kOpen,     // anyone: health checks of load balancers and orchestrators
};

using Params = std::map<std::string, std::string, std::less<>>;

// What a handler gets: the caller (null only on an open /metrics), the path parameters,
// the query, the parsed body (null when the route takes none or none was sent) and the
// Idempotency-Key header.
struct Call {
  const Caller* caller = nullptr;
  Params params;
  const Params& query;
  const nlohmann::json& body;
  std::string_view idempotency_key;
  std::string_view raw_body;  // the bytes, for a route with a binary body
  // The internal form of an insights route (insights_parts.h; empty: the public answer)
  // and the request's body, which the `forecast` form carries.
  std::string_view form;
  std::string_view form_body;
  // Set when the transport sends the answer only once its step is committed: a handler
  // whose operation takes one (a start, a decision) passes it on (commit_ticket.h).
  std::shared_ptr<engine::CommitTicket> ticket;
};

using Handler = Outcome (*)(Service& service, const Call& call);

struct Route {
  std::string_view method;   // "GET", "POST" or "PUT"
  std::string_view pattern;  // "/v1/instances/{id}/signals/{name}"
  Access access;
  int status;  // on success: 200, or 201 when something was created
  bool takes_body;
  // When set, the body is parsed and checked for shape BEFORE the token (decisions: a
  // malformed body is 400 before a missing token is 401, runtime.md §7).
  std::optional<ApiError> (*check_body)(const nlohmann::json& body);
  bool text;               // the Outcome is a JSON string sent as text/plain (Prometheus)
  std::string_view query;  // its query parameters, comma-separated (for OpenAPI)
  std::string_view summary;
  Handler handler;
  // The body is a file (a classifier model), handed over as bytes and not parsed, and may
  // be up to RequestLimits::max_file_bytes.
  bool binary_body = false;
  // It queues new work for the engine (a start, an event, a signal): refused with 429
  // while the engine's backlog is at [engine] max_queued (Service::admitNewWork).
  bool new_work = false;
};

std::span<const Route> routes();

// The deployed version an OpenAPI document describes concretely (openapi_deployed.h):
// its module (null: nothing is deployed, the document is the generic one), its version
// (the content hash in hex; the document's info.version) and its doc comments (null
// when they are not known, as after a restart: the module keeps none).
struct DeployedContract {
  const bytecode::Module* module = nullptr;
  std::string version;
  const runtime::DocTable* docs = nullptr;
};

// The OpenAPI 3 document for `table` (openapi.cpp), with the paths, bodies and schemas
// of `deployed`'s workflows, signals, events and task forms when it has a module.
nlohmann::json openApiDocument(std::span<const Route> table, const DeployedContract& deployed = {});

}  // namespace rflow::service
