// `rflow contract [PATH] --connector NAME [-o FILE] [--config FILE]`: the OpenAPI
// document of what rflow sends to one connector and accepts back
// (runtime/connector_contract.h), the document the team behind that system implements
// against; and `rflow contract check [PATH] --connector NAME [--config FILE]`, which
// calls the operations rflow.toml marks safe to call and says whether the answers fit
// (runtime/contract_check.h); and `rflow contract diff OLD NEW`, the contract changes
// between two versions, breaking ones first (runtime/contract_diff.h).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/contract_project.h"
#include "cli/module_file.h"
#include "runtime/config.h"
#include "runtime/connector_contract.h"
#include "runtime/contract_check.h"
#include "runtime/contract_diff.h"
#include "runtime/project_config.h"
#include "vm/print.h"

namespace rflow::cli {

namespace {

namespace fs = std::filesystem;

struct ContractOptions {
  std::string path;
  std::string connector;
  std::string output;
  std::string config;
};

// The rflow.toml given, else the one beside the project (none is fine: the document then
// names a placeholder server).
std::variant<runtime::Config, std::string> projectConfig(const ContractOptions& options) {
  fs::path file = options.config;
  if (file.empty()) {
    const fs::path project = options.path.empty() ? fs::path(".") : fs::path(options.path);
    std::error_code ec;
    file = (fs::is_directory(project, ec) ? project : project.parent_path()) / "rflow.toml";
  }
  auto loaded = runtime::Config::load(file, !options.config.empty());
  if (auto* errors = std::get_if<runtime::ConfigErrors>(&loaded)) return runtime::describe(*errors);
  return std::get<runtime::Config>(std::move(loaded));
}

int runContract(const ContractOptions& options) {
  auto project = buildContractProject(options.path);
  if (!project) return 1;
  const bytecode::Module& module = *project->built.module;
  auto found = runtime::findConnector(module, options.connector);
  if (auto* problem = std::get_if<std::string>(&found)) {
    std::cerr << "rflow contract: --connector: " << *problem << "\n";
    return 2;
  }
  auto config = projectConfig(options);
  if (auto* problem = std::get_if<std::string>(&config)) {
    std::cerr << "rflow contract: " << *problem << "\n";
    return 1;
  }
  const uint32_t connector = std::get<uint32_t>(found);
  runtime::ConnectorContractInput input;
  input.module = &module;
  input.connector = connector;
  input.version = project->version;
  input.docs = &project->docs;
  input.configured = std::get<runtime::Config>(config).connector(
      module.strings[module.connectors[connector].name]);
  const nlohmann::json document = runtime::connectorContract(input);
  if (const std::string problem = writeDocument(document, options.output); !problem.empty()) {
    std::cerr << "rflow contract: " << problem << "\n";
    return 1;
  }
  if (!options.output.empty() && options.output != "-")
    std::cerr << "wrote " << options.output << " (" << document["paths"].size()
              << " operations, version " << project->version.substr(0, 12) << ")\n";
  return 0;
}

// Exit codes: 0 every called operation matched, 1 a mismatch or a failed call (or the
// project does not build), 2 misuse (unknown connector, bad rflow.toml entries).
int runCheck(const ContractOptions& options) {
  auto project = buildContractProject(options.path);
  if (!project) return 1;
  const bytecode::Module& module = *project->built.module;
  auto found = runtime::findConnector(module, options.connector);
  if (auto* problem = std::get_if<std::string>(&found)) {
    std::cerr << "rflow contract check: --connector: " << *problem << "\n";
    return 2;
  }
  const uint32_t connector = std::get<uint32_t>(found);
  const std::string& qualified = module.strings[module.connectors[connector].name];
  const fs::path project_path = options.path.empty() ? fs::path(".") : fs::path(options.path);
  auto settings = runtime::loadProjectConfig(project_path, options.config, module);
  if (auto* problem = std::get_if<std::string>(&settings)) {
    std::cerr << "rflow contract check: " << *problem << "\n";
    return 2;
  }
  const auto& loaded = std::get<runtime::ProjectConfig>(settings);
  const runtime::ConnectorConfig* configured = loaded.config.connector(qualified);
  std::vector<std::string> safe;
  if (configured != nullptr) safe = configured->safe_to_call;
  // A listed name that is no operation is a typo that would silently check nothing.
  const bytecode::Connector& c = module.connectors[connector];
  for (const std::string& name : safe) {
    bool known = false;
    for (uint32_t i = c.first_op; i < c.first_op + c.op_count; ++i)
      known = known || module.strings[module.ops[i].name] == name;
    if (!known) {
      std::cerr << "rflow contract check: " << runtime::configName(loaded.config)
                << ": `connectors." << configured->name << ".safe_to_call` lists `" << name
                << "`, which is no operation of `" << qualified << "`\n";
      return 2;
    }
  }
  const auto checks = runtime::checkConnector(module, connector, loaded.connectors, safe);
  int code = 0;
  size_t called = 0;
  for (const runtime::OperationCheck& check : checks) {
    std::cout << vm::declaredName(qualified) << "." << check.op << ": "
              << runtime::verdictName(check.verdict);
    if (!check.detail.empty()) std::cout << ": " << check.detail;
    std::cout << "\n";
    if (check.verdict != runtime::OperationCheck::Verdict::kNotCalled) ++called;
    if (check.verdict == runtime::OperationCheck::Verdict::kMismatching ||
        check.verdict == runtime::OperationCheck::Verdict::kFailed)
      code = 1;
  }
  if (called == 0)
    std::cerr << "rflow contract check: no operation of `" << qualified
              << "` is marked safe to call; list the read-only ones in rflow.toml: [connectors."
              << (configured ? configured->name : std::string(vm::declaredName(qualified)))
              << "] safe_to_call = [\"…\"]\n";
  return code;
}

// A module file (.rfc), or a project (a directory or .rflow file) built in memory.
std::optional<bytecode::Module> moduleAt(const std::string& path, const char* command) {
  std::error_code ec;
  if (fs::is_directory(path, ec) || path.ends_with(".rflow")) {
    auto project = buildContractProject(path);
    if (!project) return std::nullopt;
    return std::move(*project->built.module);
  }
  auto read = readModuleFile(path);
  if (auto* problem = std::get_if<std::string>(&read)) {
    std::cerr << "rflow " << command << ": " << *problem << "\n";
    return std::nullopt;
  }
  return std::get<bytecode::Module>(std::move(read));
}

struct DiffOptions {
  std::string before;
  std::string after;
};

// Exit codes: 0 nothing breaks callers, 1 something does (or an input cannot be read).
int runDiff(const DiffOptions& options) {
  auto before = moduleAt(options.before, "contract diff");
  if (!before) return 1;
  auto after = moduleAt(options.after, "contract diff");
  if (!after) return 1;
  const auto changes = runtime::diffContracts(*before, *after);
  size_t breaking = 0;
  for (const runtime::ContractChange& change : changes) {
    std::cout << runtime::describe(change) << "\n";
    breaking += change.breaking ? 1 : 0;
  }
  std::cerr << fmt::format("{} contract change{}, {} breaking\n", changes.size(),
                           changes.size() == 1 ? "" : "s", breaking);
  return breaking > 0 ? 1 : 0;
}

}  // namespace

void addContractCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<ContractOptions>();
  CLI::App* cmd = app.add_subcommand(
      "contract", "Write the OpenAPI document of what rflow sends to a connector and accepts back");
  cmd->add_option("path", options->path, "The project directory or file (default: .)");
  cmd->add_option("--connector", options->connector,
                  "The connector, by its declared or qualified name (`erp`)");
  cmd->add_option("-o,--output", options->output, "The file to write (default: stdout)");
  cmd->add_option("--config", options->config,
                  "The rflow.toml whose url for the connector becomes the document's server "
                  "(default: the project's, if any)");
  auto check_options = std::make_shared<ContractOptions>();
  CLI::App* check = cmd->add_subcommand(
      "check",
      "Call a connector's operations marked safe to call (rflow.toml: safe_to_call) with example "
      "arguments and say whether each answer fits the declared result");
  check->add_option("path", check_options->path, "The project directory or file (default: .)");
  check
      ->add_option("--connector", check_options->connector,
                   "The connector, by its declared or qualified name (`erp`)")
      ->required();
  check->add_option("--config", check_options->config,
                    "The rflow.toml with the connector's url or stub (default: the project's)");
  check->callback(
      [check_options, &run] { run = [check_options] { return runCheck(*check_options); }; });
  auto diff_options = std::make_shared<DiffOptions>();
  CLI::App* diff = cmd->add_subcommand(
      "diff",
      "List the contract changes from OLD to NEW (modules or projects), breaking ones first; "
      "exit 1 when one breaks callers");
  diff->add_option("old", diff_options->before, "The version callers use now: a .rfc or a project")
      ->required();
  diff->add_option("new", diff_options->after, "The version to deploy: a .rfc or a project")
      ->required();
  diff->callback([diff_options, &run] { run = [diff_options] { return runDiff(*diff_options); }; });
  cmd->callback([options, cmd, check, diff, &run] {
    if (cmd->got_subcommand(check) || cmd->got_subcommand(diff)) return;
    run = [options] {
      if (options->connector.empty()) {
        std::cerr << "rflow contract: give the connector: --connector NAME (`rflow contract "
                     "--help`)\n";
        return 2;
      }
      return runContract(*options);
    };
  });
}

}  // namespace rflow::cli
