// A minimal keep-alive HTTP/1.1 client for the benches' load generators (bench_service,
// bench_cluster). The benches' clients share the 2 cores with the server they measure,
// so their cost per request is part of every figure: this one writes a request with one
// `send` and reads its reply with blocking `recv`s (usually one), with no poll before
// each read and write and no address look-ups, which is what a production client library
// on its own machine costs the server nothing of.
//
// Invariants: one request at a time per client (not thread-safe; one per thread);
// a reply is read whole (Content-Length or chunked) before the next request, so the
// connection is always at a request boundary; any error closes the connection, and the
// next request opens a new one.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rflow::bench {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// A reply, or why there was none (`error` non-empty, status 0).
struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string error;
  explicit operator bool() const { return error.empty(); }
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // A body is sent as application/json.
  HttpAnswer post(std::string_view path, const HttpHeaders& headers, std::string_view body);
  HttpAnswer get(std::string_view path, const HttpHeaders& headers);

 private:
  HttpAnswer exchange(std::string_view method, std::string_view path, const HttpHeaders& headers,
                      const std::string_view* body);
  std::string connect();  // empty, or why not
  HttpAnswer fail(std::string why);
  // Reads until `buffer_` holds at least `bytes` bytes; false on error or end of stream.
  bool fill(size_t bytes, std::string* why);
  // Reads until "\r\n\r\n" is in `buffer_`; its end offset, or npos.
  size_t fillHead(std::string* why);
  // Reads a chunked body that starts at `at` in `buffer_` (http1::ChunkedReader) into
  // `body`; *end is where it ends.
  bool readChunked(size_t at, std::string* body, size_t* end, std::string* why);

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buffer_;   // bytes read and not yet consumed
  std::string request_;  // reused between requests
};

}  // namespace rflow::bench
