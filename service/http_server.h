// HttpServer: the transport of `rflow serve`, the only code that sees cpp-httplib. It
// enforces the size limits (body, headers, URI), turns each request into an HttpRequest
// for the Router, and writes the reply. No request is ever mapped to a file: there is no
// mount point and no static file handler (the dashboard's files are compiled in and
// looked up by exact path, dashboard.h), so no path from a request reaches the file
// system.
//
// Threads: httplib serves requests on its own pool; start() runs the accept loop on a
// thread of ours and returns once it runs; stop() ends it and joins. The Router must
// outlive the server.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

#include "service/router.h"

namespace rflow::service {
class RawServer;
}

namespace rflow::service {

// Longer paths are refused with 414 before any pattern matching.
inline constexpr size_t kMaxPathBytes = 2048;
// Connections served at once (each kept-alive connection holds one thread while open).
inline constexpr size_t kHttpThreads = 64;
// Connections the kernel queues for accept() (httplib's own is 5).
inline constexpr int kListenBacklog = 512;

class HttpServer {
 public:
  HttpServer(const Router& router, RequestLimits limits);
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
  const Router& router_;
  RequestLimits limits_;
  std::unique_ptr<RawServer> server_;
  std::thread thread_;
  std::atomic<int> listen_socket_{-1};  // set by httplib's socket-options hook
  std::atomic<bool> listen_ended_{false};
};

}  // namespace rflow::service
