// What both transports (plain HTTP, plain_http_server.h; HTTPS through cpp-httplib,
// http_server.cpp) do around the RequestHandler, so that a request is answered alike
// whichever way it came: the checks on a request's head before its body is read, the
// replies for requests the router never sees, the headers every reply carries, and the
// request ids.
//
// Order of the head checks (each refusal is final): too many or too large headers 431;
// a path over kMaxPathBytes 414; a declared Content-Length over the route's body limit
// 413 (and the connection closes, the body unread); a form-encoded body over 8 KiB 400.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "service/router.h"

namespace rflow::service {

// Longer paths are refused with 414 before any pattern matching.
inline constexpr size_t kMaxPathBytes = 2048;
// A longer X-Request-Id (or one with spaces or control characters) is replaced by a made
// one rather than logged or echoed.
inline constexpr size_t kMaxRequestIdBytes = 128;
// httplib's CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH, fixed when Debian built it:
// above it httplib answers a bare 413, so both transports refuse such a form first.
inline constexpr size_t kMaxFormBytes = 8192;

// A request's head as the checks see it.
struct HeadFacts {
  std::string_view method;
  std::string_view path;  // decoded, without the query
  std::string_view content_type;
  size_t headers = 0;
  size_t header_bytes = 0;  // names and values, plus 4 per header
  std::optional<size_t> content_length;
};

// The reply that refuses `head`, or nullopt when its body may be read and it handled.
std::optional<HttpReply> refuseHead(const HeadFacts& head, const RequestHandler& handler,
                                    const RequestLimits& limits);

// The handler's reply; a 500 without details if it throws (nothing does for bad input:
// that would be a bug). `deferred`: handleDeferred's (its `after` may be armed).
HttpReply handleRequest(const RequestHandler& handler, const HttpRequest& request,
                        bool deferred = false);

// Replies for what the transport itself refuses.
HttpReply malformedReply(std::string message = "the request is malformed");
HttpReply bodyTooLargeReply();

// `Cache-Control: no-store` unless the reply says otherwise (API answers are per caller
// and change all the time; only the dashboard's assets say how they may be cached), and
// `X-Content-Type-Options: nosniff`.
void addStandardHeaders(HttpReply& reply);

// X-Request-Id values: the request's own when usable (1 to kMaxRequestIdBytes visible
// ASCII characters), otherwise one made here, unique per process (a random prefix and a
// counter). Thread-safe.
class RequestIds {
 public:
  RequestIds();
  std::string of(std::string_view given);

 private:
  std::string prefix_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace rflow::service
