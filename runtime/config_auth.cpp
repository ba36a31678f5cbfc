// rflow.toml's [[auth.users]]: users, their roles and their tokens' hashes.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

#include "runtime/config_reader.h"

namespace rflow::runtime::config_read {

void Reader::readAuth(const toml::table& auth, Config& config) {
  static constexpr std::string_view kKeys[] = {"users"};
  for (auto&& [k, v] : auth) {
    if (k.str() != "users") {
      unknownKey(k, "auth", kKeys, "the auth section holds only [[auth.users]] entries");
      continue;
    }
    const auto* users = v.as_array();
    if (!users || !users->is_array_of_tables()) {
      error(posOf(k.source()), "auth.users",
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

std::optional<AuthUser> Reader::readUser(const toml::table& u, const std::string& path) {
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
        if (s->empty() || std::any_of(s->begin(), s->end(),
                                      [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
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
          error(posOf(k.source()), key_path,
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

void Reader::checkUnique(const Config& config, const AuthUser& user, const std::string& path) {
  for (const AuthUser& other : config.users) {
    if (other.name == user.name)
      error(
          user.pos, joinKey(path, "name"),
          fmt::format("user `{}` is listed twice (also at line {}): give each user one entry with "
                      "all their roles",
                      user.name, other.pos.line));
    if (other.token_sha256 == user.token_sha256)
      error(user.pos, joinKey(path, "token_sha256"),
            fmt::format("users `{}` and `{}` have the same token: each user needs their own",
                        other.name, user.name));
  }
}

}  // namespace rflow::runtime::config_read
