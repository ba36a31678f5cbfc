// Loading and checking the certificate and key, and the protocol floor.
#include "service/tls.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace rflow::service {

namespace fs = std::filesystem;

namespace {

// A PEM certificate chain or key is a few KiB; anything this large is the wrong file.
constexpr uintmax_t kMaxPemBytes = uintmax_t{1} << 20;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// OpenSSL's queued errors as one phrase ("" when there are none); clears the queue.
std::string opensslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    out += (out.empty() ? "" : "; ") + std::string(text);
  }
  return out.empty() ? out : " (OpenSSL: " + out + ")";
}

// The setting and file, as every message names them.
std::string named(std::string_view setting, const fs::path& file) {
  return fmt::format("[service] {} = \"{}\"", setting, file.string());
}

// The file's bytes, or why they cannot be had.
std::optional<std::string> readPem(std::string_view setting, const fs::path& file,
                                   std::string& bytes) {
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (status.type() == fs::file_type::not_found)
    return fmt::format(
        "{}: there is no such file; fix the path in rflow.toml (relative paths are "
        "relative to its directory), or remove tls_cert and tls_key to serve plain "
        "HTTP",
        named(setting, file));
  if (!ec && status.type() == fs::file_type::directory)
    return fmt::format("{}: this is a directory; name the PEM file in it", named(setting, file));
  const uintmax_t size = fs::file_size(file, ec);
  if (!ec && size > kMaxPemBytes)
    return fmt::format(
        "{}: the file has {} bytes, not a PEM file of a few KiB; name the right file",
        named(setting, file), size);
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fmt::format(
        "{}: the file cannot be read ({}); make it readable by the user rflow serve "
        "runs as (the package's unit runs as `rflow`: `chgrp rflow FILE; chmod "
        "0640 FILE`)",
        named(setting, file), std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  bytes = std::move(text).str();
  return std::nullopt;
}

// No passphrase is ever given: OpenSSL's default would prompt on the terminal, which a
// service does not have.
int noPassphrase(char*, int, int, void*) {
  return -1;
}

std::unique_ptr<BIO, BioFree> memoryBio(const std::string& bytes) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

}  // namespace

std::optional<std::string> setUpTls(SSL_CTX& ctx, const TlsFiles& files) {
  ERR_clear_error();
  std::string cert_pem;
  std::string key_pem;
  if (auto problem = readPem("tls_cert", files.cert, cert_pem)) return problem;
  if (auto problem = readPem("tls_key", files.key, key_pem)) return problem;

  // Read here first, rather than by SSL_CTX_use_*_file, to say which file is wrong and how.
  auto cert_bio = memoryBio(cert_pem);
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, noPassphrase, nullptr));
  if (!cert)
    return fmt::format(
        "{}: the file holds no PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block){}; "
        "name the certificate file (a DER file converts with `openssl x509 -inform der -in "
        "cert.der -out cert.pem`)",
        named("tls_cert", files.cert), opensslErrors());
  auto key_bio = memoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, noPassphrase, nullptr));
  if (!key) {
    if (key_pem.find("ENCRYPTED") != std::string::npos) {
      ERR_clear_error();
      return fmt::format(
          "{}: the private key is encrypted with a passphrase, which rflow serve cannot ask "
          "for; store it unencrypted (`openssl pkey -in key.pem -out plain.pem`) and readable "
          "only by the service's user",
          named("tls_key", files.key));
    }
    return fmt::format(
        "{}: the file holds no PEM private key (a \"-----BEGIN PRIVATE KEY-----\" block){}; "
        "name the key the certificate was made for",
        named("tls_key", files.key), opensslErrors());
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return fmt::format(
        "the private key {} does not belong to the certificate {} ([service] tls_key and "
        "tls_cert): name the key the certificate was made for, or the certificate made for "
        "this key",
        files.key.string(), files.cert.string());
  }

  SSL_CTX_set_default_passwd_cb(&ctx, noPassphrase);
  // The chain from the file (intermediates after the server's certificate), as browsers
  // and curl need it; the key already read.
  if (SSL_CTX_use_certificate_chain_file(&ctx, files.cert.c_str()) != 1)
    return fmt::format(
        "{}: the certificate chain cannot be used{}; put the server's "
        "certificate first, then its intermediates, all in PEM",
        named("tls_cert", files.cert), opensslErrors());
  if (SSL_CTX_use_PrivateKey(&ctx, key.get()) != 1 || SSL_CTX_check_private_key(&ctx) != 1)
    return fmt::format("{}: the key cannot be used with the certificate{}",
                       named("tls_key", files.key), opensslErrors());
  // TLS 1.0 and 1.1 are deprecated (RFC 8996) and refused by PCI DSS.
  if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1)
    return "TLS 1.2 cannot be set as the lowest protocol version" + opensslErrors();
  SSL_CTX_set_options(
      &ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return std::nullopt;
}

std::optional<std::string> checkTls(const TlsFiles& files) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                        SSL_CTX_free);
  if (!ctx) return "OpenSSL cannot make a TLS context" + opensslErrors();
  return setUpTls(*ctx, files);
}

bool isLoopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace rflow::service
