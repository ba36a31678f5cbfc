// Log: the lines `rflow serve` writes about itself (start-up, warnings, errors) and, in
// JSON mode, one line per HTTP request. Two formats, chosen by `rflow serve --log-format`:
//
//   text  (default) the human lines of old: "rflow serve: …" and "rflow serve: warning: …"
//         to `out`, errors to `err`. Requests are not logged.
//   json  one JSON object per line, every line to `err` (stderr), for a log shipper:
//         {"time":"2026-05-01T10:00:00.125Z","level":"info","message":"…"}
//         {"time":…,"level":"info","message":"request","request_id":"…","method":"POST",
//          "route":"/v1/workflows/{name}/instances","status":201,"duration_ms":3.2,
//          "caller":"ann"}
//
// Invariants: a line is handed to its sink whole, under a mutex, so the lines of
// concurrent requests never interleave. A request line carries the route's PATTERN (never
// the raw path, whose ids and keys are business data), the caller's user name (never a
// token) and no body. `route` is null when no route matched (a 404, a malformed request),
// `caller` when the request carried no valid token or the route needs none, `duration_ms`
// when the request line itself was malformed.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace rflow::service {

enum class LogFormat { kText, kJson };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parseLogFormat(std::string_view text);

// One HTTP request as the log shows it.
struct RequestRecord {
  std::string_view request_id;
  std::string_view method;
  std::optional<std::string_view> route;  // the pattern, "/v1/instances/{id}"
  int status = 0;
  // From the request's headers read to its reply sent; none for a request refused before
  // its headers were read (a malformed request line).
  std::optional<double> duration_ms;
  std::optional<std::string_view> caller;  // the user name
};

class Log {
 public:
  using Sink = std::function<void(const std::string& line)>;
  // The process's stdout (`out`) and stderr (`err`).
  explicit Log(LogFormat format);
  Log(LogFormat format, Sink out, Sink err);
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  LogFormat format() const { return format_; }
  void info(std::string_view message) const;
  void warning(std::string_view message) const;
  void error(std::string_view message) const;
  // Nothing in text mode.
  void request(const RequestRecord& record) const;

 private:
  void emit(std::string_view level, std::string_view message) const;
  void write(const Sink& sink, const std::string& line) const;

  LogFormat format_;
  Sink out_;
  Sink err_;
  mutable std::mutex mutex_;
};

}  // namespace rflow::service
