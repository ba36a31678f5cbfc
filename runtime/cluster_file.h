// A node's cluster file (`rflow serve --cluster FILE`, docs/cluster.md "Running a
// cluster"): a TOML file holding only a [cluster] section, read and checked exactly like
// rflow.toml's (config.h). It lets every node share one project and its rflow.toml while
// each has its own name and advertised URL.
#pragma once

#include <filesystem>
#include <string>
#include <variant>

#include "runtime/config.h"

namespace rflow::runtime {

// The file's [cluster], or what is wrong (every problem, each with its line and key): no
// such file, invalid TOML or settings, no [cluster] section, or any other section (those
// belong in the project's rflow.toml, and would otherwise be silently ignored).
std::variant<ClusterConfig, std::string> loadClusterFile(const std::filesystem::path& path);

}  // namespace rflow::runtime
