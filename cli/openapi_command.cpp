// `rflow openapi [PATH] [-o FILE]`: the OpenAPI document `rflow serve` would answer at
// /v1/openapi.json for this project deployed, without a service (for API gateways,
// client generators and reviews before a deployment).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/contract_project.h"
#include "service/routes.h"

namespace rflow::cli {

namespace {

struct OpenApiOptions {
  std::string path;
  std::string output;
};

int runOpenApi(const OpenApiOptions& options) {
  auto project = buildContractProject(options.path);
  if (!project) return 1;
  service::DeployedContract deployed{&*project->built.module, project->version, &project->docs};
  const nlohmann::json document = service::openApiDocument(service::routes(), deployed);
  if (const std::string problem = writeDocument(document, options.output); !problem.empty()) {
    std::cerr << "rflow openapi: " << problem << "\n";
    return 1;
  }
  if (!options.output.empty() && options.output != "-")
    std::cerr << "wrote " << options.output << " (version " << project->version.substr(0, 12)
              << ", " << document["paths"].size() << " paths)\n";
  return 0;
}

}  // namespace

void addOpenApiCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<OpenApiOptions>();
  CLI::App* cmd = app.add_subcommand(
      "openapi",
      "Write the service's OpenAPI document for a project: its workflows, signals, events and "
      "task forms with their declared types");
  cmd->add_option("path", options->path, "The project directory or file (default: .)");
  cmd->add_option("-o,--output", options->output, "The file to write (default: stdout)");
  cmd->callback([options, &run] { run = [options] { return runOpenApi(*options); }; });
}

}  // namespace rflow::cli
