// A project's runtime settings as `rflow run` and `rflow serve` both need them: its
// rflow.toml (the one given, else the one beside the project, else the defaults) and
// the connectors it configures, checked against the project's module.
#pragma once

#include <filesystem>
#include <string>
#include <variant>

#include "bytecode/module.h"
#include "runtime/config.h"
#include "runtime/connector.h"

namespace rflow::runtime {

struct ProjectConfig {
  Config config;
  ConnectorSet connectors;
};

// `project` is a directory or one .rflow file; `config_file` is --config (empty: none,
// and then a missing rflow.toml means the defaults). On a problem: the message to print,
// naming the file, the key or the connector.
std::variant<ProjectConfig, std::string> loadProjectConfig(const std::filesystem::path& project,
                                                           const std::filesystem::path& config_file,
                                                           const bytecode::Module& module);

}  // namespace rflow::runtime
