// HttpConnector::call: build the request, send it on a pooled client with the attempt's
// deadline, classify what came back.
#include "runtime/http_connector.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "bytecode/names.h"
#include "runtime/wire.h"

namespace rflow::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The body of an error answer often says why; a short, escaped excerpt goes into the
// message (it ends up in the audit trail, so it is bounded).
constexpr size_t kMaxBodyExcerpt = 200;

std::string excerpt(const std::string& body) {
  if (body.empty()) return {};
  return ": " + bytecode::escapeText(body, false, kMaxBodyExcerpt);
}

std::string statusLine(const httplib::Response& res) {
  if (res.reason.empty()) return fmt::format("HTTP {}", res.status);
  return fmt::format("HTTP {} {}", res.status, res.reason);
}

std::string duration(int64_t ms) {
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

template <typename Rep, typename Period>
void setTimeouts(httplib::Client& client, std::chrono::duration<Rep, Period> left) {
  // httplib takes seconds and microseconds; a zero timeout would mean "no wait at all",
  // which select() treats as a poll, so at least a millisecond.
  const auto us =
      std::max<int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(left).count(), 1000);
  const time_t sec = static_cast<time_t>(us / 1'000'000);
  const time_t usec = static_cast<time_t>(us % 1'000'000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
}

}  // namespace

HttpConnector::HttpConnector(std::string name, HttpTarget target, HttpOptions options)
    : name_(std::move(name)), target_(std::move(target)), options_(options) {}

HttpConnector::~HttpConnector() = default;

size_t HttpConnector::idleConnections() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

std::unique_ptr<httplib::Client> HttpConnector::makeClient() const {
  auto client = std::make_unique<httplib::Client>(target_.endpoint.origin());
  client->set_keep_alive(true);
  client->set_follow_location(false);
  // httplib writes the headers and the body separately; with Nagle's algorithm the body
  // of a request on a reused connection waits for the delayed ACK of the headers (tens
  // of milliseconds per call).
  client->set_tcp_nodelay(true);
  return client;
}

std::unique_ptr<httplib::Client> HttpConnector::acquire(bool& reused) const {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return client;
    }
  }
  reused = false;
  return makeClient();
}

void HttpConnector::release(std::unique_ptr<httplib::Client> client) const {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(client));
}

CallResult HttpConnector::call(const CallRequest& request) const {
  // The call site's timeout is a language duration (any int64 of milliseconds); capped
  // like a configured one, which also keeps the deadline's arithmetic in range.
  const int64_t timeout_ms = std::clamp<int64_t>(request.timeout_ms.value_or(target_.timeout_ms), 1,
                                                 kMaxConnectorTimeoutMs);
  const auto start = Clock::now();
  const auto deadline = start + milliseconds(timeout_ms);

  const nlohmann::json body_json = {
      {"args", request.args.is_null() ? nlohmann::json::object() : request.args},
      {"instance", request.instance},
      {"workflow", request.workflow}};
  // Strings come from the VM and are valid UTF-8; `replace` keeps a bad byte from
  // turning into an exception anyway.
  const std::string body = body_json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  httplib::Headers headers;
  for (const auto& [name, value] : target_.headers)
    headers.emplace(name, value);
  if (!request.idempotency_key.empty()) headers.emplace("Idempotency-Key", request.idempotency_key);
  headers.emplace("Content-Type", "application/json");
  headers.emplace("Accept", "application/json");

  bool reused = false;
  std::unique_ptr<httplib::Client> client = acquire(reused);
  for (;;) {
    // Set by the callbacks, which are the only way to stop httplib mid-response.
    bool too_large = false;
    bool past_deadline = false;
    std::string received;

    httplib::Request req;
    req.method = "POST";
    req.path = target_.endpoint.base_path + "/" + request.op;
    req.headers = headers;
    req.body = body;
    req.response_handler = [&](const httplib::Response& res) {
      if (res.has_header("Content-Length")) {
        const std::string length = res.get_header_value("Content-Length");
        // Longer than the decimal digits of the limit, or larger: refused before reading.
        if (length.size() > 20 ||
            std::strtoull(length.c_str(), nullptr, 10) > options_.max_response_bytes) {
          too_large = true;
          return false;
        }
      }
      return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (received.size() + n > options_.max_response_bytes) {
        too_large = true;
        return false;
      }
      if (Clock::now() > deadline) {
        past_deadline = true;
        return false;
      }
      received.append(data, n);
      return true;
    };

    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero())
      return retryableFailure(request,
                              fmt::format("no answer within {} (timed out)", duration(timeout_ms)));
    setTimeouts(*client, left);

    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    const bool sent = client->send(req, res, error);

    if (too_large)
      return permanentFailure(request,
                              fmt::format("the response is larger than the limit of {} bytes",
                                          options_.max_response_bytes),
                              res.status > 0 ? res.status : 0);
    if (past_deadline)
      return retryableFailure(
          request, fmt::format("no complete answer within {} (timed out)", duration(timeout_ms)));

    if (!sent) {
      const bool nothing_received = received.empty() && res.status <= 0;
      const bool deadline_passed = Clock::now() >= deadline - milliseconds(5);
      // A pooled connection the server closed while it sat idle fails at once, before any
      // answer: send again on a fresh connection (same Idempotency-Key, same deadline).
      if (reused && nothing_received && !deadline_passed &&
          (error == httplib::Error::Read || error == httplib::Error::Write)) {
        client = makeClient();
        reused = false;
        continue;
      }
      switch (error) {
        case httplib::Error::Connection:
          return retryableFailure(
              request, fmt::format("could not connect to {} (connection refused, or the host is "
                                   "unknown or unreachable)",
                                   target_.endpoint.origin()));
        case httplib::Error::ConnectionTimeout:
          return retryableFailure(request,
                                  fmt::format("could not connect to {} within {} (timed out)",
                                              target_.endpoint.origin(), duration(timeout_ms)));
        case httplib::Error::Read:
          if (deadline_passed)
            return retryableFailure(
                request, fmt::format("no answer within {} (timed out)", duration(timeout_ms)));
          return retryableFailure(request, "the connection broke before the answer was complete");
        case httplib::Error::Write:
          if (deadline_passed)
            return retryableFailure(request,
                                    fmt::format("could not send the request within {} (timed out)",
                                                duration(timeout_ms)));
          return retryableFailure(request, "the connection broke while sending the request");
        case httplib::Error::SSLConnection:
        case httplib::Error::SSLLoadingCerts:
        case httplib::Error::SSLServerVerification:
          return retryableFailure(
              request, fmt::format("the TLS connection to {} failed ({})",
                                   target_.endpoint.origin(), httplib::to_string(error)));
        default:
          return retryableFailure(request,
                                  fmt::format("the call failed: {}", httplib::to_string(error)));
      }
    }

    // An HTTP answer: the connection may serve the next call.
    release(std::move(client));
    const int status = res.status;
    if (status >= 200 && status < 300) {
      if (received.empty()) return CallSuccess{nullptr};
      auto parsed = parseJson(received, options_.max_response_bytes);
      if (auto* problem = std::get_if<std::string>(&parsed))
        return permanentFailure(
            request,
            fmt::format("the answer ({}) is not usable JSON: {}", statusLine(res), *problem),
            status);
      return CallSuccess{std::get<nlohmann::json>(std::move(parsed))};
    }
    if (status >= 300 && status < 400) {
      const std::string location = res.get_header_value("Location");
      return permanentFailure(
          request,
          fmt::format(
              "{}: rflow does not follow redirects; set the connector's `url` "
              "to the final address{}",
              statusLine(res),
              location.empty() ? "" : " (" + bytecode::escapeText(location, false, 200) + ")"),
          status);
    }
    // 408 and 429 are the server saying "not now": retried, like 5xx.
    if (status == 408 || status == 429 || (status >= 500 && status < 600))
      return retryableFailure(request, fmt::format("{}{}", statusLine(res), excerpt(received)),
                              status);
    return permanentFailure(request, fmt::format("{}{}", statusLine(res), excerpt(received)),
                            status);
  }
}

}  // namespace rflow::runtime
