// One HTTP/1.1 connection served: requests read from a ByteStream one after another
// (kept alive, pipelined ones included), each checked (http_gate.h), answered by the
// RequestHandler and written back as one write of head and body; each logged. The
// plain-HTTP server (plain_http_server.h) runs it over a socket, serveRaw() over a
// buffer, so the fuzz targets meet exactly what a client meets.
//
// A start's or a decision's reply (RequestHandler::handleDeferred) is sent by the thread
// that reports its step's commit, written without waiting for the client; this thread
// meanwhile reads the next request. At most one such reply is in flight: anything the
// connection writes next waits for it, so replies keep their order. What the client's
// window does not take at once is left to the connection's thread, which then ends the
// connection after writing it (a client that does not read its replies).
//
// When the connection closes: the client asks (Connection: close, HTTP/1.0 without
// keep-alive), a reply says so (a refused body that stays unread), the head or body
// cannot be read (malformed: a 4xx first; cut short: nothing more to say), after
// kMaxRequestsPerConnection requests, or when the server stops.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "service/http_gate.h"
#include "service/log.h"
#include "service/router.h"

namespace rflow::service {

inline constexpr size_t kMaxRequestsPerConnection = 1000;
// Replies at least this large, of a textual type, are sent gzip-compressed to a client
// that accepts it (the dashboard's scripts; smaller ones gain nothing).
inline constexpr size_t kMinCompressedBytes = 1024;

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Appends what arrives next to `into`; false when the stream ended, failed, or nothing
  // came in time (`between_requests`: the keep-alive wait, which is shorter).
  virtual bool readSome(std::string& into, bool between_requests) = 0;
  // Writes `head` then `body`, all of them; false when the peer is gone.
  virtual bool write(std::string_view head, std::string_view body) = 0;
  // Whether another thread may call the two below while this one reads.
  virtual bool takesDeferredReplies() const { return false; }
  // Writes what of `bytes` goes without waiting for the peer: how much; nullopt when the
  // peer is gone.
  virtual std::optional<size_t> writeWithoutWaiting(std::string_view bytes) {
    (void)bytes;
    return std::nullopt;
  }
  // Ends a readSome() waiting on another thread, and every later one: they return false.
  virtual void interrupt() {}
};

// A connection over bytes in memory: `input` read `piece` bytes at a time (so the
// incremental paths are the ones a socket's reads take), the replies collected in
// `written`. serveRaw's, and the tests'.
class BufferStream final : public ByteStream {
 public:
  explicit BufferStream(std::string_view input, size_t piece = 4096)
      : input_(input), piece_(piece == 0 ? 1 : piece) {}
  bool readSome(std::string& into, bool between_requests) override;
  bool write(std::string_view head, std::string_view body) override;
  bool takesDeferredReplies() const override { return true; }
  std::optional<size_t> writeWithoutWaiting(std::string_view bytes) override;
  std::string written;

 private:
  std::string_view input_;
  size_t piece_;
};

struct ConnectionContext {
  const RequestHandler& handler;
  RequestLimits limits;
  const Log& log;
  RequestIds& ids;
  // Set when the server stops: the connection ends after the reply in progress.
  const std::atomic<bool>* stopping = nullptr;
};

void serveConnection(ByteStream& stream, const ConnectionContext& context,
                     size_t max_requests = kMaxRequestsPerConnection);

}  // namespace rflow::service
