// SHA-256 (through OpenSSL's libcrypto) for a module's content hash, and the hash's
// text forms. The content hash is the deployment's version: the engine and the service
// name a module by hashHex() of it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace rflow::bytecode {

using Sha256 = std::array<uint8_t, 32>;

Sha256 sha256(std::span<const uint8_t> bytes);

// 64 lower-case hex digits.
std::string hashHex(const Sha256& hash);

}  // namespace rflow::bytecode
