// The transport's facade, and the httplib edge of HTTPS: limits, request conversion,
// replies, and JSON bodies for the errors httplib produces itself (413 from the payload
// limit, 414, 400 on a bad request line).
#include "service/http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace rflow::service {

// httplib's server (plain, or SSLServer for HTTPS) with its protected per-connection
// entry point opened up, so a request can be served from a buffer (serveRaw) the way
// httplib's own fuzzer does it.
template <class Base>
class RawServer : public Base {
 public:
  using Base::Base;

  std::string serveBuffer(std::string_view raw) {
    RawStream stream(raw);
    bool closed = false;
    this->process_request(stream, /*close_connection=*/true, closed, nullptr);
    return std::move(stream.written);
  }

 private:
  // Reads from the request's bytes, collects the reply's.
  struct RawStream final : httplib::Stream {
    explicit RawStream(std::string_view in) : input(in) {}
    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override {
      const size_t n = std::min(size, input.size() - position);
      std::copy_n(input.data() + position, n, ptr);
      position += n;
      return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* ptr, size_t size) override {
      written.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override {
      ip = "127.0.0.1";
      port = 0;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
      ip = "127.0.0.1";
      port = 0;
    }
    socket_t socket() const override { return INVALID_SOCKET; }

    std::string_view input;
    size_t position = 0;
    std::string written;
  };
};

namespace {

HttpRequest requestOf(const httplib::Request& req) {
  HttpRequest out;
  out.method = req.method;
  out.path = req.path;
  for (const auto& [key, value] : req.params)
    out.query.emplace(key, value);  // the first of repeated parameters wins
  out.authorization = req.get_header_value("Authorization");
  out.idempotency_key = req.get_header_value("Idempotency-Key");
  out.if_none_match = req.get_header_value("If-None-Match");
  out.body = req.body;
  out.content_type = req.get_header_value("Content-Type");
  out.request_id = req.get_header_value("X-Request-Id");
  out.forwarded = req.has_header("Rflow-Forwarded");
  out.forwarded_partition = req.get_header_value("Rflow-Partition");
  out.insights_form = req.get_header_value("Rflow-Insights-Form");
  return out;
}

// The declared Content-Length; nullopt when there is none or it is not a number (httplib
// then answers 400 itself).
std::optional<size_t> contentLength(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return std::nullopt;
  const std::string text = req.get_header_value("Content-Length");
  size_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return length;
}

void write(HttpReply reply, httplib::Response& res) {
  addStandardHeaders(reply);
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers)
    res.set_header(name, value);
  res.set_content(reply.body, reply.content_type);
}

}  // namespace

HttpServer::HttpServer(const RequestHandler& router, RequestLimits limits, const Log& log)
    : router_(router), limits_(limits), log_(log) {}

std::variant<std::unique_ptr<HttpServer>, std::string> HttpServer::create(
    const RequestHandler& router, RequestLimits limits, const Log& log,
    const std::optional<TlsFiles>& tls) {
  // Private constructor: the server is only handed out configured.
  std::unique_ptr<HttpServer> server(new HttpServer(router, limits, log));
  if (tls) {
    std::optional<std::string> problem;
    auto https = std::make_unique<RawServer<httplib::SSLServer>>([&](SSL_CTX& ctx) {
      problem = setUpTls(ctx, *tls);
      return !problem.has_value();
    });
    if (problem) return "HTTPS cannot be served: " + *problem;
    if (!https->is_valid()) return std::string("HTTPS cannot be served: OpenSSL made no context");
    server->serve_raw_ = [raw = https.get()](std::string_view bytes) {
      return raw->serveBuffer(bytes);
    };
    server->server_ = std::move(https);
    server->configure();
  } else {
    server->plain_ =
        std::make_unique<PlainHttpServer>(router, limits, log, server->ids_);
  }
  return server;
}

void HttpServer::traceStart(const httplib::Request& req) {
  if (log_.format() != LogFormat::kJson) return;
  std::lock_guard lock(traces_mutex_);
  traces_[&req] = Trace{std::chrono::steady_clock::now(), {}, std::nullopt};
}

void HttpServer::traceReply(const httplib::Request& req, const HttpReply& reply) {
  if (log_.format() != LogFormat::kJson) return;
  std::lock_guard lock(traces_mutex_);
  auto it = traces_.find(&req);
  if (it == traces_.end()) return;
  it->second.route = reply.route;
  it->second.caller = reply.caller;
}

void HttpServer::logRequest(const httplib::Request& req, const httplib::Response& res) {
  std::optional<Trace> trace;
  {
    std::lock_guard lock(traces_mutex_);
    if (auto it = traces_.find(&req); it != traces_.end()) {
      trace = std::move(it->second);
      traces_.erase(it);
    }
  }
  RequestRecord record;
  const std::string id = res.get_header_value("X-Request-Id");
  record.request_id = id;
  // A malformed request line may hold anything; a method is a short word.
  record.method = std::string_view(req.method).substr(0, 16);
  record.status = res.status;
  // Without a trace the request was refused before its headers were read (a malformed
  // request line): no route, no caller, and no start to measure from.
  if (trace) {
    record.duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - trace->start)
            .count();
    if (!trace->route.empty()) record.route = trace->route;
    if (trace->caller) record.caller = *trace->caller;
  }
  log_.request(record);
}

void HttpServer::configure() {
  httplib::Server& s = *server_;
  s.set_payload_max_length(std::max(limits_.max_body_bytes, limits_.max_file_bytes));
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  s.set_keep_alive_timeout(5);
  // httplib serves one connection per pool thread for as long as it is kept alive, and
  // its defaults (8 threads, 5 requests per connection) leave the 9th concurrent client
  // waiting until a connection closes: with 32 clients (bench_service) most of the time
  // went to queueing and reconnecting. Idle threads only wait, so the pool is sized for
  // the clients a dashboard, a simulator and a few integrations keep open.
  s.set_keep_alive_max_count(1000);
  // Replies go out as headers then body; with Nagle's algorithm and the client's delayed
  // ACK each small reply waited ~40 ms.
  s.set_tcp_nodelay(true);
  // Debian's libcpp-httplib listens with a backlog of 5 (a compile-time constant of the
  // shared library): 32 clients connecting at once overflowed it, and the dropped ones
  // failed after a second with a read error. bind() below listens again on the socket
  // with a real backlog, which Linux allows; the socket is learnt here, where httplib
  // hands it over for options before binding.
  s.set_socket_options([this](int socket) {
    httplib::default_socket_options(socket);
    listen_socket_ = socket;
  });
  s.new_task_queue = [] {
    // httplib takes ownership of the queue it is handed (its API wants a raw pointer).
    return static_cast<httplib::TaskQueue*>(
        std::make_unique<httplib::ThreadPool>(kHttpThreads).release());
  };

  // Runs before httplib reads a body or matches a pattern: header and path limits, and
  // every method the API does not use (so only GET, POST and PUT reach pattern matching).
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    traceStart(req);
    res.set_header("X-Request-Id", ids_.of(req.get_header_value("X-Request-Id")));
    size_t header_bytes = 0;
    for (const auto& [name, value] : req.headers)
      header_bytes += name.size() + value.size() + 4;
    const std::string content_type = req.get_header_value("Content-Type");
    const HeadFacts facts{req.method,      req.path,     content_type, req.headers.size(),
                          header_bytes, contentLength(req)};
    if (auto refusal = refuseHead(facts, router_, limits_)) {
      write(std::move(*refusal), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "POST" && req.method != "PUT") {
      const HttpReply reply = router_.handle(requestOf(req));
      traceReply(req, reply);
      write(reply, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    const HttpReply reply = handleRequest(router_, requestOf(req));
    traceReply(req, reply);
    write(reply, res);
  };
  s.Get(".*", handle);
  s.Post(".*", handle);
  s.Put(".*", handle);
  // httplib answers some requests itself (413 over the payload limit, 400 on a bad
  // request); give those the API's error shape.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        // Refused before the pre-routing handler ran (a malformed request line).
        if (!res.has_header("X-Request-Id"))
          res.set_header("X-Request-Id", ids_.of(req.get_header_value("X-Request-Id")));
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        HttpReply reply = malformedReply();
        if (res.status == 413)
          reply = bodyTooLargeReply();
        else if (res.status == 404)
          reply = errorReply({ApiError::Code::kNotFound, "no such endpoint"});
        reply.status = res.status;
        write(reply, res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  if (log_.format() == LogFormat::kJson)
    s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      logRequest(req, res);
    });
}

HttpServer::~HttpServer() {
  stop();
}

std::variant<int, std::string> HttpServer::bind(const std::string& host, uint16_t port) {
  if (plain_) return plain_->bind(host, port);
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
    if (bound <= 0) return fmt::format("cannot listen on {}: no free port", host);
  } else if (!server_->bind_to_port(host, port)) {
    return fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)", host,
                       port);
  }
  if (listen_socket_ >= 0) ::listen(listen_socket_, kListenBacklog);
  return bound;
}

void HttpServer::start() {
  if (plain_) return plain_->start();
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_ended_ = true;
  });
  // httplib's stop() only ends a server that already runs its accept loop: a stop() that
  // came first (a signal while starting, a test that opens and closes) left the loop
  // accepting and stop()'s join waiting forever. So start() returns once it runs.
  while (!server_->is_running() && !listen_ended_)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::string HttpServer::serveRaw(std::string_view raw) {
  if (plain_) return plain_->serveRaw(raw);
  return serve_raw_(raw);
}

void HttpServer::stop() {
  if (plain_) plain_->stop();
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rflow::service
