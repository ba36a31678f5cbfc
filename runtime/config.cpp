// Reading rflow.toml. A Reader walks the parsed table once, section by section, and
// collects every problem instead of stopping at the first: a process owner fixing a
// config file wants the whole list. toml++ throws only from parse(), caught here.
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
#include "runtime/duration_text.h"
#include "vm/print.h"

namespace rflow::runtime {
namespace {

namespace fs = std::filesystem;

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

class Reader {
 public:
  Reader(std::string file, fs::path dir, const Environment& env)
      : file_(std::move(file)), dir_(std::move(dir)), env_(env) {}

  void read(const toml::table& root, Config& config) {
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

  void error(SourcePos pos, std::string key, std::string message) {
    errors_.push_back({file_, pos.line, pos.column, std::move(key), std::move(message)});
  }

  ConfigErrors take() {
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const ConfigError& a, const ConfigError& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    return std::move(errors_);
  }

 private:
  const toml::table* expectTable(const toml::node& v, const toml::key& k, const std::string& path) {
    if (const auto* t = v.as_table()) return t;
    error(
        posOf(k.source()), path,
        fmt::format("expected a table (`[{}]` with settings below it), found {}", path, found(v)));
    return nullptr;
  }

  const std::string* expectString(const toml::node& v, const toml::key& k, const std::string& path,
                                  std::string_view example) {
    if (const auto* s = v.as_string()) return &s->get();
    error(posOf(k.source()), path,
          fmt::format("expected a string like {}, found {}", example, found(v)));
    return nullptr;
  }

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

  void readConnectors(const toml::table& connectors, Config& config) {
    forEachNamedTable(connectors, "connectors", "connector", "`url` or `stub`",
                      "`wms` or `\"retail.systems.wms\"`",
                      [&](const toml::table& t, const toml::key& k, const std::string& name,
                          const std::string& path) {
                        if (auto c = readConnector(t, k, name, path))
                          config.connectors.push_back(std::move(*c));
                      });
  }

  std::optional<ConnectorConfig> readConnector(const toml::table& t, const toml::key& name_key,
                                               const std::string& name, const std::string& path) {
    static constexpr std::string_view kKeys[] = {"url", "stub", "timeout", "headers",
                                                 "safe_to_call"};
    const size_t errors_before = errors_.size();
    std::optional<HttpTarget> http;
    std::optional<StubTarget> stub;
    const toml::key* url_key = nullptr;
    const toml::key* stub_key = nullptr;
    const toml::key* timeout_key = nullptr;
    const toml::key* headers_key = nullptr;
    std::optional<int64_t> timeout;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<std::string> safe_to_call;
    bool has_nested_table = false;

    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const std::string key_path = joinKey(path, key);
      if (key == "url") {
        url_key = &k;
        if (const auto* s = expectString(v, k, key_path, "\"http://127.0.0.1:9100/wms\"")) {
          auto parsed = parseHttpUrl(*s);
          if (auto* problem = std::get_if<std::string>(&parsed)) {
            error(posOf(k.source()), key_path, *problem);
          } else {
            http = HttpTarget{
                *s, std::get<HttpEndpoint>(std::move(parsed)), kDefaultConnectorTimeoutMs, {}};
          }
        }
      } else if (key == "stub") {
        stub_key = &k;
        if (const auto* s = expectString(v, k, key_path, "\"stubs/erp.json\"")) {
          if (auto p = stubPath(*s, k, key_path)) stub = StubTarget{std::move(*p)};
        }
      } else if (key == "timeout") {
        timeout_key = &k;
        timeout = readTimeout(v, k, key_path);
      } else if (key == "headers") {
        headers_key = &k;
        readHeaders(v, k, key_path, headers);
      } else if (key == "safe_to_call") {
        const auto* ops = v.as_array();
        if (!ops) {
          error(posOf(k.source()), key_path,
                fmt::format("expected a list of operation names like [\"availability\"], found {}",
                            found(v)));
          continue;
        }
        for (size_t i = 0; i < ops->size(); ++i) {
          const toml::node& op = (*ops)[i];
          const auto* op_name = op.as_string();
          if (!op_name || !isDottedName(op_name->get()) ||
              op_name->get().find('.') != std::string::npos) {
            error(posOf(op.source()), fmt::format("{}[{}]", key_path, i),
                  fmt::format("expected an operation's name like \"availability\", found {}",
                              found(op)));
            continue;
          }
          safe_to_call.push_back(op_name->get());
        }
      } else if (v.is_table()) {
        // [connectors.retail.systems.wms] makes nested tables; the user meant a qualified
        // name, which TOML needs quoted. Follow the chain of single tables to name it.
        has_nested_table = true;
        std::string qualified = name + "." + key;
        for (const toml::table* inner = v.as_table();
             inner && inner->size() == 1 && inner->begin()->second.is_table();
             inner = inner->begin()->second.as_table()) {
          qualified += "." + std::string(inner->begin()->first.str());
        }
        error(posOf(k.source()), key_path,
              fmt::format("unknown setting `{}`: a connector's settings are url, stub, timeout, "
                          "headers and safe_to_call; to name a connector by its qualified name, "
                          "quote it: "
                          "[connectors.\"{}\"]",
                          key, qualified));
      } else {
        unknownKey(k, path, kKeys,
                   "a connector's settings are url, stub, timeout, headers and safe_to_call");
      }
    }

    if (url_key && stub_key) {
      error(posOf(stub_key->source()), joinKey(path, "stub"),
            "a connector has either `url` (a real system) or `stub` (a file of canned results), "
            "not both: remove one");
      return std::nullopt;
    }
    if (!url_key && !stub_key) {
      // A nested table already has its own message, which says what was meant.
      if (has_nested_table) return std::nullopt;
      error(posOf(name_key.source()), path,
            fmt::format("connector `{}` has neither `url` nor `stub`: add url = \"http://…\" for a "
                        "real system, or stub = \"stubs/{}.json\" for canned results",
                        name, name));
      return std::nullopt;
    }
    if (stub_key) {
      if (timeout_key)
        error(
            posOf(timeout_key->source()), joinKey(path, "timeout"),
            "`timeout` applies to HTTP connectors (`url`) only: a stub answers at once; remove it");
      if (headers_key)
        error(posOf(headers_key->source()), joinKey(path, "headers"),
              "`headers` apply to HTTP connectors (`url`) only: a stub sends nothing; remove them");
    }
    if (errors_.size() != errors_before) return std::nullopt;
    ConnectorConfig c{name, StubTarget{}, posOf(name_key.source()), std::move(safe_to_call)};
    if (http) {
      if (timeout) http->timeout_ms = *timeout;
      http->headers = std::move(headers);
      c.target = std::move(*http);
    } else if (stub) {
      c.target = std::move(*stub);
    } else {
      return std::nullopt;
    }
    return c;
  }

  std::optional<fs::path> stubPath(const std::string& text, const toml::key& k,
                                   const std::string& key_path) {
    if (text.empty()) {
      error(posOf(k.source()), key_path,
            "the stub path is empty: write a JSON file's path, like \"stubs/erp.json\"");
      return std::nullopt;
    }
    fs::path p(text);
    if (p.is_relative()) p = dir_ / p;
    p = p.lexically_normal();
    std::error_code ec;
    const auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      error(posOf(k.source()), key_path,
            fmt::format("there is no stub file at {} (relative paths start at the directory of {})",
                        p.string(), file_));
      return std::nullopt;
    }
    if (!fs::is_regular_file(status)) {
      error(posOf(k.source()), key_path,
            fmt::format("{} is not a file: a stub is a JSON file", p.string()));
      return std::nullopt;
    }
    return p;
  }

  std::optional<int64_t> readTimeout(const toml::node& v, const toml::key& k,
                                     const std::string& key_path) {
    const auto* s = v.as_string();
    if (!s) {
      error(posOf(k.source()), key_path,
            fmt::format("expected a duration like \"5s\", found {}{}", found(v),
                        v.is_integer() ? " (write the unit: \"5s\", \"500ms\")" : ""));
      return std::nullopt;
    }
    auto parsed = parseDurationText(s->get());
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      error(posOf(k.source()), key_path,
            fmt::format("expected a duration like \"5s\": {}", *problem));
      return std::nullopt;
    }
    const int64_t ms = std::get<int64_t>(parsed);
    if (ms <= 0) {
      error(posOf(k.source()), key_path, "a timeout must be longer than zero, like \"5s\"");
      return std::nullopt;
    }
    if (ms > kMaxConnectorTimeoutMs) {
      error(posOf(k.source()), key_path,
            fmt::format("a timeout of {} is longer than the limit of 1h: an attempt holds a worker "
                        "while it waits; use `retry` at the call site for slow systems",
                        s->get()));
      return std::nullopt;
    }
    return ms;
  }

  void readHeaders(const toml::node& v, const toml::key& k, const std::string& key_path,
                   std::vector<std::pair<std::string, std::string>>& out) {
    const auto* t = v.as_table();
    if (!t) {
      error(posOf(k.source()), key_path,
            fmt::format("expected a table of header names and values, like "
                        "headers = {{ Authorization = \"Bearer ${{TOKEN}}\" }}, found {}",
                        found(v)));
      return;
    }
    // Set by the HTTP connector itself: a configured value would be overwritten or, worse,
    // contradict the body it sends.
    static constexpr std::string_view kReserved[] = {"Content-Type",      "Content-Length",
                                                     "Idempotency-Key",   "Host",
                                                     "Transfer-Encoding", "Connection"};
    for (auto&& [hk, hv] : *t) {
      const std::string name(hk.str());
      const std::string path = joinKey(key_path, name);
      if (name.empty() || !std::all_of(name.begin(), name.end(), isTokenChar)) {
        error(posOf(hk.source()), path,
              fmt::format(
                  "`{}` is not a header name: use letters, digits and `-`, like `Authorization`",
                  name));
        continue;
      }
      if (std::any_of(std::begin(kReserved), std::end(kReserved),
                      [&](std::string_view r) { return equalsIgnoreCase(r, name); })) {
        error(posOf(hk.source()), path,
              fmt::format("`{}` is set by rflow on every call and cannot be configured", name));
        continue;
      }
      const auto* s = hv.as_string();
      if (!s) {
        error(posOf(hk.source()), path,
              fmt::format("expected the header's value as a string, found {}", found(hv)));
        continue;
      }
      std::string value;
      std::string problem;
      if (!expand(s->get(), value, problem)) {
        error(posOf(hk.source()), path, std::move(problem));
        continue;
      }
      // A line break would let a variable's value inject headers; the value itself may be a
      // secret, so the message does not show it.
      if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        error(posOf(hk.source()), path,
              "the header's value (after expanding variables) contains a line break or a NUL byte, "
              "which HTTP does not allow");
        continue;
      }
      out.emplace_back(name, std::move(value));
    }
  }

  // `${NAME}` replaced by the variable's value; `$` before anything else is itself.
  // False, with `problem` set, for a malformed reference or a variable that is not set.
  bool expand(const std::string& text, std::string& out, std::string& problem) {
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
        out += text[i++];
        continue;
      }
      const size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        problem = "`${` is not closed: write ${NAME} to use an environment variable";
        return false;
      }
      const std::string name = text.substr(i + 2, close - i - 2);
      if (name.empty() || !isIdentStart(name[0]) ||
          !std::all_of(name.begin(), name.end(), isIdentChar)) {
        problem = fmt::format(
            "`${{{}}}` is not an environment variable's name: use letters, digits and `_`", name);
        return false;
      }
      const std::optional<std::string> value = env_ ? env_(name) : std::nullopt;
      if (!value) {
        problem = fmt::format(
            "environment variable `{}` is not set: set it before starting rflow, or remove it "
            "from the header",
            name);
        return false;
      }
      out += *value;
      i = close + 1;
    }
    return true;
  }

  // ---- [[auth.users]] ----

  void readAuth(const toml::table& auth, Config& config) {
    static constexpr std::string_view kKeys[] = {"users"};
    for (auto&& [k, v] : auth) {
      if (k.str() != "users") {
        unknownKey(k, "auth", kKeys, "the auth section holds only [[auth.users]] entries");
        continue;
      }
      const auto* users = v.as_array();
      if (!users || !users->is_array_of_tables()) {
        error(
            posOf(k.source()), "auth.users",
            fmt::format("expected [[auth.users]] entries, each with name, roles and token_sha256, "
                        "found {}",
                        found(v)));
        continue;
      }
      for (size_t i = 0; i < users->size(); ++i) {
        const toml::table& u = *(*users)[i].as_table();
        if (auto user = readUser(u, fmt::format("auth.users[{}]", i))) {
          checkUnique(config, *user, fmt::format("auth.users[{}]", i));
          config.users.push_back(std::move(*user));
        }
      }
    }
  }

  std::optional<AuthUser> readUser(const toml::table& u, const std::string& path) {
    static constexpr std::string_view kKeys[] = {"name", "roles", "token_sha256"};
    const size_t errors_before = errors_.size();
    AuthUser user;
    user.pos = posOf(u.source());
    bool has_name = false, has_roles = false, has_token = false;
    for (auto&& [k, v] : u) {
      const std::string key(k.str());
      const std::string key_path = joinKey(path, key);
      if (key == "name") {
        has_name = true;
        if (const auto* s = expectString(v, k, key_path, "\"ann\"")) {
          if (s->empty() || std::any_of(s->begin(), s->end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x20;
              }))
            error(posOf(k.source()), key_path,
                  "a user's name is their id: it cannot be empty or hold control characters");
          else
            user.name = *s;
        }
      } else if (key == "roles") {
        has_roles = true;
        const auto* roles = v.as_array();
        if (!roles) {
          error(posOf(k.source()), key_path,
                fmt::format(
                    "expected a list of role names like [\"AccountsPayable\", \"admin\"], found {}",
                    found(v)));
          continue;
        }
        for (size_t i = 0; i < roles->size(); ++i) {
          const toml::node& r = (*roles)[i];
          const std::string role_path = fmt::format("{}[{}]", key_path, i);
          const auto* s = r.as_string();
          if (!s || !isDottedName(s->get())) {
            error(posOf(r.source()), role_path,
                  fmt::format("expected a declared role's name (like \"StoreManager\") or "
                              "\"admin\", found {}",
                              found(r)));
            continue;
          }
          user.roles.push_back(s->get());
          user.role_pos.push_back(posOf(r.source()));
        }
      } else if (key == "token_sha256") {
        has_token = true;
        if (const auto* s = expectString(v, k, key_path, "\"9f86d081884c7d65…\" (64 hex digits)")) {
          if (s->size() != 64 || !std::all_of(s->begin(), s->end(), isHex)) {
            error(
                posOf(k.source()), key_path,
                fmt::format("expected the SHA-256 of the bearer token as 64 hex digits (e.g. from "
                            "`printf %s TOKEN | sha256sum`), found {} characters{}",
                            s->size(), s->size() == 64 ? " that are not all hex digits" : ""));
          } else {
            user.token_sha256 = *s;
            for (char& c : user.token_sha256) {
              if (c >= 'A' && c <= 'F') c = static_cast<char>(c + 32);
            }
          }
        }
      } else {
        unknownKey(k, path, kKeys, "a user has name, roles and token_sha256");
      }
    }
    for (const auto& [has, key] : {std::pair{has_name, "name"}, std::pair{has_roles, "roles"},
                                   std::pair{has_token, "token_sha256"}}) {
      if (!has)
        error(user.pos, path,
              fmt::format("this user has no `{}`: every [[auth.users]] entry needs name, "
                          "roles and token_sha256",
                          key));
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return user;
  }

  void checkUnique(const Config& config, const AuthUser& user, const std::string& path) {
    for (const AuthUser& other : config.users) {
      if (other.name == user.name)
        error(user.pos, joinKey(path, "name"),
              fmt::format(
                  "user `{}` is listed twice (also at line {}): give each user one entry with "
                  "all their roles",
                  user.name, other.pos.line));
      if (other.token_sha256 == user.token_sha256)
        error(user.pos, joinKey(path, "token_sha256"),
              fmt::format("users `{}` and `{}` have the same token: each user needs their own",
                          other.name, user.name));
    }
  }

  // ---- [classifiers.NAME] ----

  void readClassifiers(const toml::table& classifiers, Config& config) {
    forEachNamedTable(classifiers, "classifiers", "classifier", "model = \"models/….ftz\"",
                      "`IssueKind` or `\"retail.triage.IssueKind\"`",
                      [&](const toml::table& t, const toml::key& k, const std::string& name,
                          const std::string& path) {
                        if (auto c = readClassifier(t, k, name, path))
                          config.classifiers.push_back(std::move(*c));
                      });
  }

  std::optional<ClassifierConfig> readClassifier(const toml::table& t, const toml::key& name_key,
                                                 const std::string& name, const std::string& path) {
    static constexpr std::string_view kKeys[] = {"model"};
    const size_t errors_before = errors_.size();
    std::optional<fs::path> model;
    bool has_model = false;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const std::string key_path = joinKey(path, key);
      if (key == "model") {
        has_model = true;
        if (const auto* s = expectString(v, k, key_path, "\"models/issue_kind.ftz\"")) {
          if (s->empty()) {
            error(posOf(k.source()), key_path,
                  "the model path is empty: write a fastText model's path, like "
                  "\"models/issue_kind.ftz\" (made by `rflow train`)");
          } else {
            fs::path p(*s);
            if (p.is_relative()) p = dir_ / p;
            model = p.lexically_normal();
          }
        }
      } else if (v.is_table()) {
        // [classifiers.retail.triage.IssueKind]: a qualified name needs quotes in TOML.
        std::string qualified = name + "." + key;
        for (const toml::table* inner = v.as_table();
             inner && inner->size() == 1 && inner->begin()->second.is_table();
             inner = inner->begin()->second.as_table()) {
          qualified += "." + std::string(inner->begin()->first.str());
        }
        error(posOf(k.source()), key_path,
              fmt::format("unknown setting `{}`: a classifier's setting is model; to name a "
                          "classifier by its qualified name, quote it: [classifiers.\"{}\"]",
                          key, qualified));
      } else {
        unknownKey(k, path, kKeys, "a classifier's setting is model");
      }
    }
    if (!has_model && errors_.size() == errors_before)
      error(posOf(name_key.source()), path,
            fmt::format("classifier `{}` has no `model`: add model = \"models/….ftz\" (a model "
                        "made by `rflow train`), or remove the table to run without one",
                        name));
    if (errors_.size() != errors_before || !model) return std::nullopt;
    return ClassifierConfig{name, std::move(*model), posOf(name_key.source())};
  }

  // ---- [engine] and [service] ----

  void readEngine(const toml::table& t, EngineConfig& engine) {
    static constexpr std::string_view kKeys[] = {"durability", "workers", "max_queued"};
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const std::string key_path = joinKey("engine", key);
      if (key == "durability") {
        if (const auto* s = expectString(v, k, key_path, "\"sync\" or \"async\"")) {
          if (*s == "sync")
            engine.durability = Durability::kSync;
          else if (*s == "async")
            engine.durability = Durability::kAsync;
          else
            error(posOf(k.source()), key_path,
                  fmt::format(
                      "expected \"sync\" (every step is on disk before it is acknowledged) or "
                      "\"async\", found {}",
                      found(v)));
        }
      } else if (key == "workers") {
        const auto* i = v.as_integer();
        if (!i || i->get() < 1 || i->get() > kMaxWorkers) {
          error(posOf(k.source()), key_path,
                fmt::format("expected a number of worker threads from 1 to {}, found {}",
                            kMaxWorkers, found(v)));
        } else {
          engine.workers = static_cast<uint32_t>(i->get());
        }
      } else if (key == "max_queued") {
        const auto* i = v.as_integer();
        if (!i || i->get() < 1 || static_cast<uint64_t>(i->get()) > kMaxQueuedLimit) {
          error(posOf(k.source()), key_path,
                fmt::format("expected the backlog (steps queued, calls unanswered) past which new "
                            "work is answered 429, from 1 to {}, found {}",
                            kMaxQueuedLimit, found(v)));
        } else {
          engine.max_queued = static_cast<size_t>(i->get());
        }
      } else {
        unknownKey(k, "engine", kKeys,
                   "the engine's settings are durability, workers and max_queued");
      }
    }
  }

  void readService(const toml::table& t, ServiceConfig& service) {
    static constexpr std::string_view kKeys[] = {"listen", "metrics_open", "shutdown_grace",
                                                 "tls_cert", "tls_key"};
    std::optional<SourcePos> cert_pos;
    std::optional<SourcePos> key_pos;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const std::string key_path = joinKey("service", key);
      if (key == "listen") {
        if (const auto* s = expectString(v, k, key_path, "\"127.0.0.1:8080\"")) {
          if (!parseListen(*s, service))
            error(posOf(k.source()), key_path,
                  fmt::format(
                      "expected an address and port like \"127.0.0.1:8080\" or \"[::1]:8080\", "
                      "found {}",
                      found(v)));
        }
      } else if (key == "metrics_open") {
        if (const auto* b = v.as_boolean())
          service.metrics_open = b->get();
        else
          error(posOf(k.source()), key_path,
                fmt::format("expected true (serve /metrics without a token) or false, found {}",
                            found(v)));
      } else if (key == "shutdown_grace") {
        const auto* s = v.as_string();
        const auto parsed = s ? parseDurationText(s->get())
                              : std::variant<int64_t, std::string>(std::string("not a string"));
        const int64_t* ms = std::get_if<int64_t>(&parsed);
        if (ms == nullptr || *ms <= 0 || *ms > kMaxShutdownGraceMs)
          error(posOf(k.source()), key_path,
                fmt::format("expected a duration from \"1s\" to \"1h\" like \"30s\", found {}",
                            found(v)));
        else
          service.shutdown_grace_ms = *ms;
      } else if (key == "tls_cert" || key == "tls_key") {
        const bool cert = key == "tls_cert";
        (cert ? cert_pos : key_pos) = posOf(k.source());
        if (const auto* s =
                expectString(v, k, key_path, cert ? "\"tls/cert.pem\"" : "\"tls/key.pem\"")) {
          if (s->empty()) {
            error(posOf(k.source()), key_path,
                  fmt::format("the path is empty: write the PEM file of the {}, or remove both "
                              "tls_cert and tls_key to serve plain HTTP",
                              cert ? "certificate (chain)" : "private key"));
          } else {
            fs::path p(*s);
            if (p.is_relative()) p = dir_ / p;
            (cert ? service.tls_cert : service.tls_key) = p.lexically_normal();
          }
        }
      } else {
        unknownKey(k, "service", kKeys,
                   "the service's settings are listen, metrics_open, shutdown_grace, tls_cert "
                   "and tls_key");
      }
    }
    // One without the other would serve plain HTTP while the file says HTTPS.
    if (cert_pos && !key_pos)
      error(*cert_pos, "service.tls_cert",
            "tls_cert is set without tls_key: add tls_key = \"….pem\" (the certificate's "
            "private key), or remove tls_cert to serve plain HTTP");
    if (key_pos && !cert_pos)
      error(*key_pos, "service.tls_key",
            "tls_key is set without tls_cert: add tls_cert = \"….pem\" (the certificate, with "
            "its chain), or remove tls_key to serve plain HTTP");
    if (service.tls_cert.empty() || service.tls_key.empty()) {
      service.tls_cert.clear();
      service.tls_key.clear();
    }
  }

  // ---- [backup] ----

  void readBackup(const toml::table& t, BackupConfig& backup) {
    static constexpr std::string_view kKeys[] = {"dir", "every", "keep"};
    std::optional<SourcePos> every_pos, keep_pos;
    bool has_dir = false;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const std::string key_path = joinKey("backup", key);
      if (key == "dir") {
        has_dir = true;
        if (const auto* s = expectString(v, k, key_path, "\"/var/lib/rflow/backups\"")) {
          if (s->empty()) {
            error(posOf(k.source()), key_path,
                  "the backup directory is empty: write where backups go, like "
                  "\"/var/lib/rflow/backups\"");
          } else {
            fs::path p(*s);
            if (p.is_relative()) p = dir_ / p;
            backup.dir = p.lexically_normal();
          }
        }
      } else if (key == "every") {
        every_pos = posOf(k.source());
        const auto* s = v.as_string();
        const auto parsed = s ? parseDurationText(s->get())
                              : std::variant<int64_t, std::string>(std::string("not a string"));
        const int64_t* ms = std::get_if<int64_t>(&parsed);
        if (ms == nullptr || *ms < kMinBackupEveryMs || *ms > kMaxBackupEveryMs)
          error(posOf(k.source()), key_path,
                fmt::format("expected a duration from \"1m\" to \"30d\" like \"6h\", found {}",
                            found(v)));
        else
          backup.every_ms = *ms;
      } else if (key == "keep") {
        keep_pos = posOf(k.source());
        const auto* i = v.as_integer();
        if (!i || i->get() < 1 || i->get() > kMaxBackupKeep)
          error(posOf(k.source()), key_path,
                fmt::format("expected how many backups to keep, from 1 to {}, found {}",
                            kMaxBackupKeep, found(v)));
        else
          backup.keep = static_cast<uint32_t>(i->get());
      } else {
        unknownKey(k, "backup", kKeys, "the backup settings are dir, every and keep");
      }
    }
    if (!has_dir && (every_pos || keep_pos))
      error(every_pos ? *every_pos : *keep_pos, "backup.dir",
            "backups need a directory: add dir = \"/var/lib/rflow/backups\" (the service writes "
            "its backups there)");
  }

  // ---- [cluster] ----

  static bool isNodeName(std::string_view n) {
    return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_';
    });
  }

  void readClusterNats(const toml::node& v, const toml::key& k, ClusterConfig& cluster) {
    const auto* list = v.as_array();
    if (!list || list->empty()) {
      error(posOf(k.source()), "cluster.nats",
            fmt::format("expected the NATS servers' client URLs, like [\"nats://10.0.0.1:4222\", "
                        "\"nats://10.0.0.2:4222\", \"nats://10.0.0.3:4222\"], found {}",
                        list ? "an empty list" : found(v)));
      return;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::node& item = *list->get(i);
      const std::string path = fmt::format("cluster.nats[{}]", i);
      const auto* s = item.as_string();
      const std::string_view text = s ? std::string_view(s->get()) : std::string_view();
      const size_t scheme = text.find("://");
      const std::string_view name = scheme == std::string_view::npos ? "" : text.substr(0, scheme);
      if (!s || (name != "nats" && name != "tls") || text.size() <= scheme + 3) {
        error(posOf(item.source()), path,
              fmt::format("expected a NATS client URL like \"nats://10.0.0.1:4222\", found {}",
                          found(item)));
        continue;
      }
      cluster.nats.push_back(s->get());
    }
  }

  void readCluster(const toml::table& t, SourcePos section, ClusterConfig& cluster) {
    static constexpr std::string_view kKeys[] = {"node",       "nats",     "advertise",
                                                 "partitions", "replicas", "member_ttl"};
    cluster.enabled = true;
    bool has_node = false, has_nats = false, has_advertise = false;
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      const std::string key_path = joinKey("cluster", key);
      if (key == "node") {
        has_node = true;
        if (const auto* s = expectString(v, k, key_path, "\"rflow-1\"")) {
          if (!isNodeName(*s))
            error(posOf(k.source()), key_path,
                  fmt::format("a node name is 1 to 64 letters, digits, '-' or '_', unique in the "
                              "cluster, like \"rflow-1\"; found {}",
                              found(v)));
          else
            cluster.node = *s;
        }
      } else if (key == "nats") {
        has_nats = true;
        readClusterNats(v, k, cluster);
      } else if (key == "advertise") {
        has_advertise = true;
        if (const auto* s = expectString(v, k, key_path, "\"http://10.0.0.5:8080\"")) {
          auto url = parseHttpUrl(*s);
          if (auto* why = std::get_if<std::string>(&url))
            error(posOf(k.source()), key_path,
                  fmt::format("expected the URL the other nodes reach this one's API at, like "
                              "\"http://10.0.0.5:8080\": {}",
                              *why));
          else
            cluster.advertise = *s;
        }
      } else if (key == "partitions") {
        const auto* i = v.as_integer();
        if (!i || i->get() < 1 || i->get() > kMaxPartitions)
          error(posOf(k.source()), key_path,
                fmt::format("expected the number of partitions, from 1 to {} (fixed when the "
                            "cluster is created; every node must say the same), found {}",
                            kMaxPartitions, found(v)));
        else
          cluster.partitions = static_cast<uint32_t>(i->get());
      } else if (key == "replicas") {
        const auto* i = v.as_integer();
        if (!i || (i->get() != 1 && i->get() != 3))
          error(posOf(k.source()), key_path,
                fmt::format("expected 3 (each partition log on three NATS servers: a cluster "
                            "that survives losing one) or 1 (a single NATS server), found {}",
                            found(v)));
        else
          cluster.replicas = static_cast<int>(i->get());
      } else if (key == "member_ttl") {
        const auto* s = v.as_string();
        const auto parsed = s ? parseDurationText(s->get())
                              : std::variant<int64_t, std::string>(std::string("not a string"));
        const int64_t* ms = std::get_if<int64_t>(&parsed);
        if (ms == nullptr || *ms < kMinMemberTtlMs || *ms > kMaxMemberTtlMs)
          error(posOf(k.source()), key_path,
                fmt::format("expected a duration from \"1s\" to \"5m\" like \"10s\" (a node "
                            "silent this long is taken for dead and its partitions move), "
                            "found {}",
                            found(v)));
        else
          cluster.member_ttl_ms = *ms;
      } else {
        unknownKey(k, "cluster", kKeys,
                   "the cluster settings are node, nats, advertise, partitions, replicas and "
                   "member_ttl");
      }
    }
    if (!has_node)
      error(section, "cluster.node",
            "a cluster node needs a name: add node = \"rflow-1\" (unique in the cluster)");
    if (!has_nats)
      error(section, "cluster.nats",
            "a cluster node needs its NATS servers: add nats = [\"nats://10.0.0.1:4222\", …]");
    if (!has_advertise)
      error(section, "cluster.advertise",
            "a cluster node needs the URL the other nodes forward requests to: add "
            "advertise = \"http://10.0.0.5:8080\" (its [service] listen address as reachable "
            "from them)");
  }

  static bool parseListen(const std::string& text, ServiceConfig& service) {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    if (host.front() == '[') {
      if (host.size() < 3 || host.back() != ']') return false;
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
      return false;  // an IPv6 address needs brackets
    }
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(),
                                             [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    const int port = std::stoi(port_text);
    if (port > 65535) return false;
    if (std::any_of(host.begin(), host.end(), [](char c) { return c == ' ' || c == '/'; }))
      return false;
    service.listen = text;
    service.host = std::move(host);
    service.port = static_cast<uint16_t>(port);
    return true;
  }

  std::string file_;
  fs::path dir_;
  const Environment& env_;
  ConfigErrors errors_;
};

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
