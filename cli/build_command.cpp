// `rflow build [PATH…] -o FILE.rfc`: compile a project to a bytecode module
// (runtime.md §2–§3), and `rflow disasm FILE.rfc|PATH`: list one readably.
#include <iostream>
#include <memory>

#include "bytecode/disasm.h"
#include "bytecode/hash.h"
#include "bytecode/read.h"
#include "bytecode/write.h"
#include "cli/commands.h"
#include "cli/module_file.h"
#include "cli/report.h"
#include "driver/build.h"
#include "runtime/contract_diff.h"

namespace rflow::cli {

namespace {

struct BuildOptions {
  std::vector<std::string> paths;
  std::string output;
  std::string format = "text";
  bool deny_warnings = false;
  std::string deny_breaking;  // a module (.rfc) callers use now; empty: no check
};

int runBuild(const BuildOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(".");
  compiler::CheckOptions check;
  check.deny_warnings = options.deny_warnings;
  compiler::BuildResult result = compiler::buildPaths(paths, check);
  const int code = reportDiagnostics(result.check, options.format, "built");
  if (!result.module) return code == 0 ? 1 : code;
  if (!options.deny_breaking.empty()) {
    // Before anything is written: a refused build leaves the old module in place.
    auto before = readModuleFile(options.deny_breaking);
    if (auto* problem = std::get_if<std::string>(&before)) {
      std::cerr << "rflow build: --deny-breaking: " << *problem << "\n";
      return 1;
    }
    size_t breaking = 0;
    for (const runtime::ContractChange& change :
         runtime::diffContracts(std::get<bytecode::Module>(before), *result.module)) {
      if (!change.breaking) continue;
      std::cerr << runtime::describe(change) << "\n";
      ++breaking;
    }
    if (breaking > 0) {
      std::cerr << "rflow build: " << breaking << " change" << (breaking == 1 ? "" : "s")
                << " would break callers of " << options.deny_breaking
                << " (--deny-breaking), so no module was written; `rflow contract diff` lists "
                   "every change\n";
      return 1;
    }
  }
  const std::vector<uint8_t> bytes = bytecode::writeModule(*result.module);
  if (const std::string problem = writeFileAtomically(options.output, bytes); !problem.empty()) {
    std::cerr << "rflow build: " << problem << "\n";
    return 1;
  }
  if (options.format != "json") {
    std::cerr << "wrote " << options.output << " (" << bytes.size() << " bytes, version "
              << bytecode::hashHex(result.module->content_hash).substr(0, 12) << ")\n";
  }
  return 0;
}

struct DisasmOptions {
  std::string input;
};

bool looksLikeModule(const std::string& path) {
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".rfc") == 0) return true;
  std::ifstream in(path, std::ios::binary);
  std::array<char, 8> magic{};
  in.read(magic.data(), magic.size());
  return in && std::equal(magic.begin(), magic.end(), bytecode::kMagic.begin());
}

int runDisasm(const DisasmOptions& options) {
  if (looksLikeModule(options.input)) {
    auto read = readBinaryFile(options.input, bytecode::kMaxModuleBytes);
    if (auto* problem = std::get_if<std::string>(&read)) {
      std::cerr << "rflow disasm: " << *problem << "\n";
      return 1;
    }
    const auto& bytes = std::get<std::vector<uint8_t>>(read);
    const bytecode::LoadResult loaded = bytecode::loadModule(bytes);
    if (!loaded.ok()) {
      std::cerr << "rflow disasm: `" << options.input
                << "` is not a valid rflow module: " << loaded.error().message << " (at byte "
                << loaded.error().offset << "); rebuild it with `rflow build`\n";
      return 1;
    }
    std::cout << bytecode::disassemble(loaded.module());
    return 0;
  }
  // A project: build it in memory and show the source next to the code.
  const std::vector<std::string> paths{options.input};
  compiler::BuildResult result = compiler::buildPaths(paths);
  if (!result.module) return reportDiagnostics(result.check, "text", "built") == 0 ? 1 : 1;
  bytecode::writeModule(*result.module);  // fills the content hash shown in the header
  bytecode::DisasmOptions disasm;
  const source::SourceSet& sources = result.check.sources;
  disasm.source_line = [&sources](uint32_t file, uint32_t line) -> std::string_view {
    if (file >= sources.size()) return {};
    const source::SourceFile& f = sources.file(file);
    return line >= 1 && line <= f.lineCount() ? f.lineText(line) : std::string_view{};
  };
  std::cout << bytecode::disassemble(*result.module, disasm);
  return 0;
}

}  // namespace

void addBuildCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<BuildOptions>();
  CLI::App* cmd = app.add_subcommand("build", "Compile a project to a bytecode module (.rfc)");
  cmd->add_option("paths", options->paths,
                  "Files or project directories (default: the current directory)");
  cmd->add_option("-o,--output", options->output, "The module file to write, like app.rfc")
      ->required();
  cmd->add_option("--format", options->format,
                  "Diagnostics format: text (for people) or json (for tools)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--deny-warnings", options->deny_warnings,
                "Treat governance warnings as errors (no module is written when there are any)");
  cmd->add_option("--deny-breaking", options->deny_breaking,
                  "Fail (and write nothing) when the contracts change in a way that breaks "
                  "callers of this module (.rfc), like `rflow contract diff` says");
  cmd->callback([options, &run] { run = [options] { return runBuild(*options); }; });
}

void addDisasmCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<DisasmOptions>();
  CLI::App* cmd = app.add_subcommand(
      "disasm", "List a module readably: types, constants, workflows and code with source lines");
  cmd->add_option("input", options->input,
                  "A module file (.rfc) or a project to build first (file or directory)")
      ->required();
  cmd->callback([options, &run] { run = [options] { return runDisasm(*options); }; });
}

}  // namespace rflow::cli
