// Reading rflow.toml: the public entry points (config.h). The sections are read by a
// config_read::Reader (config_reader.h), one file per section.
#include "runtime/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "base/suggest.h"
#include "bytecode/module.h"
#include "runtime/config_reader.h"
#include "runtime/duration_text.h"
#include "vm/print.h"

namespace rflow::runtime {
namespace {

namespace fs = std::filesystem;
using config_read::Reader;

std::string fileNameOf(const fs::path& path) {
  return path.empty() ? std::string("rflow.toml") : path.string();
}

}  // namespace

std::string ConfigError::text() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}:{}", line, column);
  out += ": ";
  if (!key.empty()) out += fmt::format("`{}`: ", key);
  out += message;
  return out;
}

std::string describe(const ConfigErrors& errors) {
  std::string out;
  for (const ConfigError& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.text();
  }
  return out;
}

std::string HttpEndpoint::origin() const {
  return fmt::format("{}://{}:{}", scheme, host, port);
}

std::variant<HttpEndpoint, std::string> parseHttpUrl(std::string_view url) {
  HttpEndpoint e;
  std::string_view rest;
  if (url.starts_with("http://")) {
    e.scheme = "http";
    e.port = 80;
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    e.scheme = "https";
    e.port = 443;
    rest = url.substr(8);
  } else {
    return fmt::format("`{}` is not an http:// or https:// URL", url);
  }
  if (url.find_first_of(" \t\r\n?#") != std::string_view::npos)
    return fmt::format(
        "`{}`: a connector URL has no spaces, query (`?`) or fragment (`#`): rflow "
        "appends /OP to it",
        url);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return fmt::format(
        "`{}`: credentials do not belong in the URL; use headers = {{ Authorization = "
        "\"Bearer ${{TOKEN}}\" }}",
        url);
  std::string_view host = authority;
  std::optional<std::string_view> port;  // as written, when written
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return fmt::format("`{}`: the IPv6 address has no `]`", url);
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fmt::format("`{}`: expected `:PORT` after the IPv6 address", url);
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return fmt::format("`{}` has no host", url);
  if (port) {
    if (port->empty() || port->size() > 5 ||
        !std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fmt::format("`{}`: the port must be a number from 1 to 65535", url);
    const int p = std::stoi(std::string(*port));
    if (p < 1 || p > 65535)
      return fmt::format("`{}`: the port must be a number from 1 to 65535", url);
    e.port = p;
  }
  e.host = std::string(host);
  while (path.ends_with('/'))
    path.remove_suffix(1);
  e.base_path = std::string(path);
  return e;
}

Environment processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv reads the environment the process started with; rflow never calls setenv.
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Config Config::defaults() {
  Config c;
  const unsigned cores = std::thread::hardware_concurrency();
  c.engine.workers = std::clamp<uint32_t>(cores == 0 ? 1 : cores, 1, kMaxWorkers);
  return c;
}

std::variant<Config, ConfigErrors> Config::load(const fs::path& path, bool required,
                                                const Environment& env) {
  const std::string name = fileNameOf(path);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) {
    if (!required) {
      Config c = defaults();
      c.path = path;
      return c;
    }
    return ConfigErrors{
        {name, 0, 0, "", "there is no such file: check the path given to --config"}};
  }
  if (!fs::is_regular_file(status))
    return ConfigErrors{
        {name, 0, 0, "", "this is not a file: --config names a TOML file like rflow.toml"}};
  const auto size = fs::file_size(path, ec);
  if (ec || size > kMaxConfigBytes)
    return ConfigErrors{
        {name, 0, 0, "",
         fmt::format("the file is larger than {} bytes: a config file holds settings, "
                     "not data",
                     kMaxConfigBytes)}};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof())
    return ConfigErrors{
        {name, 0, 0, "", fmt::format("cannot read the file: {}", std::strerror(errno))}};
  return fromString(text.str(), path, env);
}

std::variant<Config, ConfigErrors> Config::fromString(std::string_view text, const fs::path& path,
                                                      const Environment& env) {
  const std::string name = fileNameOf(path);
  if (text.size() > kMaxConfigBytes)
    return ConfigErrors{
        {name, 0, 0, "", fmt::format("the file is larger than {} bytes", kMaxConfigBytes)}};
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return ConfigErrors{
        {name, at.line, at.column, "", fmt::format("this is not valid TOML: {}", e.description())}};
  }
  Config config = defaults();
  config.path = path;
  config.from_file = true;
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  const fs::path absolute_dir = fs::absolute(dir, ec);
  Reader reader(name, ec ? dir : absolute_dir, env);
  reader.read(root, config);
  ConfigErrors errors = reader.take();
  if (!errors.empty()) return errors;
  std::sort(config.connectors.begin(), config.connectors.end(),
            [](const ConnectorConfig& a, const ConnectorConfig& b) { return a.name < b.name; });
  std::sort(config.classifiers.begin(), config.classifiers.end(),
            [](const ClassifierConfig& a, const ClassifierConfig& b) { return a.name < b.name; });
  return config;
}

const ConnectorConfig* Config::connector(std::string_view name) const {
  for (const ConnectorConfig& c : connectors) {
    if (c.name == name) return &c;
  }
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return nullptr;
  const std::string_view short_name = name.substr(dot + 1);
  for (const ConnectorConfig& c : connectors) {
    if (c.name == short_name) return &c;
  }
  return nullptr;
}

const ClassifierConfig* Config::classifier(std::string_view name) const {
  for (const ClassifierConfig& c : classifiers) {
    if (c.name == name) return &c;
  }
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return nullptr;
  const std::string_view short_name = name.substr(dot + 1);
  for (const ClassifierConfig& c : classifiers) {
    if (c.name == short_name) return &c;
  }
  return nullptr;
}

std::string configName(const Config& config) {
  return fileNameOf(config.path);
}

ConfigErrors checkUserRoles(const Config& config, const bytecode::Module& module) {
  // Declared names that belong to exactly one role, and every qualified name.
  std::map<std::string_view, int> short_count;
  std::set<std::string_view> qualified;
  for (const bytecode::Role& r : module.roles) {
    const std::string& name = module.strings[r.name];
    ++short_count[vm::declaredName(name)];
    qualified.insert(name);
  }
  std::vector<std::string_view> candidates;
  for (const auto& [name, count] : short_count) {
    if (count == 1) candidates.push_back(name);
  }
  ConfigErrors errors;
  const std::string file = configName(config);
  for (size_t u = 0; u < config.users.size(); ++u) {
    const AuthUser& user = config.users[u];
    for (size_t i = 0; i < user.roles.size(); ++i) {
      const std::string& role = user.roles[i];
      if (role == "admin" || qualified.contains(role)) continue;
      const auto it = short_count.find(role);
      if (it != short_count.end() && it->second == 1) continue;
      std::string message;
      if (it != short_count.end()) {
        message =
            fmt::format("`{}` names several roles of the project: write the qualified name", role);
      } else {
        message = fmt::format("the project declares no role `{}`", role);
        if (auto close = base::closestMatch(role, candidates))
          message += fmt::format(": did you mean `{}`?", *close);
        else
          message +=
              "; roles are declared with `role Name \"Title\"`, and \"admin\" is rflow's own";
      }
      const SourcePos pos = i < user.role_pos.size() ? user.role_pos[i] : user.pos;
      errors.push_back({file, pos.line, pos.column, fmt::format("auth.users[{}].roles[{}]", u, i),
                        std::move(message)});
    }
  }
  return errors;
}

}  // namespace rflow::runtime
