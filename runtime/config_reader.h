// The reader of rflow.toml, shared by the files that read its sections (config_*.cpp).
// A Reader walks the parsed table once, section by section, and collects every problem
// instead of stopping at the first: a process owner fixing a config file wants the whole
// list. toml++ throws only from parse(), which config.cpp catches. Internal to runtime/:
// only config.cpp and the section readers include it.
//
// Invariants: a Reader writes a setting into the Config only when it is valid; every
// problem is an error() with the file, line, column and the key's path.
#pragma once

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/suggest.h"
#include "runtime/config.h"

namespace rflow::runtime::config_read {

namespace fs = std::filesystem;

bool isIdentStart(char c);
bool isIdentChar(char c);
bool isHex(char c);
// `a.b.c` where every segment is an identifier: a connector's or role's declared name,
// short or qualified.
bool isDottedName(std::string_view s);
// RFC 9110 token characters: what a header name may be made of.
bool isTokenChar(char c);
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// A key segment as TOML would need it written: bare when it can be, else quoted.
std::string keySegment(std::string_view k);
std::string joinKey(std::string_view prefix, std::string_view k);
SourcePos posOf(const toml::source_region& r);
// What a value is, for "found …": strings quoted and clipped, numbers and booleans as
// written, everything else by kind.
std::string found(const toml::node& n);

class Reader {
 public:
  Reader(std::string file, fs::path dir, const Environment& env)
      : file_(std::move(file)), dir_(std::move(dir)), env_(env) {}
  void read(const toml::table& root, Config& config);
  void error(SourcePos pos, std::string key, std::string message);
  ConfigErrors take();

 private:
  const toml::table* expectTable(const toml::node& v, const toml::key& k, const std::string& path);
  const std::string* expectString(const toml::node& v, const toml::key& k, const std::string& path,
                                  std::string_view example);

  template <size_t N>
  void unknownKey(const toml::key& k, const std::string& prefix, const std::string_view (&known)[N],
                  std::string_view what_is_known) {
    const std::string path = joinKey(prefix, k.str());
    std::string message = fmt::format("unknown setting `{}`", k.str());
    if (auto close = base::closestMatch(k.str(), std::span<const std::string_view>(known, N)))
      message += fmt::format(": did you mean `{}`?", *close);
    else
      message += fmt::format(": {}", what_is_known);
    error(posOf(k.source()), path, std::move(message));
  }

  // ---- [connectors.NAME] ----
  // Each `[section.NAME]` table: a table, named like a declaration (`kind` says which,
  // `settings` what goes in one, `names` how one is named), handed to
  // read(table, key, name, path).
  template <typename Read>
  void forEachNamedTable(const toml::table& tables, std::string_view section, std::string_view kind,
                         std::string_view settings, std::string_view names, Read read) {
    for (auto&& [k, v] : tables) {
      const std::string name(k.str());
      const std::string path = joinKey(section, name);
      const auto* t = v.as_table();
      if (!t) {
        error(posOf(k.source()), path,
              fmt::format("expected a table of settings (`[{}]` with {} below it), found {}", path,
                          settings, found(v)));
        continue;
      }
      if (!isDottedName(name)) {
        error(posOf(k.source()), path,
              fmt::format("`{}` is not a {} name: write the name the {} is declared with, "
                          "like {}",
                          name, kind, kind, names));
        continue;
      }
      read(*t, k, name, path);
    }
  }

  void readConnectors(const toml::table& connectors, Config& config);
  std::optional<ConnectorConfig> readConnector(const toml::table& t, const toml::key& name_key,
                                               const std::string& name, const std::string& path);
  std::optional<fs::path> stubPath(const std::string& text, const toml::key& k,
                                   const std::string& key_path);
  std::optional<int64_t> readTimeout(const toml::node& v, const toml::key& k,
                                     const std::string& key_path);
  void readHeaders(const toml::node& v, const toml::key& k, const std::string& key_path,
                   std::vector<std::pair<std::string, std::string>>& out);
  // `${NAME}` replaced by the variable's value; `$` before anything else is itself.
  // False, with `problem` set, for a malformed reference or a variable that is not set.
  bool expand(const std::string& text, std::string& out, std::string& problem);

  // ---- [[auth.users]] ----
  void readAuth(const toml::table& auth, Config& config);
  std::optional<AuthUser> readUser(const toml::table& u, const std::string& path);
  void checkUnique(const Config& config, const AuthUser& user, const std::string& path);

  // ---- [classifiers.NAME] ----
  void readClassifiers(const toml::table& classifiers, Config& config);
  std::optional<ClassifierConfig> readClassifier(const toml::table& t, const toml::key& name_key,
                                                 const std::string& name, const std::string& path);

  // ---- [engine] and [service] ----
  void readEngine(const toml::table& t, EngineConfig& engine);
  void readService(const toml::table& t, ServiceConfig& service);

  // ---- [backup] ----
  void readBackup(const toml::table& t, BackupConfig& backup);

  // ---- [cluster] ----
  static bool isNodeName(std::string_view n);
  void readClusterNats(const toml::node& v, const toml::key& k, ClusterConfig& cluster);
  void readCluster(const toml::table& t, SourcePos section, ClusterConfig& cluster);
  // One known [cluster] key's value, checked and stored.
  void readClusterKey(const std::string& key, const toml::node& v, const toml::key& k,
                      ClusterConfig& cluster);
  static bool parseListen(const std::string& text, ServiceConfig& service);

  std::string file_;
  fs::path dir_;
  const Environment& env_;
  ConfigErrors errors_;
};

}  // namespace rflow::runtime::config_read
