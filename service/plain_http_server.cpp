// Sockets and threads of the plain-HTTP transport (plain_http_server.h).
#include "service/plain_http_server.h"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace rflow::service {

namespace {

timeval timevalOf(std::chrono::seconds s) {
  return timeval{static_cast<time_t>(s.count()), 0};
}

class SocketStream final : public ByteStream {
 public:
  explicit SocketStream(int fd) : fd_(fd) {}

  bool readSome(std::string& into, bool between_requests) override {
    // SO_RCVTIMEO is the keep-alive wait; within a request, the read timeout is that many
    // waits in a row.
    const int waits =
        between_requests ? 1 : static_cast<int>(kRequestReadTimeout / kKeepAliveTimeout);
    for (int waited = 0;;) {
      const ssize_t n = ::recv(fd_, chunk_, sizeof chunk_, 0);
      if (n > 0) {
        into.append(chunk_, static_cast<size_t>(n));
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && ++waited < waits) continue;
      return false;
    }
  }

  bool write(std::string_view head, std::string_view body) override {
    iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                      {const_cast<char*>(body.data()), body.size()}};
    size_t first = 0;
    while (first < 2) {
      msghdr message{};
      message.msg_iov = parts + first;
      message.msg_iovlen = 2 - first;
      const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      // Past what was sent (a large reply goes out in pieces).
      auto left = static_cast<size_t>(n);
      while (first < 2 && left >= parts[first].iov_len) {
        left -= parts[first].iov_len;
        ++first;
      }
      if (first < 2) {
        parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
        parts[first].iov_len -= left;
      }
    }
    return true;
  }

  bool takesDeferredReplies() const override { return true; }

  std::optional<size_t> writeWithoutWaiting(std::string_view bytes) override {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n =
          ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return std::nullopt;
    }
    return done;
  }

  // Linux ends a blocked recv() on a socket shut down for reading (it returns 0).
  void interrupt() override { ::shutdown(fd_, SHUT_RD); }

 private:
  int fd_;
  char chunk_[16 << 10];
};

}  // namespace

PlainHttpServer::PlainHttpServer(const RequestHandler& handler, RequestLimits limits,
                                 const Log& log, RequestIds& ids)
    : context_{handler, limits, log, ids, &stopping_} {}

PlainHttpServer::~PlainHttpServer() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::variant<int, std::string> PlainHttpServer::bind(const std::string& host, uint16_t port) {
  const auto cannot = [&] {
    return port == 0 ? fmt::format("cannot listen on {}: no free port", host)
                     : fmt::format(
                           "cannot listen on {}:{} (in use, or not an address of this "
                           "machine)",
                           host, port);
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return cannot();
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, kListenBacklog) != 0) {
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    const uint16_t bound_port = bound.ss_family == AF_INET6
                                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = fd;
    return static_cast<int>(bound_port);
  }
  return cannot();
}

void PlainHttpServer::start() {
  if (listen_fd_ < 0 || acceptor_.joinable()) return;
  workers_.reserve(kHttpThreads);
  for (size_t i = 0; i < kHttpThreads; ++i) {
    workers_.emplace_back([this] { work(); });
    pthread_setname_np(workers_.back().native_handle(), "rflow-http");  // top, gdb, perf
  }
  acceptor_ = std::thread([this] { acceptLoop(); });
  pthread_setname_np(acceptor_.native_handle(), "rflow-accept");
}

void PlainHttpServer::acceptLoop() {
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) return;
      // Out of descriptors or memory: wait rather than spin, and go on.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    waiting_.push_back(fd);
    ready_.notify_one();
  }
}

void PlainHttpServer::work() {
  while (true) {
    int fd = -1;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      fd = waiting_.front();
      waiting_.pop_front();
      serving_.insert(fd);
    }
    // Replies are one write of head and body, so Nagle's algorithm would only delay them.
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    const timeval read_timeout = timevalOf(kKeepAliveTimeout);
    const timeval write_timeout = timevalOf(kWriteTimeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &read_timeout, sizeof read_timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &write_timeout, sizeof write_timeout);
    {
      SocketStream stream(fd);
      serveConnection(stream, context_);
    }
    {
      std::lock_guard lock(mutex_);
      serving_.erase(fd);
    }
    ::close(fd);
  }
}

std::string PlainHttpServer::serveRaw(std::string_view raw) {
  BufferStream stream(raw);
  serveConnection(stream, context_, 1);
  return std::move(stream.written);
}

void PlainHttpServer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_.exchange(true)) return;
    // Ends accept() (Linux answers EINVAL on a listening socket shut down).
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    // Ends each connection's wait for its next request; a reply being written still goes
    // out, as the write side stays open.
    for (const int fd : serving_)
      ::shutdown(fd, SHUT_RD);
    for (const int fd : waiting_)
      ::close(fd);
    waiting_.clear();
    ready_.notify_all();
  }
  if (acceptor_.joinable()) acceptor_.join();
  for (std::thread& worker : workers_)
    worker.join();
  workers_.clear();
}

}  // namespace rflow::service
