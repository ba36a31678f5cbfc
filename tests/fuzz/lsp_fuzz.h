// The language server's fuzz target, shared by its libFuzzer entry point
// (lsp_fuzzer.cpp) and the bounded mutation test (lsp_mutation_driver.cpp): the input is
// the byte stream an editor writes to `rflow lsp` (LSP frames, "Content-Length: N\r\n\r\n"
// then N bytes of JSON), served by one lsp::Server from memory until the input ends or
// `exit` comes.
//
// Beyond "no crash, no hang": run() returns 0 or 1, everything written is a well-framed
// JSON-RPC message, and every request got exactly one response. Which messages are
// requests is worked out from the input beforehand, framed by the same Transport and
// judged by the rules of server.h (a bad header or bad JSON is answered with a null id, a
// cancellation is never answered, nothing after `exit` is), so the check is exact even
// though cancellations race the requests they name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rflow::lsp::fuzzing {

struct Outcome {
  bool skipped = false;  // the input names an existing directory or file as the root
  int exit_code = 1;
  size_t results = 0;  // responses with a result
  size_t errors = 0;   // responses with an error
};

// Runs the server over `input` and checks it; a failure prints what went wrong and
// aborts, so libFuzzer keeps the input. An input whose `initialize` names an existing
// path as the workspace root is skipped: the server would read that tree from disk (a
// fuzzer finds "/" quickly), which tests the file system, not the server.
Outcome runChecked(std::string_view input);

// One LSP frame: "Content-Length: N\r\n\r\n" + body.
std::string frame(std::string_view body);

}  // namespace rflow::lsp::fuzzing
