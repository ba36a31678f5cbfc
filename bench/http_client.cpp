#include "http_client.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <variant>

#include "service/http1.h"

namespace rflow::bench {

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

HttpClient::~HttpClient() {
  if (fd_ >= 0) ::close(fd_);
}

HttpAnswer HttpClient::post(std::string_view path, const HttpHeaders& headers,
                            std::string_view body) {
  return exchange("POST", path, headers, &body);
}

HttpAnswer HttpClient::get(std::string_view path, const HttpHeaders& headers) {
  return exchange("GET", path, headers, nullptr);
}

std::string HttpClient::connect() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fmt::format("socket: {}", std::strerror(errno));
  // SO_SNDTIMEO also bounds connect() on Linux.
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_.c_str(), &address.sin_addr) != 1) {
    ::close(fd);
    return fmt::format("`{}` is not an IPv4 address", host_);
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = fmt::format("connect to {}:{}: {}", host_, port_, std::strerror(errno));
    ::close(fd);
    return why;
  }
  fd_ = fd;
  buffer_.clear();
  return {};
}

HttpAnswer HttpClient::fail(std::string why) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
  HttpAnswer answer;
  answer.error = std::move(why);
  return answer;
}

bool HttpClient::fill(size_t bytes, std::string* why) {
  char chunk[16 * 1024];
  while (buffer_.size() < bytes) {
    const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got > 0) {
      buffer_.append(chunk, static_cast<size_t>(got));
    } else if (got == 0) {
      *why = "the server closed the connection";
      return false;
    } else if (errno != EINTR) {
      *why = errno == EAGAIN ? "no reply within the timeout" : std::strerror(errno);
      return false;
    }
  }
  return true;
}

size_t HttpClient::fillHead(std::string* why) {
  size_t searched = 0;
  while (true) {
    const size_t end = buffer_.find("\r\n\r\n", searched);
    if (end != std::string::npos) return end + 4;
    searched = buffer_.size() < 3 ? 0 : buffer_.size() - 3;
    if (!fill(buffer_.size() + 1, why)) return std::string::npos;
  }
}

bool HttpClient::readChunked(size_t at, std::string* body, size_t* end, std::string* why) {
  service::http1::ChunkedReader chunks;
  while (true) {
    at += chunks.feed(std::string_view(buffer_).substr(at), *body);
    if (chunks.done()) {
      *end = at;
      return true;
    }
    if (chunks.failed()) {
      *why = "a malformed chunked body";
      return false;
    }
    if (!fill(buffer_.size() + 1, why)) return false;
  }
}

HttpAnswer HttpClient::exchange(std::string_view method, std::string_view path,
                                const HttpHeaders& headers, const std::string_view* body) {
  if (fd_ < 0)
    if (std::string why = connect(); !why.empty()) return fail(std::move(why));
  request_.clear();
  fmt::format_to(std::back_inserter(request_), "{} {} HTTP/1.1\r\nHost: {}:{}\r\n", method, path,
                 host_, port_);
  for (const auto& [name, value] : headers)
    fmt::format_to(std::back_inserter(request_), "{}: {}\r\n", name, value);
  if (body != nullptr)
    fmt::format_to(std::back_inserter(request_),
                   "Content-Type: application/json\r\nContent-Length: {}\r\n", body->size());
  request_ += "\r\n";
  if (body != nullptr) request_.append(*body);
  for (size_t sent = 0; sent < request_.size();) {
    const ssize_t n = ::send(fd_, request_.data() + sent, request_.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(fmt::format("send: {}", std::strerror(errno)));
    sent += static_cast<size_t>(n);
  }

  std::string why;
  const size_t head_end = fillHead(&why);
  if (head_end == std::string::npos) return fail(why);
  const std::string_view head(buffer_.data(), head_end);
  // "HTTP/1.1 201 Created"
  HttpAnswer answer;
  if (head.size() < 12 || !head.starts_with("HTTP/1.") ||
      std::from_chars(head.data() + 9, head.data() + 12, answer.status).ec != std::errc{})
    return fail(fmt::format("not an HTTP reply: `{}`", head.substr(0, 40)));
  // The header fields, looked up as a request's are (http1::Head: any case).
  service::http1::Head fields;
  for (size_t line = head.find("\r\n") + 2; line + 2 < head.size();) {
    const size_t next = head.find("\r\n", line);
    const std::string_view field = head.substr(line, next - line);
    line = next + 2;
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.remove_suffix(1);
    fields.headers.emplace_back(field.substr(0, colon), value);
  }
  // Framed as a request's body is (a compressed reply is one this client did not ask for).
  auto framing = service::http1::framingOf(fields);
  if (auto* problem = std::get_if<service::http1::FramingProblem>(&framing))
    return fail("the reply's framing: " + problem->message);
  const service::http1::Framing& frame = std::get<service::http1::Framing>(framing);
  const bool close = !fields.keepAlive();
  size_t end = head_end;
  if (method == "HEAD" || answer.status == 204 || answer.status == 304) {
  } else if (frame.kind == service::http1::Framing::Kind::kChunked) {
    if (!readChunked(head_end, &answer.body, &end, &why)) return fail(why);
  } else if (frame.kind == service::http1::Framing::Kind::kLength) {
    if (!fill(head_end + frame.length, &why)) return fail(why);
    answer.body.assign(buffer_, head_end, frame.length);
    end = head_end + frame.length;
  } else if (fields.find("Content-Length") == nullptr) {  // kNone: empty, if it says so
    return fail("a reply with neither Content-Length nor chunked framing");
  }
  buffer_.erase(0, end);
  if (close) {
    ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }
  return answer;
}

}  // namespace rflow::bench
