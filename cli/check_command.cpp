// `rflow check [PATH…]`: diagnostics for a project (language.md §7, runtime.md §2).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "diagnostics/render.h"
#include "driver/check.h"
#include "syntax/dump.h"

namespace rflow::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  bool dump_ast = false;
};

int runCheck(const CheckOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(".");
  const compiler::CheckResult result = compiler::checkPaths(paths);

  if (options.format == "json") {
    nlohmann::json out = diagnostics::toJson(result.diagnostics, result.sources);
    out["files"] = result.sources.size() - compiler::CheckResult::kFirstUserFile;
    std::cout << out.dump(2) << "\n";
    return result.ok() ? 0 : 1;
  }
  if (options.dump_ast) {
    for (const syntax::File& file : result.files) {
      if (file.file < compiler::CheckResult::kFirstUserFile) continue;
      std::cout << "// " << result.sources.file(file.file).path() << "\n" << syntax::dumpFile(file);
    }
  }
  for (const diagnostics::Diagnostic& d : result.diagnostics) {
    std::cerr << diagnostics::renderText(d, result.sources);
  }
  const size_t files = result.sources.size() - compiler::CheckResult::kFirstUserFile;
  std::cerr << "checked " << files << (files == 1 ? " file: " : " files: ")
            << diagnostics::renderSummary(result.errors, result.warnings) << "\n";
  return result.ok() ? 0 : 1;
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
  cmd->callback([options, &run] { run = [options] { return runCheck(*options); }; });
}

}  // namespace rflow::cli
