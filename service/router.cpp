// Matching, access checks, body parsing and rendering.
#include "service/router.h"

#include <fmt/format.h>

#include "runtime/wire.h"
#include "service/dashboard.h"

namespace rflow::service {

using nlohmann::json;

std::vector<std::string_view> pathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

namespace {

// The segments of every route's pattern, in the order of routes(), split once: every
// request is matched against the table (and its Content-Length against bodyLimit), and
// splitting each pattern per request was an allocation per route per request.
const std::vector<std::vector<std::string_view>>& routeSegments() {
  static const std::vector<std::vector<std::string_view>> segments = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const Route& r : routes())
      out.push_back(pathSegments(r.pattern));
    return out;
  }();
  return segments;
}

// The path parameters when `path` fits the pattern split into `parts`.
std::optional<Params> match(const std::vector<std::string_view>& parts,
                            const std::vector<std::string_view>& path) {
  if (parts.size() != path.size()) return std::nullopt;
  Params params;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].front() == '{') {
      params.emplace(std::string(parts[i].substr(1, parts[i].size() - 2)), std::string(path[i]));
    } else if (parts[i] != path[i]) {
      return std::nullopt;
    }
  }
  return params;
}

ApiError unauthorized() {
  return {ApiError::Code::kUnauthorized,
          "this needs a valid token: send `Authorization: Bearer <token>` (tokens are "
          "configured in rflow.toml's [[auth.users]], or printed at the first start)"};
}

}  // namespace

HttpReply errorReply(const ApiError& error) {
  HttpReply reply;
  reply.status = httpStatus(error.code);
  // Messages quote the request (a path, a query value), which need not be UTF-8; a
  // strict dump would throw and turn a 404 into a 500.
  reply.body = errorBody(error).dump(-1, ' ', false, json::error_handler_t::replace);
  if (error.code == ApiError::Code::kUnauthorized)
    reply.headers.emplace_back("WWW-Authenticate", "Bearer");
  // The store cannot write: the request was not confirmed and may be sent again (a
  // start with the same Idempotency-Key happens once). The store tries the disk again
  // every half second, so a second is a fair wait.
  if (error.code == ApiError::Code::kUnavailable) reply.headers.emplace_back("Retry-After", "1");
  // The backlog is full: the request was not taken (nothing queued, nothing stored), so
  // sending it again later is safe. Workers drain thousands of steps a second, but a
  // backlog of slow connector calls drains at their pace: a little longer than above.
  if (error.code == ApiError::Code::kTooManyRequests)
    reply.headers.emplace_back("Retry-After", "2");
  return reply;
}

size_t Router::bodyLimit(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> parts = pathSegments(path);
  const std::span<const Route> table = routes();
  for (size_t i = 0; i < table.size(); ++i) {
    const Route& r = table[i];
    if (r.method == method && r.binary_body && match(routeSegments()[i], parts))
      return limits_.max_file_bytes;
  }
  return limits_.max_body_bytes;
}

HttpReply committedReply(HttpReply reply, const store::Status& status) {
  reply.after.reset();
  if (status.ok()) return reply;
  HttpReply failed = errorReply(fromEngine(engine::committedError(status)));
  failed.route = reply.route;
  failed.caller = std::move(reply.caller);
  return failed;
}

HttpReply Router::handle(const HttpRequest& request) const {
  return respond(request, false);
}

HttpReply Router::handleDeferred(const HttpRequest& request) const {
  return respond(request, true);
}

HttpReply Router::respond(const HttpRequest& request, bool defer) const {
  if (request.method == "GET") {
    if (const Asset* asset = findAsset(request.path)) {
      HttpReply reply = assetReply(*asset, request.if_none_match);
      reply.route = asset->path;
      return reply;
    }
  }
  const Route* route = nullptr;
  std::optional<Caller> caller;
  HttpReply reply = answer(request, route, caller, defer);
  if (route != nullptr) reply.route = route->pattern;
  if (caller) reply.caller = caller->name;
  return reply;
}

HttpReply Router::answer(const HttpRequest& request, const Route*& route,
                         std::optional<Caller>& caller, bool defer) const {
  const std::vector<std::string_view> path = pathSegments(request.path);
  Params params;
  std::string allowed;
  const std::span<const Route> table = routes();
  for (size_t i = 0; i < table.size(); ++i) {
    const Route& r = table[i];
    auto found = match(routeSegments()[i], path);
    if (!found) continue;
    if (r.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(r.method);
      continue;
    }
    route = &r;
    params = std::move(*found);
    break;
  }
  if (route == nullptr) {
    if (!allowed.empty()) {
      HttpReply reply = errorReply(
          {ApiError::Code::kMethodNotAllowed,
           fmt::format("{} {} is not served; use {}", request.method, request.path, allowed)});
      reply.headers.emplace_back("Allow", allowed);
      return reply;
    }
    return errorReply({ApiError::Code::kNotFound,
                       fmt::format("there is no endpoint {} {}; GET /v1/openapi.json lists them",
                                   request.method, request.path)});
  }
  for (const auto& [name, value] : params) {
    if (value.size() > limits_.max_param_bytes)
      return errorReply({ApiError::Code::kBadRequest,
                         fmt::format("`{}`: at most {} bytes", name, limits_.max_param_bytes)});
  }

  // The transport admits bodies up to the larger of the two limits (files) and checks a
  // declared Content-Length against bodyLimit(); a body sent in chunks is held to the
  // route's limit here, first, as the transport's 413 would have been.
  const size_t limit = route->binary_body ? limits_.max_file_bytes : limits_.max_body_bytes;
  if (request.body.size() > limit)
    return errorReply({ApiError::Code::kTooLarge,
                       fmt::format("the body is {} bytes; {} {} accepts at most {}",
                                   request.body.size(), route->method, route->pattern, limit)});

  json body = nullptr;
  const auto parseBody = [&]() -> std::optional<ApiError> {
    if (!route->takes_body || route->binary_body || request.body.empty()) return std::nullopt;
    auto parsed = runtime::parseJson(request.body, limits_.max_body_bytes);
    if (auto* problem = std::get_if<std::string>(&parsed))
      return ApiError{ApiError::Code::kBadRequest, "the body: " + *problem};
    body = std::get<json>(std::move(parsed));
    return std::nullopt;
  };
  const auto authorize = [&]() -> std::optional<ApiError> {
    if (route->access == Access::kOpen) return std::nullopt;
    caller = auth_.authenticate(request.authorization);
    if (route->access == Access::kMetrics && metrics_open_) return std::nullopt;
    if (!caller) return unauthorized();
    if (route->access == Access::kAdmin && !caller->isAdmin())
      return ApiError{ApiError::Code::kForbidden,
                      fmt::format("{} {} needs the `admin` role, which {} does not have",
                                  route->method, route->pattern, caller->name)};
    return std::nullopt;
  };
  if (route->check_body != nullptr) {
    if (auto error = parseBody()) return errorReply(*error);
    if (auto error = route->check_body(body)) return errorReply(*error);
    if (auto error = authorize()) return errorReply(*error);
  } else {
    if (auto error = authorize()) return errorReply(*error);
    // Refused before the body is decoded: an overloaded service spends nothing on it.
    if (route->new_work) {
      if (auto error = service_.admitNewWork()) return errorReply(*error);
    }
    if (auto error = parseBody()) return errorReply(*error);
  }

  Call call{caller ? &*caller : nullptr,
            std::move(params),
            request.query,
            body,
            request.idempotency_key,
            route->binary_body ? std::string_view(request.body) : "",
            request.insights_form,
            request.insights_form.empty() ? std::string_view() : std::string_view(request.body),
            defer ? std::make_shared<engine::CommitTicket>() : nullptr};
  Outcome outcome = route->handler(service_, call);
  if (auto* error = std::get_if<ApiError>(&outcome)) return errorReply(*error);
  HttpReply reply;
  reply.status = route->status;
  if (call.ticket && call.ticket->armed()) reply.after = std::move(call.ticket);
  if (auto* text = std::get_if<JsonText>(&outcome)) {
    reply.body = std::move(text->text);
    return reply;
  }
  const json& doc = std::get<json>(outcome);
  if (route->text) {
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = doc.get<std::string>();
  } else {
    reply.body = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return reply;
}

}  // namespace rflow::service
