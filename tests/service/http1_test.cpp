// The plain-HTTP transport's wire layer (service/http1.h) and connection loop
// (service/http1_connection.h), driven through a scripted byte stream and a handler that
// records what reached it: framing, keep-alive, pipelining, limits and the error shapes.
// Over real sockets the same server is exercised by every other service test.
#include "service/http1.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "service/http1_connection.h"

namespace rflow::service {
namespace {

using http1::Head;
using http1::HeadProblem;

class RecordingHandler final : public RequestHandler {
 public:
  HttpReply handle(const HttpRequest& request) const override {
    seen.push_back(request);
    HttpReply reply;
    reply.body = reply_body.empty() ? nlohmann::json{{"path", request.path}}.dump() : reply_body;
    return reply;
  }
  size_t bodyLimit(std::string_view, std::string_view) const override { return 100; }

  mutable std::vector<HttpRequest> seen;
  std::string reply_body;
};

class Http1Test : public ::testing::Test {
 protected:
  // Serves `input` (read `piece` bytes at a time) and returns the bytes written back.
  std::string serve(const std::string& input, size_t piece = 7) {
    BufferStream stream(input, piece);
    serveConnection(stream, ConnectionContext{handler, limits, log, ids});
    return stream.written;
  }
  static int count(std::string_view text, std::string_view what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1))
      ++n;
    return n;
  }

  RecordingHandler handler;
  RequestLimits limits;
  Log log{LogFormat::kText, [](const std::string&) {}, [](const std::string&) {}};
  RequestIds ids;
};

TEST(Http1Head, ARequestLineAndHeadersAreReadWithEitherLineEnd) {
  for (const std::string eol : {"\r\n", "\n"}) {
    const std::string bytes =
        "POST /v1/x?a=1 HTTP/1.1" + eol + "Host: h" + eol + "content-length:  12 " + eol + eol;
    ASSERT_EQ(http1::headEnd(bytes), bytes.size());
    auto parsed = http1::parseHead(bytes);
    ASSERT_TRUE(std::holds_alternative<Head>(parsed));
    const Head& head = std::get<Head>(parsed);
    EXPECT_EQ(head.method, "POST");
    EXPECT_EQ(head.target, "/v1/x?a=1");
    ASSERT_NE(head.find("Content-Length"), nullptr);
    EXPECT_EQ(*head.find("Content-Length"), "12");  // trimmed, found in any case
    EXPECT_TRUE(head.keepAlive());
  }
}

TEST(Http1Head, AHeadNotYetCompleteHasNoEnd) {
  EXPECT_FALSE(http1::headEnd("GET / HTTP/1.1\r\nHost: h\r\n"));
  EXPECT_FALSE(http1::headEnd("GET / HTTP/1.1\r\n"));
}

TEST(Http1Head, MalformedHeadsAreSaidToBe) {
  for (const char* bytes :
       {"GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: x\r\n\r\n", "GET / HTTP/1.1\r\nName : x\r\n\r\n",
        "GET /a\x01 HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n"}) {
    auto parsed = http1::parseHead(bytes);
    ASSERT_TRUE(std::holds_alternative<HeadProblem>(parsed)) << bytes;
    EXPECT_EQ(std::get<HeadProblem>(parsed), HeadProblem::kMalformed) << bytes;
  }
  const std::string long_line =
      "GET /" + std::string(http1::kMaxRequestLineBytes, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(std::get<HeadProblem>(http1::parseHead(long_line)), HeadProblem::kLineTooLong);
  std::string many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i <= http1::kMaxHeaderLines; ++i)
    many += "X-" + std::to_string(i) + ": y\r\n";
  many += "\r\n";
  EXPECT_EQ(std::get<HeadProblem>(http1::parseHead(many)), HeadProblem::kTooManyHeaders);
}

TEST(Http1Head, KeepAliveFollowsTheVersionAndTheConnectionHeader) {
  const auto keep = [](const char* bytes) {
    return std::get<Head>(http1::parseHead(bytes)).keepAlive();
  };
  EXPECT_TRUE(keep("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
  EXPECT_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST(Http1Framing, LengthChunksAndTheirConflictsAreTold) {
  const auto framing = [](const char* bytes) {
    return http1::framingOf(std::get<Head>(http1::parseHead(bytes)));
  };
  EXPECT_EQ(
      std::get<http1::Framing>(framing("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n")).length, 5u);
  EXPECT_EQ(
      std::get<http1::Framing>(framing("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"))
          .kind,
      http1::Framing::Kind::kChunked);
  EXPECT_EQ(std::get<http1::Framing>(framing("GET / HTTP/1.1\r\n\r\n")).kind,
            http1::Framing::Kind::kNone);
  for (const char* bad :
       {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"}) {
    auto f = framing(bad);
    ASSERT_TRUE(std::holds_alternative<http1::FramingProblem>(f)) << bad;
    EXPECT_EQ(std::get<http1::FramingProblem>(f).status, 400) << bad;
  }
  auto encoded = framing("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(std::get<http1::FramingProblem>(encoded).status, 415);
}

TEST(Http1Framing, AChunkedBodyIsReadInAnyPieces) {
  const std::string wire =
      "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: x\r\n\r\nNEXT";
  for (size_t piece : {1u, 2u, 3u, 7u, 100u}) {
    http1::ChunkedReader reader;
    std::string body, buffer;
    size_t at = 0;
    while (!reader.done()) {
      ASSERT_LT(at, wire.size()) << piece;
      buffer += wire.substr(at, piece);
      at += piece;
      buffer.erase(0, reader.feed(buffer, body));
      ASSERT_FALSE(reader.failed()) << piece;
    }
    EXPECT_EQ(body, "Wikipedia in\r\n\r\nchunks.") << piece;
    EXPECT_EQ(buffer + wire.substr(std::min(at, wire.size())), "NEXT") << piece;
  }
  for (const char* bad : {"x\r\n", "4\r\nWikiX\r\n", "-1\r\n"}) {
    http1::ChunkedReader reader;
    std::string body;
    reader.feed(bad, body);
    EXPECT_TRUE(reader.failed()) << bad;
  }
}

TEST(Http1Url, PathsAndQueriesAreDecoded) {
  EXPECT_EQ(http1::decodeUrl("/v1/instances/a%2Fb+c", false), "/v1/instances/a/b+c");
  EXPECT_EQ(http1::decodeUrl("100%", false), "100%");
  EXPECT_EQ(http1::decodeUrl("%zz%4", false), "%zz%4");
  const Params q = http1::parseQuery("region=EU+West&store=S%2D1&flag&region=NA&&");
  EXPECT_EQ(q.at("region"), "EU West");  // the first wins
  EXPECT_EQ(q.at("store"), "S-1");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.size(), 3u);
}

TEST_F(Http1Test, PipelinedRequestsOnOneConnectionAreAnsweredInOrder) {
  const std::string out = serve(
      "GET /a HTTP/1.1\r\nX-Request-Id: first\r\n\r\n"
      "POST /b?x=%41 HTTP/1.1\r\nContent-Length: 5\r\nAuthorization: Bearer t\r\n\r\nhello"
      "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n"
      "GET /never HTTP/1.1\r\n\r\n");
  ASSERT_EQ(handler.seen.size(), 3u) << out;
  EXPECT_EQ(handler.seen[0].path, "/a");
  EXPECT_EQ(handler.seen[0].request_id, "first");
  EXPECT_EQ(handler.seen[1].path, "/b");
  EXPECT_EQ(handler.seen[1].query.at("x"), "A");
  EXPECT_EQ(handler.seen[1].body, "hello");
  EXPECT_EQ(handler.seen[1].authorization, "Bearer t");
  EXPECT_EQ(count(out, "HTTP/1.1 200 OK\r\n"), 3);
  EXPECT_EQ(count(out, "Connection: close\r\n"), 1);
  EXPECT_NE(out.find("X-Request-Id: first\r\n"), std::string::npos);
  EXPECT_NE(out.find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
}

TEST_F(Http1Test, AChunkedBodyAfterExpectContinueReachesTheHandlerWhole) {
  const std::string out = serve(
      "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
      "3\r\n{\"a\r\n5\r\n\": 1}\r\n0\r\n\r\n",
      1);
  ASSERT_EQ(handler.seen.size(), 1u) << out;
  EXPECT_EQ(handler.seen[0].body, "{\"a\": 1}");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")) << out;
}

TEST_F(Http1Test, ABodyOverTheRoutesLimitIsRefusedUnreadAndTheConnectionCloses) {
  const std::string out = serve("POST /b HTTP/1.1\r\nContent-Length: 101\r\n\r\n" +
                                std::string(101, 'x') + "GET /next HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(handler.seen.empty());
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(out.find("\"code\":\"payload_too_large\""), std::string::npos) << out;
  EXPECT_EQ(count(out, "HTTP/1.1 "), 1);

  // In chunks, the transport's own limit (the larger of the two) holds.
  limits.max_body_bytes = 10;
  limits.max_file_bytes = 20;
  const std::string chunked = serve("POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n15\r\n" +
                                    std::string(21, 'x') + "\r\n0\r\n\r\n");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 413 ")) << chunked;
  EXPECT_TRUE(handler.seen.empty());
}

TEST_F(Http1Test, WhatCannotBeReadGetsTheAPIsErrorShape) {
  const auto first_line_and_code = [&](const std::string& input) {
    const std::string out = serve(input);
    const size_t body = out.find("\r\n\r\n");
    const auto json = nlohmann::json::parse(out.substr(body + 4), nullptr, false);
    return std::pair{
        out.substr(0, out.find("\r\n")),
        json.is_discarded() ? std::string("?") : json["error"]["code"].get<std::string>()};
  };
  EXPECT_EQ(first_line_and_code("BAD REQUEST LINE HERE\r\n\r\n"),
            std::pair(std::string("HTTP/1.1 400 Bad Request"), std::string("bad_request")));
  EXPECT_EQ(first_line_and_code("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n").first,
            "HTTP/1.1 414 URI Too Long");
  EXPECT_EQ(first_line_and_code("GET /" + std::string(3000, 'a') + " HTTP/1.1\r\n\r\n").first,
            "HTTP/1.1 414 URI Too Long");
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 70; ++i)
    many += "X-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(first_line_and_code(many + "\r\n"),
            std::pair(std::string("HTTP/1.1 431 Request Header Fields Too Large"),
                      std::string("headers_too_large")));
  EXPECT_EQ(first_line_and_code("POST /b HTTP/1.1\r\nContent-Length: 9\r\n\r\nshort").first,
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(
      first_line_and_code("POST /b HTTP/1.1\r\nContent-Encoding: br\r\nContent-Length: 1\r\n\r\nx")
          .first,
      "HTTP/1.1 415 Unsupported Media Type");
  EXPECT_EQ(
      first_line_and_code("POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").first,
      "HTTP/1.1 400 Bad Request");
  EXPECT_TRUE(handler.seen.empty());
  // A head cut short, or nothing at all, gets no answer.
  EXPECT_EQ(serve("GET / HTTP/1.1\r\nHost:"), "");
  EXPECT_EQ(serve(""), "");
}

TEST_F(Http1Test, AHeadRequestGetsTheLengthWithoutTheBody) {
  handler.reply_body = "{\"x\": 12345}";
  const std::string out = serve("HEAD /a HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 12\r\n"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\n")) << out;
}

TEST_F(Http1Test, LargeTextRepliesAreCompressedForClientsThatAcceptGzip) {
  handler.reply_body = "[" + std::string(4000, ' ') + "]";
  const std::string plain = serve("GET /a HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(plain.find("Content-Encoding"), std::string::npos);
  EXPECT_NE(plain.find("Content-Length: 4002\r\n"), std::string::npos);
  const std::string gzip =
      serve("GET /a HTTP/1.1\r\nAccept-Encoding: deflate, gzip\r\nConnection: close\r\n\r\n");
  EXPECT_NE(gzip.find("Content-Encoding: gzip\r\n"), std::string::npos) << gzip.substr(0, 300);
  EXPECT_LT(gzip.size(), 400u);
  EXPECT_NE(gzip.find("\r\n\r\n\x1f\x8b"), std::string::npos);  // gzip's magic opens the body
  const std::string refused =
      serve("GET /a HTTP/1.1\r\nAccept-Encoding: gzip;q=0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(refused.find("Content-Encoding"), std::string::npos);
}

// Answers every request with a reply whose step is "committed" when the test says so:
// handleDeferred's replies carry an armed ticket, as a start's do.
class DeferringHandler final : public RequestHandler {
 public:
  HttpReply handle(const HttpRequest& request) const override {
    HttpReply reply;
    reply.body = nlohmann::json{{"path", request.path}}.dump();
    return reply;
  }
  HttpReply handleDeferred(const HttpRequest& request) const override {
    HttpReply reply = handle(request);
    reply.route = "/deferred";
    reply.after = std::make_shared<engine::CommitTicket>();
    reply.after->arm();
    std::lock_guard lock(mutex);
    tickets.push_back(reply.after);
    return reply;
  }
  size_t bodyLimit(std::string_view, std::string_view) const override { return 100; }
  // The ticket of the `n`th request, once it was handled.
  std::shared_ptr<engine::CommitTicket> ticket(size_t n) const {
    for (;; std::this_thread::sleep_for(std::chrono::milliseconds(1))) {
      std::lock_guard lock(mutex);
      if (tickets.size() > n) return tickets[n];
    }
  }

  mutable std::mutex mutex;
  mutable std::vector<std::shared_ptr<engine::CommitTicket>> tickets;
};

// A connection whose client's window takes `window` bytes of a deferred reply at once.
class NarrowStream final : public ByteStream {
 public:
  NarrowStream(std::string input, size_t window) : input_(std::move(input)), window_(window) {}
  bool readSome(std::string& into, bool) override {
    if (interrupted_ || input_.empty()) return false;
    into += std::exchange(input_, {});
    return true;
  }
  bool write(std::string_view head, std::string_view body) override {
    written.append(head);
    written.append(body);
    return true;
  }
  bool takesDeferredReplies() const override { return true; }
  std::optional<size_t> writeWithoutWaiting(std::string_view bytes) override {
    const size_t n = std::min(bytes.size(), window_);
    written.append(bytes.substr(0, n));
    return n;
  }
  void interrupt() override { interrupted_ = true; }

  std::string written;

 private:
  std::string input_;
  size_t window_;
  std::atomic<bool> interrupted_{false};
};

class Http1DeferredTest : public ::testing::Test {
 protected:
  DeferringHandler handler;
  RequestLimits limits;
  Log log{LogFormat::kText, [](const std::string&) {}, [](const std::string&) {}};
  RequestIds ids;
};

TEST_F(Http1DeferredTest, RepliesWaitForTheirCommitAndKeepTheirOrder) {
  // The second step is committed first and the first one's group fails: the first
  // answer is still the first on the wire, and it is the 503 of a failed commit.
  BufferStream stream(
      "POST /first HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
      "POST /second HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  std::thread committer([&] {
    handler.ticket(1)->report({});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    handler.ticket(0)->report(store::Status::failure("the disk is full"));
  });
  serveConnection(stream, ConnectionContext{handler, limits, log, ids});
  committer.join();
  const std::string& out = stream.written;
  const size_t failed = out.find("HTTP/1.1 503 ");
  const size_t ok = out.find("HTTP/1.1 200 OK\r\n");
  ASSERT_NE(failed, std::string::npos) << out;
  ASSERT_NE(ok, std::string::npos) << out;
  EXPECT_LT(failed, ok);
  EXPECT_NE(out.find("the step could not be committed: the disk is full"), std::string::npos);
  EXPECT_EQ(out.find("/first"), std::string::npos) << "the failed step's answer was sent";
  EXPECT_NE(out.find("\"path\":\"/second\""), std::string::npos);
}

TEST_F(Http1DeferredTest, AReplyTheClientsWindowCannotTakeIsFinishedAndTheConnectionEnds) {
  NarrowStream stream(
      "POST /first HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
      "POST /second HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
      10);
  std::thread committer([&] {
    handler.ticket(0)->report({});
    handler.ticket(1)->report({});
  });
  serveConnection(stream, ConnectionContext{handler, limits, log, ids});
  committer.join();
  // The first reply whole (10 bytes from the committer, the rest from the connection's
  // thread), then the end: its reads were interrupted, so the second is not answered.
  const std::string& out = stream.written;
  EXPECT_EQ(out.find("HTTP/1.1 200 OK\r\n"), 0u) << out;
  EXPECT_NE(out.find("\"path\":\"/first\"}"), std::string::npos) << out;
  EXPECT_EQ(out.find("/second"), std::string::npos) << out;
  EXPECT_EQ(out.size(), out.find("/first\"}") + 8) << out;
}

}  // namespace
}  // namespace rflow::service
