// `rflow lsp`: the language server over stdin/stdout (runtime.md §8, lsp/server.h).
// Logs nothing to stdout, which belongs to the protocol.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "lsp/server.h"

namespace rflow::cli {

namespace {

int runLsp() {
  int code = 0;
  {
    lsp::Server server(stdin, stdout);
    code = server.run();
  }
  std::fflush(stdout);
  // The reader thread may still be blocked reading stdin; end without waiting on it
  // (or on the stdio locks it holds).
  std::_Exit(code);
}

}  // namespace

void addLspCommand(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand(
      "lsp", "Run the language server on stdin/stdout (for editors; see editors/README.md)");
  // Editors commonly pass --stdio; it is the only transport, so it is accepted and ignored.
  auto stdio = std::make_shared<bool>(false);
  cmd->add_flag("--stdio", *stdio, "Speak LSP over stdin/stdout (the default and only transport)");
  cmd->callback([&run, stdio] { run = [] { return runLsp(); }; });
}

}  // namespace rflow::cli
