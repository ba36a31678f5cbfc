// The language server's transport: LSP base-protocol framing over a pair of streams
// ("Content-Length: N\r\n\r\n" then N bytes of JSON).
//
// Invariants: read() never consumes more than one message; write() emits whole
// messages and may be called from several threads. Nothing here parses JSON.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace rflow::lsp {

class Transport {
 public:
  Transport(std::FILE* in, std::FILE* out) : in_(in), out_(out) {}

  enum class Status {
    kMessage,    // `body` holds one message
    kEnd,        // the input ended (between messages, or inside one)
    kBadHeader,  // a header block without a usable Content-Length; it was skipped
  };
  Status read(std::string& body);
  void write(std::string_view body);

 private:
  std::FILE* in_;
  std::FILE* out_;
  std::mutex write_mutex_;
};

}  // namespace rflow::lsp
