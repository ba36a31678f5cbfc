#include "bytecode/hash.h"

#include <openssl/evp.h>

namespace rflow::bytecode {

Sha256 sha256(std::span<const uint8_t> bytes) {
  Sha256 out{};
  unsigned int size = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate its context; SHA-256 itself has
  // no failure mode, and the process is out of memory anyway.
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

std::string hashHex(const Sha256& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * hash.size());
  for (uint8_t b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

}  // namespace rflow::bytecode
