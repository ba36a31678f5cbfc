// HTTP/1.1 on the wire, without sockets: a request's head read from bytes, its body's
// framing (Content-Length or chunks), URL decoding, and a reply's head written out. The
// plain-HTTP transport (plain_http_server.h) drives these over a socket and serveRaw()
// over a buffer; nothing here blocks, allocates beyond its result, or throws.
//
// What is accepted (RFC 9112, leniently where clients are sloppy and strictly where a
// lenient reading could be turned against the service):
//   - lines end with CRLF or a bare LF;
//   - the request line is METHOD SP TARGET SP HTTP/1.0 or HTTP/1.1; the target has no
//     spaces or control characters;
//   - header lines are `name: value` with a token name; folded lines, a space before the
//     colon, and a request carrying both Content-Length and Transfer-Encoding (the
//     ingredients of request smuggling) are malformed;
//   - Transfer-Encoding may only be `chunked`; chunk extensions and trailers are read and
//     ignored.
// Invariants: Head::headers keeps the order and spelling of the request; header lookups
// ignore case; limits are kMaxRequestLineBytes, kMaxHeadBytes, kMaxHeaderLines.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "service/routes.h"

namespace rflow::service::http1 {

// A longer request line is answered 414 (httplib's limit, which clients already met).
inline constexpr size_t kMaxRequestLineBytes = 8192;
// A head (request line and headers) beyond this is answered 431 without reading on;
// RequestLimits' header limits, smaller, are checked on a head that fits.
inline constexpr size_t kMaxHeadBytes = 64 << 10;
inline constexpr size_t kMaxHeaderLines = 256;

struct Head {
  std::string method;
  std::string target;  // as sent: path and query, percent-encoded
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header called `name` (any case), or nullptr.
  const std::string* find(std::string_view name) const;
  // Header names and values as RequestLimits counts them (each line's name, value, ": "
  // and CRLF).
  size_t headerBytes() const;
  // Whether the client asked to keep the connection open after this request.
  bool keepAlive() const;
};

enum class HeadProblem {
  kMalformed,       // 400
  kLineTooLong,     // 414
  kTooManyHeaders,  // 431
};

// The end of the head in `bytes` (the index after its blank line), or nullopt when the
// blank line has not arrived yet.
std::optional<size_t> headEnd(std::string_view bytes);
// The head in `bytes` (up to and including its blank line).
std::variant<Head, HeadProblem> parseHead(std::string_view bytes);

// How the body is framed, from the head's headers.
struct Framing {
  enum class Kind { kNone, kLength, kChunked } kind = Kind::kNone;
  size_t length = 0;  // for kLength
};
// The framing, or why the head's framing headers cannot be served: the message for a
// 400 (or, for a Content-Encoding, a 415).
struct FramingProblem {
  int status = 400;
  std::string message;
};
std::variant<Framing, FramingProblem> framingOf(const Head& head);

// Reads a chunked body incrementally. feed() takes what has arrived (from `bytes`),
// appends data to `body`, and returns how many bytes of `bytes` it consumed; it stops
// when it needs more bytes or the body is done (done()) or malformed (failed()).
class ChunkedReader {
 public:
  size_t feed(std::string_view bytes, std::string& body);
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone, kFailed };
  State state_ = State::kSize;
  size_t remaining_ = 0;
};

// %XX decoded (an invalid escape is kept as it is); with `plus_is_space`, '+' as ' ' (a
// query string's form encoding).
std::string decodeUrl(std::string_view text, bool plus_is_space);
// `a=1&b=x+y`: each pair decoded; a name without '=' has the empty value; the first of a
// repeated name wins.
Params parseQuery(std::string_view query);

// "OK", "Not Found", …; a generic phrase for a status this service does not send.
std::string_view reasonPhrase(int status);

}  // namespace rflow::service::http1
