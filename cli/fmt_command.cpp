// `rflow fmt [--check] [PATH…]`: rewrite .rflow files in the canonical layout
// (compiler/format/format.h). Files with syntax errors are refused with their
// diagnostics and left untouched; `--check` changes nothing and lists the files that
// would change.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "diagnostics/render.h"
#include "format/format.h"
#include "source/source_set.h"

namespace rflow::cli {

namespace {

struct FmtOptions {
  std::vector<std::string> paths;
  bool check = false;
};

// Replaces `path` by writing a sibling file first, so an interrupted run never leaves a
// half-written source file behind.
bool writeFile(const std::string& path, const std::string& text) {
  const std::string temp = path + ".rflow-fmt.tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) std::filesystem::remove(temp, ec);
  return !ec;
}

int runFmt(const FmtOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(".");
  source::SourceSet sources;
  const auto problems = source::loadSources(paths, sources);
  for (const source::LoadProblem& p : problems) {
    std::cerr << "rflow fmt: " << p.path << ": "
              << (p.detail.empty() ? std::string("cannot read") : p.detail) << "\n";
  }
  if (!problems.empty()) return 2;

  size_t refused = 0;
  size_t changed = 0;
  for (source::FileId id = 0; id < sources.size(); ++id) {
    const source::SourceFile& file = sources.file(id);
    format::FormatResult result = format::formatFile(sources, id);
    if (!result.ok()) {
      ++refused;
      for (const auto& d : result.diagnostics)
        std::cerr << diagnostics::renderText(d, sources);
      if (!result.internal_error.empty())
        std::cerr << "rflow fmt: " << result.internal_error << "\n";
      std::cerr << "rflow fmt: " << file.path()
                << ": not formatted (fix the syntax errors first)\n";
      continue;
    }
    if (*result.text == file.text()) continue;
    ++changed;
    if (options.check) {
      std::cout << file.path() << "\n";
    } else if (!writeFile(file.path(), *result.text)) {
      std::cerr << "rflow fmt: " << file.path() << ": cannot write\n";
      ++refused;
    }
  }
  if (refused > 0) return 1;
  return options.check && changed > 0 ? 1 : 0;
}

}  // namespace

void addFmtCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<FmtOptions>();
  CLI::App* cmd = app.add_subcommand("fmt", "Format .rflow files in the canonical style");
  cmd->add_option("paths", options->paths,
                  "Files or directories (default: the current directory); a directory "
                  "contributes every *.rflow file below it");
  cmd->add_flag("--check", options->check,
                "Change nothing; list the files that would change and exit 1 if there are any");
  cmd->callback([options, &run] { run = [options] { return runFmt(*options); }; });
}

}  // namespace rflow::cli
