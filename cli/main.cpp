// The `rflow` command: compiler, test runner, runtime and language server in one binary
// (runtime.md §2). Subcommands live in *_command.cpp files.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "base/suggest.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "rflow: durable, governed workflows for retail operations.\n"
      "Write processes in .rflow files, check and test them, run them as a service."};
  app.name("rflow");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("rflow 0.1.0"));

  std::function<int()> run;
  rflow::cli::addCheckCommand(app, run);
  rflow::cli::addBuildCommand(app, run);
  rflow::cli::addDisasmCommand(app, run);
  rflow::cli::addRunCommand(app, run);
  rflow::cli::addAuditCommand(app, run);
  rflow::cli::addBackupCommand(app, run);
  rflow::cli::addRestoreCommand(app, run);
  rflow::cli::addServeCommand(app, run);
  rflow::cli::addTestCommand(app, run);
  rflow::cli::addTrainCommand(app, run);
  rflow::cli::addClassifyCommand(app, run);
  rflow::cli::addOpenApiCommand(app, run);
  rflow::cli::addContractCommand(app, run);
  rflow::cli::addWhatIfCommand(app, run);
  rflow::cli::addFmtCommand(app, run);
  rflow::cli::addLspCommand(app, run);
  rflow::cli::addMigrateCommand(app, run);
  rflow::cli::addClusterCommand(app, run);

  // An unknown command gets a suggestion rather than CLI11's generic complaint.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string_view> names;
    std::vector<std::string> owned;
    for (const CLI::App* sub : app.get_subcommands({}))
      owned.push_back(sub->get_name());
    for (const std::string& name : owned)
      names.push_back(name);
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      std::cerr << "rflow: unknown command `" << argv[1] << "`";
      if (auto best = rflow::base::closestMatch(argv[1], names))
        std::cerr << "; did you mean `" << *best << "`?";
      std::cerr << "\nrun `rflow --help` for the list of commands\n";
      return 2;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    std::cerr << "run `rflow --help` for the list of commands and options\n";
    return 2;
  }
  return run ? run() : 0;
}
