// PlainHttpServer: `rflow serve`'s transport for plain HTTP (HTTPS stays with cpp-httplib,
// http_server.cpp). Sockets and threads only; what a connection says is
// http1_connection.h's.
//
// Why our own: cpp-httplib 0.11 (Debian's) polls before every read and every write, asks
// for both addresses on every request and sends a reply as two segments; about a dozen
// system calls and two wake-ups per request, more CPU than the engine's step
// (bench/README.md, "bench_service and issue 13's goal over HTTP"). Here a request costs
// one blocking recv (more only for a large body) and one sendmsg.
//
// Threads: an acceptor, and kHttpThreads workers, each serving one connection at a time
// for as long as it is kept alive (a step's handler waits for its group commit, so a
// connection needs a thread while its request is in flight). Accepted connections beyond
// the workers wait in a queue, as with httplib's pool.
//
// Timeouts: a kept-alive connection with no request for kKeepAliveTimeout is closed; a
// request whose next bytes take longer than kRequestReadTimeout is dropped; a reply the
// client does not take within kWriteTimeout ends the connection.
//
// stop() closes the listening socket, ends every connection's wait for a request (a
// request being answered is answered first) and joins every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "service/http1_connection.h"

namespace rflow::service {

// Connections served at once (each kept-alive connection holds one thread while open).
inline constexpr size_t kHttpThreads = 64;
// Connections the kernel queues for accept().
inline constexpr int kListenBacklog = 512;
inline constexpr std::chrono::seconds kKeepAliveTimeout{5};
inline constexpr std::chrono::seconds kRequestReadTimeout{10};
inline constexpr std::chrono::seconds kWriteTimeout{10};

class PlainHttpServer {
 public:
  PlainHttpServer(const RequestHandler& handler, RequestLimits limits, const Log& log,
                  RequestIds& ids);
  ~PlainHttpServer();
  PlainHttpServer(const PlainHttpServer&) = delete;
  PlainHttpServer& operator=(const PlainHttpServer&) = delete;

  // Binds and listens on `host`:`port` (0: a free port). The port, or why not.
  std::variant<int, std::string> bind(const std::string& host, uint16_t port);
  void start();
  void stop();
  // One connection's bytes as a client would send them (the socket's reads come in
  // pieces of a few KiB, so the incremental paths are the real ones); the replies'
  // bytes. Serves one request, as a connection that closes after it.
  std::string serveRaw(std::string_view raw);

 private:
  void acceptLoop();
  void work();

  std::atomic<bool> stopping_{false};
  ConnectionContext context_;
  int listen_fd_ = -1;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<int> waiting_;  // accepted, not yet served
  std::set<int> serving_;
};

}  // namespace rflow::service
