// HttpServer: the transport of `rflow serve`. Plain HTTP is served by our own HTTP/1.1
// server (plain_http_server.h); HTTPS by cpp-httplib's SSLServer, and this file's .cpp is
// the only code of the service that sees httplib's server. Both enforce the size limits
// (body, headers, URI) the same way (http_gate.h), turn each request into an HttpRequest
// for the Router, and write the reply. No request is ever mapped to a file: there is no
// mount point and no static file handler (the dashboard's files are compiled in and
// looked up by exact path, dashboard.h), so no path from a request reaches the file
// system.
//
// HTTPS: with TlsFiles the server is httplib's SSLServer over a context tls.h set up
// (TLS 1.2+); a plain-HTTP request to it fails in the handshake and the connection is
// closed. Without, plain HTTP (PlainHttpServer).
//
// Request ids and the request log: every reply carries `X-Request-Id`, the request's own
// (1 to kMaxRequestIdBytes visible ASCII characters) or one made here, unique per
// process. With a JSON Log each request, whoever answered it (the router, a limit, httplib
// itself), is one log line once its reply is written (log.h).
//
// Threads: each transport serves connections on a pool of kHttpThreads; start() returns
// once the accept loop runs; stop() ends it and joins. The Router and the Log must
// outlive the server.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <variant>

#include "service/http_gate.h"
#include "service/log.h"
#include "service/plain_http_server.h"
#include "service/router.h"
#include "service/tls.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace rflow::service {

class HttpServer {
 public:
  // Plain HTTP, or HTTPS when `tls` is given: its files are read and checked now, and the
  // error names the file and what to do.
  static std::variant<std::unique_ptr<HttpServer>, std::string> create(
      const RequestHandler& router, RequestLimits limits, const Log& log,
      const std::optional<TlsFiles>& tls = std::nullopt);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `host`:`port` (0: a free port). Returns the port, or why it cannot.
  std::variant<int, std::string> bind(const std::string& host, uint16_t port);
  void start();
  void stop();
  // One request read from `raw` as from a socket; the reply's bytes (Server::serveRaw).
  std::string serveRaw(std::string_view raw);

 private:
  // What the request log needs from a request's handlers, until its reply is written.
  struct Trace {
    std::chrono::steady_clock::time_point start;
    std::string_view route;
    std::optional<std::string> caller;
  };

  HttpServer(const RequestHandler& router, RequestLimits limits, const Log& log);
  // HTTPS only: httplib's handlers, limits and logger.
  void configure();
  void traceStart(const httplib::Request& req);
  void traceReply(const httplib::Request& req, const HttpReply& reply);
  void logRequest(const httplib::Request& req, const httplib::Response& res);

  const RequestHandler& router_;
  RequestLimits limits_;
  const Log& log_;
  RequestIds ids_;
  // Plain HTTP.
  std::unique_ptr<PlainHttpServer> plain_;
  // HTTPS.
  std::unique_ptr<httplib::Server> server_;
  std::function<std::string(std::string_view)> serve_raw_;
  std::thread thread_;
  std::atomic<int> listen_socket_{-1};  // set by httplib's socket-options hook
  std::atomic<bool> listen_ended_{false};
  // Requests being served, by the address of httplib's Request (alive from its headers
  // being read until its reply is logged). Only with a JSON log.
  std::mutex traces_mutex_;
  std::unordered_map<const void*, Trace> traces_;
};

}  // namespace rflow::service
