// `rflow check [PATH…]`: diagnostics for a project (language.md §7, runtime.md §2).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/report.h"
#include "driver/check.h"
#include "syntax/dump.h"

namespace rflow::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  bool dump_ast = false;
  bool deny_warnings = false;
};

int runCheck(const CheckOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(".");
  compiler::CheckOptions check;
  check.deny_warnings = options.deny_warnings;
  const compiler::CheckResult result = compiler::checkPaths(paths, check);
  if (options.dump_ast && options.format != "json") {
    for (const syntax::File& file : result.files) {
      if (file.file < compiler::CheckResult::kFirstUserFile) continue;
      std::cout << "// " << result.sources.file(file.file).path() << "\n" << syntax::dumpFile(file);
    }
  }
  return reportDiagnostics(result, options.format, "checked");
}

}  // namespace

void addCheckCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* cmd =
      app.add_subcommand("check", "Report errors and warnings in a project without building it");
  cmd->add_option("paths", options->paths,
                  "Files or project directories (default: the current directory); a directory "
                  "contributes every *.rflow file below it");
  cmd->add_option("--format", options->format,
                  "Output format: text (for people) or json (for tools)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--dump-ast", options->dump_ast, "Also print the syntax tree of every file");
  cmd->add_flag("--deny-warnings", options->deny_warnings,
                "Treat governance warnings as errors (exit 1 when there are any)");
  cmd->callback([options, &run] { run = [options] { return runCheck(*options); }; });
}

}  // namespace rflow::cli
