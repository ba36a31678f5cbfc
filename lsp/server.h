// The language server: JSON-RPC 2.0 over a Transport, the LSP lifecycle, and dispatch
// of each request to the LanguageService (clangd's ClangdLSPServer).
//
// Threads: a reader thread only frames messages and notes cancellations; everything
// else runs on the thread that called run(), one message at a time, so the service
// needs no locks. Requests queued behind a slow one can be cancelled before they run
// ($/cancelRequest answers them with RequestCancelled). Diagnostics are published when
// the queue runs dry, so a burst of edits is checked once.
//
// Invariants: every request gets exactly one response; nothing a client sends crashes
// the server — malformed JSON, JSON nested deeper than kMaxJsonDepth, a missing field or
// a wrong type becomes a JSON-RPC error; before `initialize` requests are refused, after
// `shutdown` only `exit` counts.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>

namespace rflow::lsp {

// Messages nested deeper are answered as not JSON: copying or printing a JSON value
// recurses once per level, and a message can hold 64 MiB of `[`. LSP's own messages
// nest a handful of levels.
inline constexpr size_t kMaxJsonDepth = 64;

class Server {
 public:
  Server(std::FILE* in, std::FILE* out);
  ~Server();
  // Serves until `exit` or the end of the input. Returns the process exit code: 0 after
  // shutdown then exit, 1 otherwise (LSP's rule).
  int run();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace rflow::lsp
