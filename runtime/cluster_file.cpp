// Reading a --cluster file (cluster_file.h).
#include "runtime/cluster_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace rflow::runtime {

namespace {

// The sections besides [cluster], each as an error at its key.
ConfigErrors otherSections(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  ConfigErrors errors;
  const std::string name = path.filename().string();
  toml::table root;
  try {
    root = toml::parse(text.str(), name);
  } catch (const toml::parse_error&) {
    return errors;  // Config::load has said so already
  }
  for (auto&& [k, v] : root) {
    if (k.str() == "cluster") continue;
    const auto& at = k.source().begin;
    errors.push_back({name, at.line, at.column, std::string(k.str()),
                      fmt::format("a --cluster file holds only [cluster] (this node's name, NATS "
                                  "servers and advertised URL); put `{}` in the project's "
                                  "rflow.toml, which every node reads",
                                  k.str())});
  }
  return errors;
}

}  // namespace

std::variant<ClusterConfig, std::string> loadClusterFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return fmt::format(
        "--cluster {}: there is no such file: give the path of this node's cluster file, a "
        "TOML file with a [cluster] section (docs/cluster.md, \"Running a cluster\")",
        path.string());
  auto loaded = Config::load(path, /*required=*/true);
  if (auto* errors = std::get_if<ConfigErrors>(&loaded))
    return fmt::format("--cluster {}:\n{}", path.string(), describe(*errors));
  if (ConfigErrors others = otherSections(path); !others.empty())
    return fmt::format("--cluster {}:\n{}", path.string(), describe(others));
  const Config& config = std::get<Config>(loaded);
  if (!config.cluster.enabled)
    return fmt::format(
        "--cluster {}: the file has no [cluster] section: write one with node, nats and "
        "advertise (docs/cluster.md, \"Running a cluster\")",
        path.string());
  return config.cluster;
}

}  // namespace rflow::runtime
