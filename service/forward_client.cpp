// Forwarding one request to another node over cpp-httplib.
#include "service/forward_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <array>

namespace rflow::service {

namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes everything but unreserved characters (and '/' when `keep_slash`).
std::string encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (const char c : text) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string target(const HttpRequest& request) {
  std::string out = encode(request.path, /*keep_slash=*/true);
  char sep = '?';
  for (const auto& [name, value] : request.query) {
    out.push_back(sep);
    out += encode(name, false) + '=' + encode(value, false);
    sep = '&';
  }
  return out;
}

// Headers of the owner's reply that describe this hop, not the answer: the sender's
// transport writes its own.
bool hopHeader(const std::string& name) {
  static constexpr std::array<std::string_view, 8> kHop = {
      "content-length",    "content-type", "connection",    "keep-alive",
      "transfer-encoding", "x-request-id", "cache-control", "x-content-type-options"};
  std::string lower;
  for (const char c : name)
    lower.push_back(static_cast<char>(std::tolower(c)));
  for (std::string_view hop : kHop) {
    if (lower == hop) return true;
  }
  return false;
}

}  // namespace

Forwarder httpForwarder(ForwardOptions options) {
  return [options](const std::string& base_url,
                   const HttpRequest& request) -> std::variant<HttpReply, std::string> {
    httplib::Client client(base_url);
    if (!client.is_valid()) return fmt::format("`{}` is not a node's base URL", base_url);
    const auto seconds = [](std::chrono::milliseconds ms) {
      return std::pair<time_t, time_t>(ms.count() / 1000, (ms.count() % 1000) * 1000);
    };
    const auto [cs, cus] = seconds(options.connect_timeout);
    const auto [rs, rus] = seconds(request.forward_timeout.count() > 0
                                       ? std::min(request.forward_timeout, options.read_timeout)
                                       : options.read_timeout);
    client.set_connection_timeout(cs, cus);
    client.set_read_timeout(rs, rus);
    client.set_write_timeout(rs, rus);
    client.set_keep_alive(false);

    httplib::Request req;
    // httplib reads no body of a GET: the one GET that carries one (at-risk's second round,
    // the forecast) travels as a POST, which the receiving front door turns back
    // (PartitionRouter::forwarded).
    req.method = request.insights_form == kForecastForm ? "POST" : request.method;
    req.path = target(request);
    req.body = request.body;
    if (!request.authorization.empty()) req.set_header("Authorization", request.authorization);
    if (!request.idempotency_key.empty())
      req.set_header("Idempotency-Key", request.idempotency_key);
    if (!request.if_none_match.empty()) req.set_header("If-None-Match", request.if_none_match);
    if (!request.request_id.empty()) req.set_header("X-Request-Id", request.request_id);
    if (!request.body.empty() || request.method != "GET")
      req.set_header("Content-Type",
                     request.content_type.empty() ? "application/json" : request.content_type);
    req.set_header(std::string(kForwardedHeader), "1");
    req.set_header(std::string(kPartitionHeader), request.forwarded_partition);
    if (!request.insights_form.empty())
      req.set_header(std::string(kInsightsFormHeader), request.insights_form);

    httplib::Result result = client.send(req);
    if (!result)
      return fmt::format("{} did not answer: {}", base_url, httplib::to_string(result.error()));
    HttpReply reply;
    reply.status = result->status;
    reply.body = result->body;
    reply.content_type = result->get_header_value("Content-Type");
    for (const auto& [name, value] : result->headers) {
      if (!hopHeader(name)) reply.headers.emplace_back(name, value);
    }
    // Its Cache-Control, when it said one (a dashboard asset): kept, not replaced.
    if (result->has_header("Cache-Control") &&
        result->get_header_value("Cache-Control") != "no-store")
      reply.headers.emplace_back("Cache-Control", result->get_header_value("Cache-Control"));
    return reply;
  };
}

}  // namespace rflow::service
