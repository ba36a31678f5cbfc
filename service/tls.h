// Tls: the OpenSSL server context behind `[service] tls_cert` and `tls_key` (HTTPS).
//
// Invariants of a context setUpTls() accepted: TLS 1.2 or later only (1.0 and 1.1 are
// refused in the handshake), no TLS compression or renegotiation, the certificate chain
// and the private key loaded from PEM files and checked to belong together. Every
// problem is found at start-up, never at the first handshake, and is described naming
// the file, the setting and what to do.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace rflow::service {

struct TlsFiles {
  std::filesystem::path cert;  // PEM: the server's certificate first, then its chain
  std::filesystem::path key;   // PEM: its private key, not encrypted
};

// Configures `ctx` to serve with `files`. Returns why it cannot.
std::optional<std::string> setUpTls(SSL_CTX& ctx, const TlsFiles& files);
// setUpTls on a context of its own: for a start to stop on a wrong file before it opens
// the store or makes a first admin token.
std::optional<std::string> checkTls(const TlsFiles& files);

// Whether `host` (an address or name as in `listen`) is only reachable from this machine:
// 127.0.0.0/8, ::1 or localhost. Elsewhere plain HTTP sends tokens in clear text.
bool isLoopback(const std::string& host);

}  // namespace rflow::service
