// Bearer-token authentication (runtime.md §7): tokens map to a user and roles in
// rflow.toml's [[auth.users]], stored only as SHA-256 hashes; with none configured, the
// first start creates an admin token in the data directory and prints it once.
//
// Invariants:
//   - A token is compared as its SHA-256 digest against EVERY user's digest with a
//     constant-time comparison and no early exit, so timing tells nothing about which
//     bytes or which user matched.
//   - Tokens exist only in the request that carries them and, once, on the terminal that
//     created one; they are never stored, logged or put in a message.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/config.h"

namespace rflow::service {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view bytes);
std::string hexOf(const Digest& digest);
std::optional<Digest> parseDigest(std::string_view hex);

// The role name that grants deployment, cancellation and everything else admin-only.
inline constexpr std::string_view kAdminRole = "admin";

// Who made a request.
struct Caller {
  std::string name;                // the User id
  std::vector<std::string> roles;  // as configured: declared or qualified role names, "admin"

  bool isAdmin() const;
  // Holds the role whose declared name is `role` ("StoreManager"); a configured
  // qualified name ("retail.common.StoreManager") counts by its last segment.
  bool holdsRole(std::string_view role) const;
};

class Authenticator {
 public:
  struct User {
    std::string name;
    std::vector<std::string> roles;
    Digest digest{};
  };

  explicit Authenticator(std::vector<User> users) : users_(std::move(users)) {}
  // The configured users (their hashes are validated by Config).
  static Authenticator fromConfig(const runtime::Config& config);

  // The caller for an Authorization header ("Bearer <token>"); nullopt when it is
  // missing, not a bearer token, or no user's.
  std::optional<Caller> authenticate(std::string_view authorization) const;
  bool empty() const { return users_.empty(); }
  void add(User user) { users_.push_back(std::move(user)); }

 private:
  std::vector<User> users_;
};

// The file, in the data directory, that holds the hash of the token made on first start.
inline constexpr std::string_view kAdminTokenFile = "admin-token.sha256";

struct AdminBootstrap {
  Authenticator::User user;              // "admin", roles ["admin"]
  std::optional<std::string> new_token;  // set only when it was created just now
  std::filesystem::path file;
};

// A new admin token: "rflow_" and 64 hex digits of 32 random bytes; nullopt when the
// system cannot provide random bytes.
std::optional<std::string> newAdminToken();

// Reads the admin token's hash from `data_dir`, or creates a token (32 random bytes),
// writes its hash there (mode 0600, atomically) and returns the token to print once.
std::variant<AdminBootstrap, std::string> ensureAdminToken(const std::filesystem::path& data_dir);

}  // namespace rflow::service
