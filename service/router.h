// Router: matches a request against the route table (routes.h), checks access in the
// order runtime.md §7 gives, parses the JSON body within the limits, runs the handler
// and renders the answer or the error as JSON. It knows HTTP's vocabulary (methods,
// statuses, headers) but not its transport: requests come as plain structs, so tests and
// other front ends can drive it.
//
// The dashboard's page and assets (dashboard.h) are answered first, for GET only and
// without a token; everything else goes through the route table.
//
// Order of checks: unknown path 404; known path, other method 405; then, for most
// routes, 401 (no valid token) and 403 (not admin) before 400 (body not JSON); for the
// decision route the body is checked first (400 before 401), as §7 asks.
#pragma once

#include <chrono>
#include <memory>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/auth.h"
#include "service/routes.h"
#include "service/service.h"

namespace rflow::service {

struct HttpRequest {
  std::string method;
  std::string path;  // decoded, without the query
  Params query;
  std::string authorization;  // the Authorization header, or empty
  std::string idempotency_key;
  std::string if_none_match;  // for the dashboard's assets (ETag revalidation)
  std::string body;
  // What a cluster's front door (partition_router.h) forwards besides the above: the
  // Content-Type and X-Request-Id headers, and whether another node already forwarded
  // it (the `Rflow-Forwarded` header: such a request is never forwarded again).
  std::string content_type;
  std::string request_id;
  // How long a forwarded hop waits for the owner's answer, when shorter than the front
  // door's own (ForwardOptions::read_timeout); zero: that one. The outbox relay asks for
  // less, so that a hung owner cannot hold the relay (and its partition's release) long.
  std::chrono::milliseconds forward_timeout{0};
  bool forwarded = false;
  std::string forwarded_partition;  // its `Rflow-Partition` header: "7", or "all-local"
  // Its `Rflow-Insights-Form` header: the internal form of an insights route a cluster
  // asks each partition for (insights_parts.h); empty for the public answer.
  std::string insights_form;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers. Without a Cache-Control among them the transport sends `no-store`.
  std::vector<std::pair<std::string, std::string>> headers;
  // For the request log (log.h), never sent: the pattern of the route that answered (or
  // the dashboard asset's path; empty when none matched) and who called (the user name,
  // when a valid token was checked).
  std::string_view route;
  std::optional<std::string> caller;
  // Armed (only in what RequestHandler::handleDeferred returns): the reply describes a step
  // not yet committed. It may be sent only once the ticket reports ok; on a failed report
  // committedReply's answer goes instead (commit_ticket.h).
  std::shared_ptr<engine::CommitTicket> after;
};

HttpReply errorReply(const ApiError& error);
// `reply` once its step's commit reported `status`: itself, or the 503 a failed commit is
// answered with (same route and caller, for the log).
HttpReply committedReply(HttpReply reply, const store::Status& status);

// The non-empty segments of a decoded path ("/v1/instances/x" is v1, instances, x): what
// routes and the cluster's front door match on. Views into `path`.
std::vector<std::string_view> pathSegments(std::string_view path);

// Limits on what a request may carry; the transport enforces the sizes, the router the
// JSON nesting (runtime::kMaxWireDepth).
struct RequestLimits {
  size_t max_body_bytes = size_t{4} << 20;  // a project of a few hundred files
  // A file sent as a body (a classifier model): a quantized model is well under 5 MB, an
  // unquantized one of the default size some tens of MB.
  size_t max_file_bytes = size_t{64} << 20;
  size_t max_header_bytes = 16 << 10;  // all header names and values together
  size_t max_headers = 64;
  size_t max_param_bytes = 256;  // one path segment
};

// What the transport (http_server.h) hands requests to: a Router (one engine), or a
// cluster's front door (partition_router.h), which routes to Routers. Thread-safe.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // The reply, with its `route` and `caller` filled in when known.
  virtual HttpReply handle(const HttpRequest& request) const = 0;
  // As handle(), but a start's or a decision's reply may come before its step is
  // committed (`after` armed), for a transport that sends it once the ticket reports.
  virtual HttpReply handleDeferred(const HttpRequest& request) const { return handle(request); }
  // The most body bytes a request for `method` `path` may carry: the transport refuses a
  // larger Content-Length before reading the body.
  virtual size_t bodyLimit(std::string_view method, std::string_view path) const = 0;
};

class Router final : public RequestHandler {
 public:
  Router(Service& service, const Authenticator& auth, bool metrics_open, RequestLimits limits)
      : service_(service), auth_(auth), metrics_open_(metrics_open), limits_(limits) {}

  HttpReply handle(const HttpRequest& request) const override;
  HttpReply handleDeferred(const HttpRequest& request) const override;
  size_t bodyLimit(std::string_view method, std::string_view path) const override;
  Service& service() const { return service_; }

 private:
  // `defer`: handleDeferred's reply (see there).
  HttpReply respond(const HttpRequest& request, bool defer) const;
  HttpReply answer(const HttpRequest& request, const Route*& route, std::optional<Caller>& caller,
                   bool defer) const;

  Service& service_;
  const Authenticator& auth_;
  bool metrics_open_;
  RequestLimits limits_;
};

}  // namespace rflow::service
