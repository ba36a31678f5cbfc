// The request loop of one HTTP/1.1 connection (http1_connection.h).
#include "service/http1_connection.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

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

// The connection's deferred reply, while the thread that reports its commit sends it.
class ReplyInFlight {
 public:
  // The connection's thread, as it hands a reply over (none is in flight).
  void begin() {
    std::lock_guard lock(mutex_);
    busy_ = true;
  }
  // The sending thread: the reply went out but for `rest`; `broken`: the peer is gone.
  void end(std::string rest, bool broken) {
    std::lock_guard lock(mutex_);
    busy_ = false;
    rest_ = std::move(rest);
    broken_ = broken;
    ended_.notify_all();
  }
  // The connection's thread, before it writes anything or hands over another reply:
  // waits until no reply is in flight and writes what the last one left. False: the
  // connection cannot go on.
  bool settle(ByteStream& stream) {
    std::unique_lock lock(mutex_);
    ended_.wait(lock, [&] { return !busy_; });
    if (broken_) return false;
    if (rest_.empty()) return true;
    const std::string rest = std::exchange(rest_, {});
    // The sender interrupted the reads: this connection is over once the rest is out.
    broken_ = true;
    lock.unlock();
    stream.write(rest, {});
    return false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ended_;
  bool busy_ = false;
  std::string rest_;
  bool broken_ = false;
};

// What a reply's head depends on besides the reply: the request's id, HTTP version and
// method, and whether the client takes gzip (asked only for a body large enough to be
// compressed).
struct ReplyShape {
  std::string id;
  bool http10 = false;
  bool head_method = false;
  bool gzip = false;
  const std::atomic<bool>* stopping = nullptr;
};

// A reply as it goes on the wire: its head, its body compressed when it is, and whether
// the connection stays open after it.
struct Formatted {
  std::string head;
  std::optional<std::string> compressed;
  bool send_body = true;
  bool keep_alive = true;

  std::string_view body(const HttpReply& reply) const {
    if (!send_body) return {};
    return compressed ? std::string_view(*compressed) : std::string_view(reply.body);
  }
};

// Whether the connection stays open after `reply`, asked to (`keep_alive`) or not.
bool keepsOpen(const HttpReply& reply, const ReplyShape& shape, bool keep_alive) {
  if (shape.stopping != nullptr && shape.stopping->load()) return false;
  for (const auto& [name, value] : reply.headers)
    if (name == "Connection" && value == "close") return false;
  return keep_alive;
}

Formatted format(HttpReply& reply, const ReplyShape& shape, bool keep_alive) {
  addStandardHeaders(reply);
  Formatted out;
  out.head = fmt::format("HTTP/1.1 {} {}\r\n", reply.status, http1::reasonPhrase(reply.status));
  const bool bodiless = reply.status == 204 || reply.status == 304;
  size_t length = reply.body.size();
  if (!bodiless && length >= kMinCompressedBytes && compressible(reply.content_type) &&
      shape.gzip) {
    out.compressed = gzipped(reply.body);
    if (out.compressed) {
      length = out.compressed->size();
      out.head += "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n";
    }
  }
  if (!bodiless) {
    out.head +=
        fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", reply.content_type, length);
  }
  out.head += fmt::format("X-Request-Id: {}\r\n", shape.id);
  for (const auto& [name, value] : reply.headers) {
    if (name != "Connection") out.head += fmt::format("{}: {}\r\n", name, value);
  }
  keep_alive = keepsOpen(reply, shape, keep_alive);
  if (!keep_alive) {
    out.head += "Connection: close\r\n";
  } else if (shape.http10) {
    out.head += "Connection: keep-alive\r\n";
  }
  out.head += "\r\n";
  out.send_body = !(shape.head_method || bodiless);
  out.keep_alive = keep_alive;
  return out;
}

// The request log's line for a reply (with a JSON log).
void logReply(const Log& log, const ReplyShape& shape, std::string_view method,
              Clock::time_point start, const HttpReply& reply) {
  if (log.format() != LogFormat::kJson) return;
  RequestRecord record;
  record.request_id = shape.id;
  // A malformed request line may hold anything; a method is a short word.
  record.method = method.substr(0, 16);
  record.status = reply.status;
  if (start != Clock::time_point{})
    record.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!reply.route.empty()) record.route = reply.route;
  if (reply.caller) record.caller = *reply.caller;
  log.request(record);
}

// One request's state while it is read and answered.
class Exchange {
 public:
  Exchange(ByteStream& stream, const ConnectionContext& context, std::string& buffer,
           const std::shared_ptr<ReplyInFlight>& in_flight)
      : stream_(stream), context_(context), buffer_(buffer), in_flight_(in_flight) {}

  // Reads, answers and logs one request; whether the connection may serve another.
  // nullopt when the stream ended before a request began (nothing to answer).
  std::optional<bool> run(bool last_allowed);

 private:
  // Answers `reply` and ends the connection.
  std::optional<bool> refuse(HttpReply reply);
  bool readBody(const http1::Framing& framing, std::string& body);
  bool send(HttpReply& reply, bool keep_alive);
  // Hands `reply` (its `after` armed) to the thread that reports its commit.
  bool sendAfterCommit(HttpReply reply, bool keep_alive);
  // Every write of the connection's thread: after the reply in flight, if any.
  bool write(std::string_view head, std::string_view body);
  // What `reply`'s head depends on besides the reply itself.
  ReplyShape shape(const HttpReply& reply) const;

  ByteStream& stream_;
  const ConnectionContext& context_;
  std::string& buffer_;
  const std::shared_ptr<ReplyInFlight>& in_flight_;  // null: replies are sent here
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
      if (!write("HTTP/1.1 100 Continue\r\n\r\n", "")) return false;
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
  HttpReply reply = handleRequest(context_.handler, request, in_flight_ != nullptr);
  if (reply.after) return sendAfterCommit(std::move(reply), head.keepAlive() && !last_allowed);
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

ReplyShape Exchange::shape(const HttpReply& reply) const {
  ReplyShape shape;
  shape.id = id_;
  shape.http10 = head_ && head_->minor_version == 0;
  shape.head_method = head_ && head_->method == "HEAD";
  // Only a large body is compressed: the header is read for those alone.
  shape.gzip = reply.body.size() >= kMinCompressedBytes && head_ &&
               acceptsGzip(head_->find("Accept-Encoding"));
  shape.stopping = context_.stopping;
  return shape;
}

bool Exchange::write(std::string_view head, std::string_view body) {
  if (in_flight_ && !in_flight_->settle(stream_)) return false;
  return stream_.write(head, body);
}

bool Exchange::send(HttpReply& reply, bool keep_alive) {
  const ReplyShape reply_shape = shape(reply);
  const Formatted out = format(reply, reply_shape, keep_alive);
  const bool written = write(out.head, out.body(reply));
  logReply(context_.log, reply_shape, head_ ? std::string_view(head_->method) : "", start_, reply);
  return written && out.keep_alive;
}

bool Exchange::sendAfterCommit(HttpReply reply, bool keep_alive) {
  std::shared_ptr<engine::CommitTicket> ticket = std::move(reply.after);
  ReplyShape reply_shape = shape(reply);
  // A reply that ends the connection is sent from here: nothing would overlap with it.
  if (!keepsOpen(reply, reply_shape, keep_alive) || !in_flight_->settle(stream_)) {
    HttpReply settled = committedReply(std::move(reply), ticket->wait());
    return send(settled, keep_alive);
  }
  Formatted out = format(reply, reply_shape, keep_alive);
  std::string bytes = std::move(out.head);
  bytes += out.body(reply);
  reply.body.clear();
  in_flight_->begin();
  // Captured by reference: the stream, which serveConnection keeps until the reply is
  // out (in_flight's settle), and the log, which outlives every connection.
  ticket->then([in_flight = in_flight_, &stream = stream_, &log = context_.log,
                shape = std::move(reply_shape), method = head_->method, start = start_,
                reply = std::move(reply),
                bytes = std::move(bytes)](const store::Status& status) mutable {
    std::string failed_bytes;
    HttpReply sent = committedReply(std::move(reply), status);
    if (!status.ok()) {
      Formatted failed = format(sent, shape, true);
      failed_bytes = std::move(failed.head);
      failed_bytes += failed.body(sent);
    }
    const std::string_view wire = status.ok() ? std::string_view(bytes) : failed_bytes;
    const std::optional<size_t> wrote = stream.writeWithoutWaiting(wire);
    const bool whole = wrote && *wrote == wire.size();
    // What the client's window did not take is written by the connection's thread, which
    // this wakes from its wait for the next request.
    if (!whole) stream.interrupt();
    logReply(log, shape, method, start, sent);
    // Last: once ended, the connection may close and its stream go.
    in_flight->end(wrote && !whole ? std::string(wire.substr(*wrote)) : std::string(), !wrote);
  });
  return true;
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

std::optional<size_t> BufferStream::writeWithoutWaiting(std::string_view bytes) {
  written.append(bytes);
  return bytes.size();
}

void serveConnection(ByteStream& stream, const ConnectionContext& context, size_t max_requests) {
  std::string buffer;
  const auto in_flight =
      stream.takesDeferredReplies() ? std::make_shared<ReplyInFlight>() : nullptr;
  for (size_t served = 0; served < max_requests; ++served) {
    if (context.stopping != nullptr && context.stopping->load()) break;
    Exchange exchange(stream, context, buffer, in_flight);
    const std::optional<bool> more = exchange.run(served + 1 == max_requests);
    if (!more || !*more) break;
  }
  // The caller closes the stream next: the reply in flight goes out first.
  if (in_flight) in_flight->settle(stream);
}

}  // namespace rflow::service
