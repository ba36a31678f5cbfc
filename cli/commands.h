// The `rflow` command's subcommands. Each registers itself on the CLI11 app and
// returns the process exit code when run (0 ok, 1 the input has errors, 2 misuse).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace rflow::cli {

// Adds `rflow check` to `app`; `run` is set to the code to execute when it is chosen.
void addCheckCommand(CLI::App& app, std::function<int()>& run);
// `rflow build` and `rflow disasm`.
void addBuildCommand(CLI::App& app, std::function<int()>& run);
void addDisasmCommand(CLI::App& app, std::function<int()>& run);
// `rflow audit verify`.
void addAuditCommand(CLI::App& app, std::function<int()>& run);
// `rflow backup` (with `list` and `verify`) and `rflow restore`.
void addBackupCommand(CLI::App& app, std::function<int()>& run);
void addRestoreCommand(CLI::App& app, std::function<int()>& run);
// `rflow run`.
void addRunCommand(CLI::App& app, std::function<int()>& run);
// `rflow serve`.
void addServeCommand(CLI::App& app, std::function<int()>& run);
// `rflow test`.
void addTestCommand(CLI::App& app, std::function<int()>& run);
// `rflow train` and `rflow classify` (classifier models).
void addTrainCommand(CLI::App& app, std::function<int()>& run);
void addClassifyCommand(CLI::App& app, std::function<int()>& run);
// `rflow openapi` (the inbound document) and `rflow contract` (a connector's).
void addOpenApiCommand(CLI::App& app, std::function<int()>& run);
void addContractCommand(CLI::App& app, std::function<int()>& run);
// `rflow whatif` (replays recorded instances with changed constants).
void addWhatIfCommand(CLI::App& app, std::function<int()>& run);
// `rflow fmt`.
void addFmtCommand(CLI::App& app, std::function<int()>& run);
// `rflow lsp`.
void addLspCommand(CLI::App& app, std::function<int()>& run);
// `rflow cluster status`.
void addClusterCommand(CLI::App& app, std::function<int()>& run);
// `rflow migrate check`.
void addMigrateCommand(CLI::App& app, std::function<int()>& run);

}  // namespace rflow::cli
