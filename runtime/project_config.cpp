// Loading a project's rflow.toml and connectors (project_config.h).
#include "runtime/project_config.h"

namespace rflow::runtime {

namespace {

std::string listed(std::string heading, const std::vector<std::string>& problems) {
  for (const std::string& problem : problems)
    heading += "\n  " + problem;
  return heading;
}

}  // namespace

std::variant<ProjectConfig, std::string> loadProjectConfig(const std::filesystem::path& project,
                                                           const std::filesystem::path& config_file,
                                                           const bytecode::Module& module) {
  std::filesystem::path path = config_file;
  const bool required = !path.empty();
  if (path.empty()) {
    std::error_code ec;
    path = (std::filesystem::is_directory(project, ec) ? project : project.parent_path()) /
           "rflow.toml";
  }
  auto loaded = Config::load(path, required);
  if (auto* errors = std::get_if<ConfigErrors>(&loaded)) return describe(*errors);
  auto made = ConnectorSet::fromConfig(std::get<Config>(loaded));
  if (auto* problems = std::get_if<std::vector<std::string>>(&made))
    return listed("the connectors cannot be set up:", *problems);
  ProjectConfig out{std::get<Config>(std::move(loaded)), std::get<ConnectorSet>(std::move(made))};
  if (auto problems = out.connectors.checkModule(module); !problems.empty())
    return listed("the project and its connectors do not match:", problems);
  return out;
}

}  // namespace rflow::runtime
