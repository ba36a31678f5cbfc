// rflow.toml's Reader: its entry point, its error list, and the helpers every section uses.
#include "runtime/config_reader.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

namespace rflow::runtime::config_read {

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c) {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// `a.b.c` where every segment is an identifier: a connector's or role's declared name,
// short or qualified.
bool isDottedName(std::string_view s) {
  if (s.empty()) return false;
  bool segment_start = true;
  for (const char c : s) {
    if (c == '.') {
      if (segment_start) return false;
      segment_start = true;
    } else if (segment_start ? !isIdentStart(c) : !isIdentChar(c)) {
      return false;
    } else {
      segment_start = false;
    }
  }
  return !segment_start;
}

// RFC 9110 token characters: what a header name may be made of.
bool isTokenChar(char c) {
  if (isIdentChar(c)) return true;
  return std::string_view("!#$%&'*+-.^`|~").find(c) != std::string_view::npos;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A key segment as TOML would need it written: bare when it can be, else quoted.
std::string keySegment(std::string_view k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(),
                                              [](char c) { return isIdentChar(c) || c == '-'; });
  return bare ? std::string(k) : fmt::format("\"{}\"", k);
}

std::string joinKey(std::string_view prefix, std::string_view k) {
  return prefix.empty() ? keySegment(k) : fmt::format("{}.{}", prefix, keySegment(k));
}

SourcePos posOf(const toml::source_region& r) {
  return {r.begin.line, r.begin.column};
}

// What a value is, for "found …": strings quoted and clipped, numbers and booleans as
// written, everything else by kind.
std::string found(const toml::node& n) {
  if (const auto* s = n.as_string()) {
    const std::string& v = s->get();
    if (v.size() > 60) return fmt::format("\"{}…\"", v.substr(0, 60));
    return fmt::format("\"{}\"", v);
  }
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  if (n.is_floating_point()) return fmt::format("the number {}", n.as_floating_point()->get());
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  return "a date or time";
}

void Reader::read(const toml::table& root, Config& config) {
  static constexpr std::string_view kSections[] = {"connectors",  "auth",   "engine", "service",
                                                   "classifiers", "backup", "cluster"};
  for (auto&& [k, v] : root) {
    const std::string name(k.str());
    if (name == "connectors") {
      if (const auto* t = expectTable(v, k, name)) readConnectors(*t, config);
    } else if (name == "auth") {
      if (const auto* t = expectTable(v, k, name)) readAuth(*t, config);
    } else if (name == "engine") {
      if (const auto* t = expectTable(v, k, name)) readEngine(*t, config.engine);
    } else if (name == "service") {
      if (const auto* t = expectTable(v, k, name)) readService(*t, config.service);
    } else if (name == "classifiers") {
      if (const auto* t = expectTable(v, k, name)) readClassifiers(*t, config);
    } else if (name == "backup") {
      if (const auto* t = expectTable(v, k, name)) readBackup(*t, config.backup);
    } else if (name == "cluster") {
      if (const auto* t = expectTable(v, k, name))
        readCluster(*t, posOf(k.source()), config.cluster);
    } else {
      unknownKey(k, "", kSections,
                 "the sections are [connectors.NAME], [[auth.users]], [engine], [service], "
                 "[classifiers.NAME], [backup] and [cluster]");
    }
  }
}

void Reader::error(SourcePos pos, std::string key, std::string message) {
  errors_.push_back({file_, pos.line, pos.column, std::move(key), std::move(message)});
}

ConfigErrors Reader::take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(errors_);
}

const toml::table* Reader::expectTable(const toml::node& v, const toml::key& k,
                                       const std::string& path) {
  if (const auto* t = v.as_table()) return t;
  error(posOf(k.source()), path,
        fmt::format("expected a table (`[{}]` with settings below it), found {}", path, found(v)));
  return nullptr;
}

const std::string* Reader::expectString(const toml::node& v, const toml::key& k,
                                        const std::string& path, std::string_view example) {
  if (const auto* s = v.as_string()) return &s->get();
  error(posOf(k.source()), path,
        fmt::format("expected a string like {}, found {}", example, found(v)));
  return nullptr;
}

}  // namespace rflow::runtime::config_read
