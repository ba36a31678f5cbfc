// HTTP/1.1 request heads, body framing and URL decoding (http1.h).
#include "service/http1.h"

#include <algorithm>
#include <charconv>

namespace rflow::service::http1 {

namespace {

char lowered(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lowered(x) == lowered(y);
         });
}

// RFC 9110 tchar: what a method and a header name are made of.
bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// The next line of `bytes` from `at` (without its CRLF or LF), moving `at` past it;
// nullopt when no line end is left.
std::optional<std::string_view> nextLine(std::string_view bytes, size_t& at) {
  const size_t end = bytes.find('\n', at);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view line = bytes.substr(at, end - at);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  at = end + 1;
  return line;
}

// Whether a comma-separated header value lists `token` (any case).
bool listsToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (equalsIgnoringCase(trimmed(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* Head::find(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (equalsIgnoringCase(key, name)) return &value;
  return nullptr;
}

size_t Head::headerBytes() const {
  size_t bytes = 0;
  for (const auto& [name, value] : headers)
    bytes += name.size() + value.size() + 4;
  return bytes;
}

bool Head::keepAlive() const {
  const std::string* connection = find("Connection");
  if (connection != nullptr && listsToken(*connection, "close")) return false;
  if (minor_version == 0) return connection != nullptr && listsToken(*connection, "keep-alive");
  return true;
}

std::optional<size_t> headEnd(std::string_view bytes) {
  // A blank line: "\n\r\n" or "\n\n" (the request line always comes before it).
  size_t at = 0;
  while ((at = bytes.find('\n', at)) != std::string_view::npos) {
    ++at;
    if (at < bytes.size() && bytes[at] == '\n') return at + 1;
    if (at + 1 < bytes.size() && bytes[at] == '\r' && bytes[at + 1] == '\n') return at + 2;
  }
  return std::nullopt;
}

std::variant<Head, HeadProblem> parseHead(std::string_view bytes) {
  size_t at = 0;
  // Blank lines before a request line are allowed (RFC 9112 §2.2).
  std::optional<std::string_view> line;
  do {
    line = nextLine(bytes, at);
  } while (line && line->empty() && at < bytes.size());
  if (!line || line->empty()) return HeadProblem::kMalformed;
  if (line->size() > kMaxRequestLineBytes) return HeadProblem::kLineTooLong;

  Head head;
  const size_t first_space = line->find(' ');
  const size_t last_space = line->rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space)
    return HeadProblem::kMalformed;
  const std::string_view method = line->substr(0, first_space);
  const std::string_view target = line->substr(first_space + 1, last_space - first_space - 1);
  const std::string_view version = line->substr(last_space + 1);
  if (!isToken(method) || target.empty()) return HeadProblem::kMalformed;
  if (!std::all_of(target.begin(), target.end(),
                   [](char c) { return static_cast<unsigned char>(c) > ' ' && c != 127; }))
    return HeadProblem::kMalformed;
  if (version == "HTTP/1.1") {
    head.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head.minor_version = 0;
  } else {
    return HeadProblem::kMalformed;
  }
  head.method = method;
  head.target = target;

  while (auto header = nextLine(bytes, at)) {
    if (header->empty()) return head;
    if (head.headers.size() >= kMaxHeaderLines) return HeadProblem::kTooManyHeaders;
    // A folded line (starting with a space) is obsolete and refused, as RFC 9112 allows.
    const size_t colon = header->find(':');
    if (colon == std::string_view::npos) return HeadProblem::kMalformed;
    const std::string_view name = header->substr(0, colon);
    if (!isToken(name)) return HeadProblem::kMalformed;
    const std::string_view value = trimmed(header->substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char c) {
          return (static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 127;
        }))
      return HeadProblem::kMalformed;
    head.headers.emplace_back(name, value);
  }
  return HeadProblem::kMalformed;  // no blank line
}

std::variant<Framing, FramingProblem> framingOf(const Head& head) {
  if (const std::string* encoding = head.find("Content-Encoding");
      encoding != nullptr && !equalsIgnoringCase(trimmed(*encoding), "identity"))
    return FramingProblem{
        415, "the body is sent with Content-Encoding `" + *encoding + "`; send it uncompressed"};
  const std::string* transfer = head.find("Transfer-Encoding");
  const std::string* length_text = nullptr;
  for (const auto& [name, value] : head.headers) {
    if (!equalsIgnoringCase(name, "Content-Length")) continue;
    // Repeated, they must agree (RFC 9112 §6.3).
    if (length_text != nullptr && *length_text != value)
      return FramingProblem{400, "the request has two different Content-Length headers"};
    length_text = &value;
  }
  if (transfer != nullptr) {
    if (length_text != nullptr)
      return FramingProblem{400,
                            "the request has both Content-Length and Transfer-Encoding; "
                            "send one"};
    if (!equalsIgnoringCase(trimmed(*transfer), "chunked"))
      return FramingProblem{400, "Transfer-Encoding `" + *transfer +
                                     "` is not served; send the body with a Content-Length "
                                     "or chunked"};
    return Framing{Framing::Kind::kChunked, 0};
  }
  if (length_text == nullptr) return Framing{};
  size_t length = 0;
  const char* begin = length_text->data();
  const char* end = begin + length_text->size();
  const auto [stop, ec] = std::from_chars(begin, end, length);
  if (length_text->empty() || ec != std::errc() || stop != end)
    return FramingProblem{400, "Content-Length `" + *length_text + "` is not a number of bytes"};
  return Framing{length == 0 ? Framing::Kind::kNone : Framing::Kind::kLength, length};
}

size_t ChunkedReader::feed(std::string_view bytes, std::string& body) {
  size_t at = 0;
  while (state_ != State::kDone && state_ != State::kFailed) {
    if (state_ == State::kData) {
      const size_t n = std::min(remaining_, bytes.size() - at);
      body.append(bytes.substr(at, n));
      at += n;
      remaining_ -= n;
      if (remaining_ > 0) return at;
      state_ = State::kDataEnd;
      continue;
    }
    size_t next = at;
    const auto line = nextLine(bytes, next);
    if (!line) {
      // A line longer than any size line or trailer could sensibly be.
      if (bytes.size() - at > 4096) state_ = State::kFailed;
      return at;
    }
    at = next;
    switch (state_) {
      case State::kSize: {
        // hex size, then optional `;extension`s, which are ignored
        const std::string_view digits = trimmed(line->substr(0, line->find(';')));
        size_t size = 0;
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
          state_ = State::kFailed;
          break;
        }
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kDataEnd:
        state_ = line->empty() ? State::kSize : State::kFailed;
        break;
      case State::kTrailer:
        if (line->empty()) state_ = State::kDone;
        break;
      default:
        break;
    }
  }
  return at;
}

std::string decodeUrl(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = hexDigit(text[i + 1]);
      const int low = hexDigit(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

Params parseQuery(std::string_view query) {
  Params params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      std::string name = decodeUrl(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : decodeUrl(pair.substr(eq + 1), true);
      params.emplace(std::move(name), std::move(value));  // the first wins
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 421:
      return "Misdirected Request";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      break;
  }
  if (status >= 200 && status < 300) return "OK";
  if (status >= 400 && status < 500) return "Client Error";
  return "Server Error";
}

}  // namespace rflow::service::http1
