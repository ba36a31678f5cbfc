// The request loop of one HTTP/1.1 connection (http1_connection.h).
#include "service/http1_connection.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "service/http1.h"

namespace rflow::service {

namespace {

using Clock = std::chrono::steady_clock;

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// Whether Accept-Encoding lists gzip without `q=0`.
bool acceptsGzip(const std::string* accept) {
  if (accept == nullptr) return false;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    if (startsWithIgnoringCase(item, "gzip")) {
      const size_t q = item.find("q=");
      if (q == std::string_view::npos) return true;
      const std::string_view weight = item.substr(q + 2);
      return !(weight.starts_with("0") && weight.find_first_not_of("0.") == std::string_view::npos);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

bool compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("application/javascript") ||
         content_type.starts_with("image/svg+xml");
}

// `body` as gzip, or nullopt if zlib fails (the reply then goes out uncompressed).
std::optional<std::string> gzipped(std::string_view body) {
  z_stream z{};
  // 15 + 16: a window of 2^15 and a gzip header and trailer, which every browser reads.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(body.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (result != Z_STREAM_END) return std::nullopt;
  return out;
}

HttpReply lineTooLongReply() {
  HttpReply reply =
      errorReply({ApiError::Code::kNotFound,
                  fmt::format("the request line is over {} bytes", http1::kMaxRequestLineBytes)});
  reply.status = 414;
  return reply;
}

// One request's state while it is read and answered.
class Exchange {
 public:
  Exchange(ByteStream& stream, const ConnectionContext& context, std::string& buffer)
      : stream_(stream), context_(context), buffer_(buffer) {}

  // Reads, answers and logs one request; whether the connection may serve another.
  // nullopt when the stream ended before a request began (nothing to answer).
  std::optional<bool> run(bool last_allowed);

 private:
  // Answers `reply` and ends the connection.
  std::optional<bool> refuse(HttpReply reply);
  bool readBody(const http1::Framing& framing, std::string& body);
  bool send(HttpReply& reply, bool keep_alive);
  void log(const HttpReply& reply);

  ByteStream& stream_;
  const ConnectionContext& context_;
  std::string& buffer_;
  // Set once the head is read whole and well formed; a request refused before has no
  // duration in the log.
  Clock::time_point start_;
  std::optional<http1::Head> head_;
  std::string id_;
  std::optional<HttpReply> body_problem_;
};

std::optional<bool> Exchange::run(bool last_allowed) {
  std::optional<size_t> end;
  while (!(end = http1::headEnd(buffer_))) {
    // A request line that cannot end within its limit is answered as parseHead would.
    if (buffer_.size() > http1::kMaxRequestLineBytes &&
        buffer_.find('\n') > http1::kMaxRequestLineBytes) {
      id_ = context_.ids.of("");
      return refuse(lineTooLongReply());
    }
    if (buffer_.size() > http1::kMaxHeadBytes) {
      id_ = context_.ids.of("");
      HttpReply reply =
          errorReply({ApiError::Code::kHeadersTooLarge,
                      fmt::format("the request's head is over {} bytes", http1::kMaxHeadBytes)});
      return refuse(std::move(reply));
    }
    // A head cut short (or a connection closed between requests) gets no answer.
    if (!stream_.readSome(buffer_, buffer_.empty())) return std::nullopt;
  }
  auto parsed = http1::parseHead(std::string_view(buffer_).substr(0, *end));
  buffer_.erase(0, *end);
  if (auto* problem = std::get_if<http1::HeadProblem>(&parsed)) {
    id_ = context_.ids.of("");
    switch (*problem) {
      case http1::HeadProblem::kLineTooLong:
        return refuse(lineTooLongReply());
      case http1::HeadProblem::kTooManyHeaders:
        return refuse(errorReply(
            {ApiError::Code::kHeadersTooLarge,
             fmt::format("the request has more than {} headers", http1::kMaxHeaderLines)}));
      case http1::HeadProblem::kMalformed:
        return refuse(malformedReply());
    }
  }
  start_ = Clock::now();
  head_ = std::get<http1::Head>(std::move(parsed));
  const http1::Head& head = *head_;
  const std::string* given_id = head.find("X-Request-Id");
  id_ = context_.ids.of(given_id != nullptr ? std::string_view(*given_id) : "");

  const size_t question = head.target.find('?');
  HttpRequest request;
  request.method = head.method;
  request.path = http1::decodeUrl(std::string_view(head.target).substr(0, question), false);
  if (question != std::string::npos)
    request.query = http1::parseQuery(std::string_view(head.target).substr(question + 1));
  const auto header = [&](std::string_view name) {
    const std::string* value = head.find(name);
    return value != nullptr ? *value : std::string();
  };
  request.content_type = header("Content-Type");

  auto framing = http1::framingOf(head);
  if (auto* problem = std::get_if<http1::FramingProblem>(&framing)) {
    HttpReply reply = malformedReply(problem->message);
    reply.status = problem->status;
    return refuse(std::move(reply));
  }
  const http1::Framing body_framing = std::get<http1::Framing>(framing);
  const HeadFacts facts{request.method,
                        request.path,
                        request.content_type,
                        head.headers.size(),
                        head.headerBytes(),
                        body_framing.kind == http1::Framing::Kind::kLength
                            ? std::optional<size_t>(body_framing.length)
                            : std::nullopt};
  if (auto refusal = refuseHead(facts, context_.handler, context_.limits)) {
    // A body left unread would be read as the next request: close after the reply.
    if (body_framing.kind != http1::Framing::Kind::kNone) return refuse(std::move(*refusal));
    return send(*refusal, head.keepAlive() && !last_allowed);
  }

  if (body_framing.kind != http1::Framing::Kind::kNone && head.minor_version == 1) {
    if (const std::string* expect = head.find("Expect");
        expect != nullptr && startsWithIgnoringCase(*expect, "100-continue")) {
      if (!stream_.write("HTTP/1.1 100 Continue\r\n\r\n", "")) return false;
    }
  }
  if (!readBody(body_framing, request.body)) return refuse(std::move(*body_problem_));

  request.authorization = header("Authorization");
  request.idempotency_key = header("Idempotency-Key");
  request.if_none_match = header("If-None-Match");
  if (given_id != nullptr) request.request_id = *given_id;
  request.forwarded = head.find("Rflow-Forwarded") != nullptr;
  request.forwarded_partition = header("Rflow-Partition");
  request.insights_form = header("Rflow-Insights-Form");
  HttpReply reply = handleRequest(context_.handler, request);
  return send(reply, head.keepAlive() && !last_allowed);
}

bool Exchange::readBody(const http1::Framing& framing, std::string& body) {
  switch (framing.kind) {
    case http1::Framing::Kind::kNone:
      return true;
    case http1::Framing::Kind::kLength:
      while (buffer_.size() < framing.length) {
        if (!stream_.readSome(buffer_, false)) {
          body_problem_ =
              malformedReply(fmt::format("the body ends after {} of its {} bytes (Content-Length)",
                                         buffer_.size(), framing.length));
          return false;
        }
      }
      body.assign(buffer_, 0, framing.length);
      buffer_.erase(0, framing.length);
      return true;
    case http1::Framing::Kind::kChunked: {
      const size_t limit = std::max(context_.limits.max_body_bytes, context_.limits.max_file_bytes);
      http1::ChunkedReader reader;
      while (true) {
        buffer_.erase(0, reader.feed(buffer_, body));
        if (reader.failed()) {
          body_problem_ = malformedReply("the chunked body is malformed");
          return false;
        }
        if (body.size() > limit) {
          body_problem_ = bodyTooLargeReply();
          return false;
        }
        if (reader.done()) return true;
        if (!stream_.readSome(buffer_, false)) {
          body_problem_ = malformedReply("the chunked body ends before its last chunk");
          return false;
        }
      }
    }
  }
  return false;
}

std::optional<bool> Exchange::refuse(HttpReply reply) {
  send(reply, false);
  return false;
}

bool Exchange::send(HttpReply& reply, bool keep_alive) {
  addStandardHeaders(reply);
  std::string head =
      fmt::format("HTTP/1.1 {} {}\r\n", reply.status, http1::reasonPhrase(reply.status));
  const bool bodiless = reply.status == 204 || reply.status == 304;
  std::string_view body = reply.body;
  std::optional<std::string> compressed;
  if (!bodiless && body.size() >= kMinCompressedBytes && compressible(reply.content_type) &&
      head_ && acceptsGzip(head_->find("Accept-Encoding"))) {
    compressed = gzipped(body);
    if (compressed) {
      body = *compressed;
      head += "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n";
    }
  }
  if (!bodiless) {
    head +=
        fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", reply.content_type, body.size());
  }
  head += fmt::format("X-Request-Id: {}\r\n", id_);
  for (const auto& [name, value] : reply.headers) {
    if (name == "Connection") {
      keep_alive = keep_alive && value != "close";
      continue;
    }
    head += fmt::format("{}: {}\r\n", name, value);
  }
  if (context_.stopping != nullptr && context_.stopping->load()) keep_alive = false;
  if (!keep_alive) {
    head += "Connection: close\r\n";
  } else if (head_ && head_->minor_version == 0) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  const bool is_head = head_ && head_->method == "HEAD";
  const bool written = stream_.write(head, is_head || bodiless ? std::string_view() : body);
  log(reply);
  return written && keep_alive;
}

void Exchange::log(const HttpReply& reply) {
  if (context_.log.format() != LogFormat::kJson) return;
  RequestRecord record;
  record.request_id = id_;
  // A malformed request line may hold anything; a method is a short word.
  if (head_) record.method = std::string_view(head_->method).substr(0, 16);
  record.status = reply.status;
  if (start_ != Clock::time_point{})
    record.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  if (!reply.route.empty()) record.route = reply.route;
  if (reply.caller) record.caller = *reply.caller;
  context_.log.request(record);
}

}  // namespace

bool BufferStream::readSome(std::string& into, bool) {
  if (input_.empty()) return false;
  const size_t n = std::min(input_.size(), piece_);
  into.append(input_.substr(0, n));
  input_.remove_prefix(n);
  return true;
}

bool BufferStream::write(std::string_view head, std::string_view body) {
  written.append(head);
  written.append(body);
  return true;
}

void serveConnection(ByteStream& stream, const ConnectionContext& context, size_t max_requests) {
  std::string buffer;
  for (size_t served = 0; served < max_requests; ++served) {
    if (context.stopping != nullptr && context.stopping->load()) return;
    Exchange exchange(stream, context, buffer);
    const std::optional<bool> more = exchange.run(served + 1 == max_requests);
    if (!more || !*more) return;
  }
}

}  // namespace rflow::service
