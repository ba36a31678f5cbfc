// Token hashing, constant-time lookup and the first-start admin token.
#include "service/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rflow::service {

namespace fs = std::filesystem;

Digest sha256(std::string_view bytes) {
  Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data());
  return out;
}

std::string hexOf(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::optional<Digest> parseDigest(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Digest out{};
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return out;
}

bool Caller::isAdmin() const {
  for (const std::string& r : roles) {
    if (r == kAdminRole) return true;
  }
  return false;
}

bool Caller::holdsRole(std::string_view role) const {
  for (const std::string& r : roles) {
    const size_t dot = r.rfind('.');
    const std::string_view declared =
        dot == std::string::npos ? std::string_view(r) : std::string_view(r).substr(dot + 1);
    if (r == role || declared == role) return true;
  }
  return false;
}

Authenticator Authenticator::fromConfig(const runtime::Config& config) {
  std::vector<User> users;
  for (const runtime::AuthUser& u : config.users) {
    if (auto digest = parseDigest(u.token_sha256)) users.push_back({u.name, u.roles, *digest});
  }
  return Authenticator(std::move(users));
}

std::optional<Caller> Authenticator::authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size()) return std::nullopt;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    // The scheme is case-insensitive (RFC 7235).
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kBearer[i])))
      return std::nullopt;
  }
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  const Digest presented = sha256(token);
  const User* found = nullptr;
  for (const User& user : users_) {
    // Every user is compared, whatever matched before.
    const bool equal = CRYPTO_memcmp(presented.data(), user.digest.data(), presented.size()) == 0;
    if (equal && found == nullptr) found = &user;
  }
  if (found == nullptr) return std::nullopt;
  return Caller{found->name, found->roles};
}

std::optional<std::string> newAdminToken() {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return std::nullopt;
  Digest raw{};
  std::copy(random.begin(), random.end(), raw.begin());
  return "rflow_" + hexOf(raw);
}

std::variant<AdminBootstrap, std::string> ensureAdminToken(const fs::path& data_dir) {
  AdminBootstrap out;
  out.file = data_dir / std::string(kAdminTokenFile);
  out.user.name = "admin";
  out.user.roles = {std::string(kAdminRole)};
  std::error_code ec;
  if (fs::exists(out.file, ec)) {
    std::ifstream in(out.file);
    std::stringstream text;
    text << in.rdbuf();
    std::string hex = text.str();
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ' || hex.back() == '\r'))
      hex.pop_back();
    auto digest = parseDigest(hex);
    if (!digest)
      return out.file.string() +
             " does not hold a SHA-256 hash (64 hex digits); delete it to have a new admin "
             "token made at the next start";
    out.user.digest = *digest;
    return out;
  }
  fs::create_directories(data_dir, ec);
  if (ec) return "cannot create the data directory " + data_dir.string() + ": " + ec.message();
  std::optional<std::string> token = newAdminToken();
  if (!token) return "the system could not provide random bytes for an admin token";
  out.user.digest = sha256(*token);
  // Written to a temporary file, then renamed: a crash never leaves half a hash.
  const fs::path temp = out.file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return "cannot write " + temp.string() + ": " + std::strerror(errno);
  const std::string line = hexOf(out.user.digest) + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) return "cannot write " + temp.string();
  fs::rename(temp, out.file, ec);
  if (ec) return "cannot write " + out.file.string() + ": " + ec.message();
  out.new_token = token;
  return out;
}

}  // namespace rflow::service
