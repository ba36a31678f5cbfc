// The checks and replies both transports share (http_gate.h).
#include "service/http_gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <random>

namespace rflow::service {

std::optional<HttpReply> refuseHead(const HeadFacts& head, const RequestHandler& handler,
                                    const RequestLimits& limits) {
  if (head.headers > limits.max_headers || head.header_bytes > limits.max_header_bytes)
    return errorReply({ApiError::Code::kHeadersTooLarge,
                       fmt::format("the request has {} headers of {} bytes; at most {} headers "
                                   "of {} bytes are accepted",
                                   head.headers, head.header_bytes, limits.max_headers,
                                   limits.max_header_bytes)});
  if (head.path.size() > kMaxPathBytes) {
    HttpReply reply = errorReply({ApiError::Code::kNotFound, "the path is too long"});
    reply.status = 414;
    return reply;
  }
  if (head.content_length) {
    const size_t limit = handler.bodyLimit(head.method, head.path);
    if (*head.content_length > limit) {
      HttpReply reply = errorReply(
          {ApiError::Code::kTooLarge,
           fmt::format("the body is {} bytes; {} {} accepts at most {}; send less, or split a "
                       "deployment",
                       *head.content_length, head.method, head.path, limit)});
      // The body stays unread: close the connection rather than read it as a request.
      reply.headers.emplace_back("Connection", "close");
      return reply;
    }
  }
  // curl sends --data-binary as a form unless told otherwise, so a model or a deployment
  // sent that way gets told what to send instead.
  if (head.content_type.starts_with("application/x-www-form-urlencoded") &&
      head.content_length.value_or(0) > kMaxFormBytes)
    return errorReply({ApiError::Code::kBadRequest,
                       "the body is sent as a form (Content-Type: "
                       "application/x-www-form-urlencoded, curl's default for --data-binary); "
                       "send a model as `Content-Type: application/octet-stream` and JSON as "
                       "`Content-Type: application/json`"});
  return std::nullopt;
}

HttpReply handleRequest(const RequestHandler& handler, const HttpRequest& request, bool deferred) {
  try {
    return deferred ? handler.handleDeferred(request) : handler.handle(request);
  } catch (const std::exception&) {
    HttpReply reply = errorReply({ApiError::Code::kUnavailable, "internal error"});
    reply.status = 500;
    reply.headers.clear();  // no Retry-After: sending it again would not help
    return reply;
  }
}

HttpReply malformedReply(std::string message) {
  return errorReply({ApiError::Code::kBadRequest, std::move(message)});
}

HttpReply bodyTooLargeReply() {
  HttpReply reply =
      errorReply({ApiError::Code::kTooLarge,
                  "the body is larger than the service accepts; send less, or split a deployment"});
  reply.headers.emplace_back("Connection", "close");
  return reply;
}

void addStandardHeaders(HttpReply& reply) {
  const bool cache_control =
      std::any_of(reply.headers.begin(), reply.headers.end(),
                  [](const auto& header) { return header.first == "Cache-Control"; });
  if (!cache_control) reply.headers.emplace_back("Cache-Control", "no-store");
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

RequestIds::RequestIds() {
  std::random_device random;
  prefix_ = fmt::format("{:08x}{:08x}-", random(), random());
}

std::string RequestIds::of(std::string_view given) {
  const bool usable =
      !given.empty() && given.size() <= kMaxRequestIdBytes &&
      std::all_of(given.begin(), given.end(), [](char c) { return c > ' ' && c < 127; });
  if (usable) return std::string(given);
  return prefix_ + fmt::format("{:06x}", next_.fetch_add(1));
}

}  // namespace rflow::service
