// HttpConnector against a real cpp-httplib server on 127.0.0.1 (an ephemeral port per
// test): what is sent (path, body, headers), how each kind of answer or failure is
// classified, timeouts, size limits, keep-alive reuse and concurrent calls.
#include "runtime/http_connector.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

namespace rflow::runtime {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A server on 127.0.0.1 that records what it received. Handlers that wait use wait(),
// which the destructor cuts short so a test never waits for a sleeping handler.
class TestServer {
 public:
  explicit TestServer(int port = 0) {
    // Stopping waits for the threads serving idle keep-alive connections (the connector
    // pools them) until this timeout.
    server_.set_keep_alive_timeout(1);
    server_.set_tcp_nodelay(true);
    if (port == 0) {
      port_ = server_.bind_to_any_port("127.0.0.1");
    } else {
      port_ = server_.bind_to_port("127.0.0.1", port) ? port : -1;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TestServer() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Sleeps up to `d`, less if the server stops.
  void wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stopping_; });
  }

  void record(const httplib::Request& req) {
    std::lock_guard lock(mutex_);
    requests_.push_back(req);
    ports_.push_back(req.remote_port);
  }

  std::vector<httplib::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<int> ports() {
    std::lock_guard lock(mutex_);
    return ports_;
  }

  httplib::Server& server() { return server_; }
  int port() const { return port_; }
  std::string url(std::string_view base = "/wms") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(base);
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<httplib::Request> requests_;
  std::vector<int> ports_;
};

HttpTarget target(const std::string& url, int64_t timeout_ms = 5'000,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpTarget{url, std::get<HttpEndpoint>(parseHttpUrl(url)), timeout_ms, std::move(headers)};
}

CallRequest request(std::string op = "allocate", std::optional<int64_t> timeout_ms = std::nullopt) {
  CallRequest r;
  r.connector = "retail.systems.wms";
  r.op = std::move(op);
  r.args = json{{"store", "S0042"}, {"sku", "SKU-1"}, {"qty", 132}};
  r.instance = "inst-7";
  r.workflow = "retail.replenishment.Replenish";
  r.idempotency_key = "inst-7/3";
  r.timeout_ms = timeout_ms;
  return r;
}

// The alternative `r` holds, by value (results are temporaries), or a failure and T{}.
template <typename T>
T as(const CallResult& r) {
  if (const T* t = std::get_if<T>(&r)) return *t;
  std::string what = std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, CallSuccess>)
          return "success: " + x.body.dump();
        else
          return "failure: " + x.message;
      },
      r);
  ADD_FAILURE() << "unexpected result: " << what;
  return T{};
}

TEST(HttpConnector, PostsTheContractsRequestAndReturnsTheJsonAnswer) {
  TestServer s;
  s.server().Post("/wms/allocate", [&](const httplib::Request& req, httplib::Response& res) {
    s.record(req);
    res.set_content(R"({"id": "AL-77120", "units": 132})", "application/json");
  });
  HttpConnector c("wms", target(s.url("/wms/"), 5'000, {{"Authorization", "Bearer s3cret"}}));
  const CallResult r = c.call(request());
  EXPECT_EQ(as<CallSuccess>(r).body, json::parse(R"({"id": "AL-77120", "units": 132})"));

  const auto requests = s.requests();
  ASSERT_EQ(requests.size(), 1u);
  const httplib::Request& got = requests[0];
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.path, "/wms/allocate");
  EXPECT_EQ(got.get_header_value("Idempotency-Key"), "inst-7/3");
  EXPECT_EQ(got.get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(got.get_header_value("Authorization"), "Bearer s3cret");
  EXPECT_EQ(got.get_header_value("Content-Length"), std::to_string(got.body.size()));
  EXPECT_EQ(json::parse(got.body), json::parse(R"({
    "args": {"store": "S0042", "sku": "SKU-1", "qty": 132},
    "instance": "inst-7",
    "workflow": "retail.replenishment.Replenish"
  })"));
}

TEST(HttpConnector, AnEmptyAnswerIsNullAndNoArgsAreAnEmptyObject) {
  TestServer s;
  s.server().Post("/ping", [&](const httplib::Request& req, httplib::Response& res) {
    s.record(req);
    res.status = 204;
  });
  HttpConnector c("erp", target(s.url("")));
  CallRequest r = request("ping");
  r.args = nullptr;
  EXPECT_TRUE(as<CallSuccess>(c.call(r)).body.is_null());
  ASSERT_EQ(s.requests().size(), 1u);
  EXPECT_EQ(json::parse(s.requests()[0].body)["args"], json::object());
}

TEST(HttpConnector, ClientErrorsArePermanentWithTheBodysReason) {
  TestServer s;
  s.server().Post("/wms/allocate", [](const httplib::Request&, httplib::Response& res) {
    res.status = 422;
    res.set_content(R"({"error": "SKU-1 is blocked"})", "application/json");
  });
  s.server().Post("/wms/gone",
                  [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  HttpConnector c("wms", target(s.url()));
  const CallPermanent p = as<CallPermanent>(c.call(request()));
  EXPECT_EQ(p.message,
            R"(`wms.allocate`: HTTP 422 Unprocessable Entity: {"error": "SKU-1 is blocked"})");
  EXPECT_EQ(p.reason, R"(HTTP 422 Unprocessable Entity: {"error": "SKU-1 is blocked"})");
  EXPECT_EQ(p.http_status, 422);
  // No handler: httplib answers 404 with an empty body.
  const CallPermanent missing = as<CallPermanent>(c.call(request("nothing_here")));
  EXPECT_EQ(missing.message, "`wms.nothing_here`: HTTP 404 Not Found");
  EXPECT_EQ(as<CallPermanent>(c.call(request("gone"))).http_status, 404);
}

TEST(HttpConnector, ServerErrorsAndNotNowAreRetryable) {
  TestServer s;
  // The op's name is the status to answer with.
  s.server().Post(R"(/wms/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.status = std::stoi(req.matches[1].str());
  });
  HttpConnector c("wms", target(s.url()));
  for (int status : {500, 502, 503, 504, 408, 429}) {
    const CallRetryable r = as<CallRetryable>(c.call(request(std::to_string(status))));
    EXPECT_EQ(r.http_status, status);
  }
  const CallRetryable unavailable = as<CallRetryable>(c.call(request("503")));
  EXPECT_EQ(unavailable.message, "`wms.503`: HTTP 503 Service Unavailable");
  EXPECT_EQ(unavailable.reason, "HTTP 503 Service Unavailable");
  EXPECT_EQ(as<CallPermanent>(c.call(request("400"))).http_status, 400);
  EXPECT_EQ(as<CallPermanent>(c.call(request("409"))).http_status, 409);
}

TEST(HttpConnector, RedirectsAreNotFollowed) {
  TestServer s;
  s.server().Post("/wms/allocate", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("http://elsewhere.example/wms/allocate", 307);
  });
  HttpConnector c("wms", target(s.url()));
  const CallPermanent p = as<CallPermanent>(c.call(request()));
  EXPECT_EQ(p.http_status, 307);
  EXPECT_EQ(p.message,
            "`wms.allocate`: HTTP 307 Temporary Redirect: rflow does not follow redirects; set the "
            "connector's "
            "`url` to the final address (http://elsewhere.example/wms/allocate)");
}

TEST(HttpConnector, AnswersThatAreNotJsonArePermanent) {
  TestServer s;
  s.server().Post("/wms/html", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html>maintenance</html>", "text/html");
  });
  s.server().Post("/wms/deep", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100, '[') + std::string(100, ']'), "application/json");
  });
  HttpConnector c("wms", target(s.url()));
  const CallPermanent html = as<CallPermanent>(c.call(request("html")));
  EXPECT_TRUE(html.message.starts_with(
      "`wms.html`: the answer (HTTP 200 OK) is not usable JSON: the text is not "
      "JSON: parse error at line 1, column 1"))
      << html.message;
  EXPECT_EQ(as<CallPermanent>(c.call(request("deep"))).message,
            "`wms.deep`: the answer (HTTP 200 OK) is not usable JSON: the JSON nests deeper than "
            "64 levels");
}

TEST(HttpConnector, OversizedAnswersArePermanent) {
  TestServer s;
  const std::string big = "[" + std::string(4000, ' ') + "]";
  s.server().Post("/wms/sized", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(big, "application/json");
  });
  // Without Content-Length: the limit applies while the body streams in.
  s.server().Post("/wms/chunked", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/json", [&](size_t offset, httplib::DataSink& sink) {
          if (offset < big.size()) {
            sink.write(big.data() + offset, std::min<size_t>(500, big.size() - offset));
          } else {
            sink.done();
          }
          return true;
        });
  });
  s.server().Post("/wms/small", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("[1]", "application/json");
  });
  HttpOptions options;
  options.max_response_bytes = 1024;
  HttpConnector c("wms", target(s.url()), options);
  EXPECT_EQ(as<CallPermanent>(c.call(request("sized"))).message,
            "`wms.sized`: the response is larger than the limit of 1024 bytes");
  EXPECT_EQ(as<CallPermanent>(c.call(request("chunked"))).message,
            "`wms.chunked`: the response is larger than the limit of 1024 bytes");
  // The connector still works afterwards.
  EXPECT_EQ(as<CallSuccess>(c.call(request("small"))).body, json::array({1}));
  // The default limit is 16 MiB.
  EXPECT_EQ(HttpOptions{}.max_response_bytes, size_t{16} << 20);
}

TEST(HttpConnector, NoAnswerWithinTheTimeoutIsRetryable) {
  TestServer s;
  s.server().Post("/wms/slow", [&](const httplib::Request&, httplib::Response& res) {
    s.wait(5s);
    res.set_content("{}", "application/json");
  });
  HttpConnector c("wms", target(s.url(), /*timeout_ms=*/250));
  // The call site's timeout wins over the configured one.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(as<CallRetryable>(c.call(request("slow", 300))).message,
            "`wms.slow`: no answer within 300ms (timed out)");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 2s);
  // Without one, the connector's configured timeout applies.
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(as<CallRetryable>(c.call(request("slow"))).message,
            "`wms.slow`: no answer within 250ms (timed out)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(HttpConnector, AnyTimeoutTheCallSiteGivesIsUsable) {
  TestServer s;
  s.server().Post("/wms/allocate", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{}", "application/json");
  });
  HttpConnector c("wms", target(s.url()));
  for (int64_t t : {int64_t{1'000}, std::numeric_limits<int64_t>::max(), int64_t{0}, int64_t{-5}}) {
    const CallResult r = c.call(request("allocate", t));
    // Capped at 1h, raised to 1ms: a tiny one may time out, but nothing overflows.
    EXPECT_TRUE(std::holds_alternative<CallSuccess>(r) ||
                (t <= 0 && std::holds_alternative<CallRetryable>(r)))
        << t;
  }
}

TEST(HttpConnector, AnAnswerTricklingInPastTheDeadlineIsCutOff) {
  TestServer s;
  s.server().Post("/wms/trickle", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset >= 40) {
                                         sink.done();
                                         return true;
                                       }
                                       s.wait(100ms);
                                       sink.write(offset == 0 ? "[" : " ", 1);
                                       return true;
                                     });
  });
  HttpConnector c("wms", target(s.url()));
  const auto start = std::chrono::steady_clock::now();
  const CallRetryable r = as<CallRetryable>(c.call(request("trickle", 500)));
  EXPECT_TRUE(r.message == "`wms.trickle`: no complete answer within 500ms (timed out)" ||
              r.message == "`wms.trickle`: no answer within 500ms (timed out)")
      << r.message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(HttpConnector, ARefusedConnectionIsRetryable) {
  // A socket bound to a port but not listening: connecting to it is refused, and no other
  // process can take the port while the socket is open.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  HttpConnector c("wms", target("http://127.0.0.1:" + std::to_string(port) + "/wms"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(as<CallRetryable>(c.call(request())).message,
            "`wms.allocate`: could not connect to http://127.0.0.1:" + std::to_string(port) +
                " (connection refused, or the host is unknown or unreachable)");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  ::close(fd);
}

TEST(HttpConnector, AnUnknownHostIsRetryable) {
  // `.invalid` never resolves (RFC 2606).
  HttpConnector c("wms", target("http://rflow-test.invalid:9100/wms", 2'000));
  const CallRetryable r = as<CallRetryable>(c.call(request()));
  EXPECT_EQ(r.message,
            "`wms.allocate`: could not connect to http://rflow-test.invalid:9100 (connection "
            "refused, or the "
            "host is unknown or unreachable)");
  EXPECT_EQ(r.http_status, 0);
}

TEST(HttpConnector, KeepAliveConnectionsAreReused) {
  TestServer s;
  s.server().Post("/wms/allocate", [&](const httplib::Request& req, httplib::Response& res) {
    s.record(req);
    res.set_content("{}", "application/json");
  });
  HttpConnector c("wms", target(s.url()));
  EXPECT_EQ(c.idleConnections(), 0u);
  for (int i = 0; i < 3; ++i)
    as<CallSuccess>(c.call(request()));
  EXPECT_EQ(c.idleConnections(), 1u);
  const auto ports = s.ports();
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], ports[1]);
  EXPECT_EQ(ports[1], ports[2]);
}

TEST(HttpConnector, ConnectionsTheServerClosesAreReplaced) {
  TestServer s;
  // One request per connection: the server closes each after answering.
  s.server().set_keep_alive_max_count(1);
  s.server().Post("/wms/allocate", [&](const httplib::Request& req, httplib::Response& res) {
    s.record(req);
    res.set_content(R"({"n": 1})", "application/json");
  });
  HttpConnector c("wms", target(s.url()));
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(as<CallSuccess>(c.call(request())).body, json::parse(R"({"n": 1})"));
  EXPECT_EQ(s.requests().size(), 5u);
}

TEST(HttpConnector, APooledConnectionToARestartedServerIsReplaced) {
  auto first = std::make_unique<TestServer>();
  const int port = first->port();
  auto answer = [](const httplib::Request&, httplib::Response& res) {
    res.set_content("[]", "application/json");
  };
  first->server().Post("/wms/allocate", answer);
  HttpConnector c("wms", target(first->url()));
  as<CallSuccess>(c.call(request()));
  ASSERT_EQ(c.idleConnections(), 1u);
  first.reset();  // the pooled connection is now closed at the other end

  TestServer second(port);
  ASSERT_EQ(second.port(), port);
  second.server().Post("/wms/allocate", [&](const httplib::Request& req, httplib::Response& res) {
    second.record(req);
    res.set_content("[2]", "application/json");
  });
  EXPECT_EQ(as<CallSuccess>(c.call(request())).body, json::array({2}));
  EXPECT_EQ(second.requests().size(), 1u);
}

// A bare HTTP/1.1 server on a socket, for what httplib's server will not do: drop a
// connection in the middle of a request. `answer(connection, request)` says whether the
// n-th request on the c-th connection (both from 0) gets an answer or a closed socket.
class RawServer {
 public:
  explicit RawServer(std::function<bool(int, int)> answer) : answer_(std::move(answer)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 16);
    thread_ = std::thread([this] { run(); });
  }
  ~RawServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/wms"; }
  std::vector<std::string> keys() {
    std::lock_guard lock(mutex_);
    return keys_;
  }

 private:
  void run() {
    for (int connection = 0;; ++connection) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      serve(fd, connection);
      ::close(fd);
    }
  }

  // Serves requests on one connection until it is dropped or the client goes away.
  void serve(int fd, int connection) {
    std::string buffer;
    for (int n = 0;; ++n) {
      size_t header_end;
      while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!readMore(fd, buffer)) return;
      }
      const std::string head = buffer.substr(0, header_end);
      size_t length = 0;
      if (size_t at = head.find("Content-Length: "); at != std::string::npos)
        length = std::stoul(head.substr(at + 16));
      while (buffer.size() < header_end + 4 + length) {
        if (!readMore(fd, buffer)) return;
      }
      buffer.erase(0, header_end + 4 + length);
      {
        std::lock_guard lock(mutex_);
        const size_t at = head.find("Idempotency-Key: ");
        keys_.push_back(
            at == std::string::npos ? "" : head.substr(at + 17, head.find("\r\n", at) - at - 17));
      }
      if (!answer_(connection, n)) return;  // the caller closes the socket: no answer
      const std::string body = "{\"connection\": " + std::to_string(connection) + "}";
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) return;
    }
  }

  static bool readMore(int fd, std::string& buffer) {
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  std::function<bool(int, int)> answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> keys_;
};

TEST(HttpConnector, ARequestOnAReusedConnectionThatDiesIsSentAgainOnce) {
  // Every connection answers its first request and drops the second: what a server
  // that closed an idle keep-alive connection looks like to a client that reuses it.
  RawServer s([](int, int request) { return request == 0; });
  HttpConnector c("wms", target(s.url()));
  EXPECT_EQ(as<CallSuccess>(c.call(request())).body, json::parse(R"({"connection": 0})"));
  CallRequest second = request();
  second.idempotency_key = "inst-7/4";
  EXPECT_EQ(as<CallSuccess>(c.call(second)).body, json::parse(R"({"connection": 1})"));
  // The re-send carried the same key, so the system can tell it is the same call.
  EXPECT_EQ(s.keys(), (std::vector<std::string>{"inst-7/3", "inst-7/4", "inst-7/4"}));
}

TEST(HttpConnector, AConnectionThatDiesOnAFreshConnectionIsRetryable) {
  RawServer s([](int, int) { return false; });
  HttpConnector c("wms", target(s.url()));
  EXPECT_EQ(as<CallRetryable>(c.call(request())).message,
            "`wms.allocate`: the connection broke before the answer was complete");
  // Not sent again: a fresh connection that breaks is the system's failure, and the
  // engine decides about retries.
  EXPECT_EQ(s.keys().size(), 1u);
  EXPECT_EQ(c.idleConnections(), 0u);
}

TEST(HttpConnector, ConcurrentCallsFromManyThreads) {
  TestServer s;
  s.server().Post("/wms/echo", [&](const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body);
    res.set_content(
        json{{"instance", body["instance"]}, {"key", req.get_header_value("Idempotency-Key")}}
            .dump(),
        "application/json");
  });
  HttpOptions options;
  options.max_idle_connections = 3;
  HttpConnector c("wms", target(s.url()), options);
  constexpr int kThreads = 6;
  constexpr int kCalls = 25;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        CallRequest r = request("echo");
        r.instance = "i-" + std::to_string(t) + "-" + std::to_string(i);
        r.idempotency_key = r.instance + "/1";
        const CallResult result = c.call(r);
        if (const auto* ok = std::get_if<CallSuccess>(&result);
            ok && ok->body == json{{"instance", r.instance}, {"key", r.idempotency_key}})
          ++good;
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  EXPECT_EQ(good.load(), kThreads * kCalls);
  EXPECT_LE(c.idleConnections(), 3u);
  EXPECT_GE(c.idleConnections(), 1u);
}

}  // namespace
}  // namespace rflow::runtime
