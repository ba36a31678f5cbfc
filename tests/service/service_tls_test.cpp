// HTTPS (issue 16): `[service] tls_cert` and `tls_key` with a certificate the test makes.
// The context's checks, each wrong file named with what to do; a served HTTPS API that
// answers as plain HTTP does; plain HTTP and TLS 1.1 to the TLS port refused; and the
// start-up warning for plain HTTP on an address other machines can reach.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "service/tls.h"
#include "service_test_util.h"
#include "tls_test_util.h"

namespace rflow::service::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TlsFilesTest : public ::testing::Test {
 protected:
  TlsFilesTest() {
    char templ[] = "/tmp/rflow-tls-test-XXXXXX";
    dir_ = ::mkdtemp(templ);
    pem_ = makeTestPem();
    other_ = makeTestPem();
    write("cert.pem", pem_.cert);
    write("key.pem", pem_.key);
  }
  ~TlsFilesTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  // setUpTls on a fresh context: nullopt, or the problem.
  std::optional<std::string> setUp(const fs::path& cert, const fs::path& key,
                                   int* min_version = nullptr) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                          SSL_CTX_free);
    auto problem = setUpTls(*ctx, {cert, key});
    if (min_version) *min_version = static_cast<int>(SSL_CTX_get_min_proto_version(ctx.get()));
    return problem;
  }

  fs::path dir_;
  TestPem pem_;
  TestPem other_;
};

TEST_F(TlsFilesTest, AMatchingPairServesTls12AndLater) {
  int min_version = 0;
  EXPECT_EQ(setUp(dir_ / "cert.pem", dir_ / "key.pem", &min_version), std::nullopt);
  EXPECT_EQ(min_version, TLS1_2_VERSION);
}

TEST_F(TlsFilesTest, EachWrongFileIsNamedWithWhatToDo) {
  const fs::path cert = dir_ / "cert.pem";
  const fs::path key = dir_ / "key.pem";
  const auto problem = [&](const fs::path& c, const fs::path& k) {
    return setUp(c, k).value_or("(accepted)");
  };
  EXPECT_EQ(problem(dir_ / "none.pem", key),
            "[service] tls_cert = \"" + (dir_ / "none.pem").string() +
                "\": there is no such file; fix the path in rflow.toml (relative paths are "
                "relative to its directory), or remove tls_cert and tls_key to serve plain HTTP");
  EXPECT_NE(problem(cert, dir_ / "none.pem").find("[service] tls_key = \""), std::string::npos);
  EXPECT_NE(problem(dir_, key).find("this is a directory"), std::string::npos);
  EXPECT_NE(
      problem(write("junk.pem", "not a certificate"), key)
          .find("the file holds no PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block)"),
      std::string::npos);
  // The files swapped: the key setting names a certificate.
  EXPECT_NE(
      problem(cert, cert)
          .find("[service] tls_key = \"" + cert.string() + "\": the file holds no PEM private key"),
      std::string::npos);
  EXPECT_EQ(problem(cert, write("other-key.pem", other_.key)),
            "the private key " + (dir_ / "other-key.pem").string() +
                " does not belong to the certificate " + cert.string() +
                " ([service] tls_key and tls_cert): name the key the certificate was made for, or "
                "the certificate made for this key");
  EXPECT_NE(problem(cert, write("locked.pem", pem_.encrypted_key))
                .find("the private key is encrypted with a passphrase, which rflow serve cannot "
                      "ask for"),
            std::string::npos);
  if (::geteuid() != 0) {  // root reads any file
    const fs::path hidden = write("hidden.pem", pem_.key);
    fs::permissions(hidden, fs::perms::none);
    EXPECT_NE(problem(cert, hidden).find("the file cannot be read"), std::string::npos);
  }
}

TEST(TlsLoopback, OnlyThisMachinesAddresses) {
  for (const char* host : {"127.0.0.1", "127.3.2.1", "::1", "localhost"})
    EXPECT_TRUE(isLoopback(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "127.example.com", ""})
    EXPECT_FALSE(isLoopback(host)) << host;
}

// A TLS handshake with the server, offering at most `max_version`; whether it completed.
bool handshake(int port, int max_version) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  // Let the client offer the old protocols at all (OpenSSL 3 refuses them at level 1).
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "DEFAULT@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return false;
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  const bool done = SSL_connect(ssl.get()) == 1;
  if (done) SSL_shutdown(ssl.get());
  ::close(fd);
  return done;
}

class HttpsServeTest : public TlsFilesTest {
 protected:
  std::string tlsTable(const fs::path& cert, const fs::path& key) {
    return "[service]\ntls_cert = \"" + cert.string() + "\"\ntls_key = \"" + key.string() + "\"\n";
  }
};

TEST_F(HttpsServeTest, AnswersLikePlainHttpAndRefusesPlainHttpAndTls11) {
  TestServer plain;
  ASSERT_TRUE(plain.ok()) << plain.problem();
  const Reply plain_me = plain.get("/v1/me", kAnn);
  plain.stop();

  TestServer server(kShopProject, true, tlsTable(dir_ / "cert.pem", dir_ / "key.pem"));
  ASSERT_TRUE(server.ok()) << server.problem();
  EXPECT_EQ(server.server().url().rfind("https://127.0.0.1:", 0), 0u) << server.server().url();
  const int port = server.server().port();

  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path((dir_ / "cert.pem").c_str());
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(10, 0);
  const httplib::Headers auth{{"Authorization", std::string("Bearer ") + kAnn}};
  auto me = client.Get("/v1/me", auth);
  ASSERT_TRUE(me) << httplib::to_string(me.error());
  EXPECT_EQ(me->status, 200);
  json body = json::parse(me->body);
  json expected = plain_me.body;
  body.erase("now");
  expected.erase("now");
  EXPECT_EQ(body, expected);
  auto started =
      client.Post("/v1/workflows/Count/instances", auth, R"({"aisle": 4})", "application/json");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 201) << started->body;
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  // Plain HTTP to the TLS port: the handshake fails and the connection closes, no answer.
  httplib::Client cleartext("127.0.0.1", port);
  cleartext.set_read_timeout(5, 0);
  EXPECT_FALSE(cleartext.Get("/healthz"));

  EXPECT_FALSE(handshake(port, TLS1_1_VERSION));
  EXPECT_FALSE(handshake(port, TLS1_VERSION));
  EXPECT_TRUE(handshake(port, TLS1_2_VERSION));
  EXPECT_TRUE(handshake(port, TLS1_3_VERSION));
  // Still serving after the refused ones.
  auto again = client.Get("/v1/me", auth);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpsServeTest, AWrongKeyStopsTheStartNamingIt) {
  const fs::path other_key = write("other-key.pem", other_.key);
  TestServer server(kShopProject, true, tlsTable(dir_ / "cert.pem", other_key));
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.problem().find("HTTPS cannot be served: the private key " + other_key.string() +
                                  " does not belong to the certificate"),
            std::string::npos)
      << server.problem();
}

// Plain HTTP on an address other machines reach is served, with a warning at start.
TEST_F(HttpsServeTest, PlainHttpBeyondLoopbackWarns) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.problem();
  const auto warned = [](const std::vector<std::string>& lines) {
    for (const std::string& line : lines) {
      if (line.find("rflow serve: warning: ") == 0 &&
          line.find("over plain HTTP: bearer tokens") != std::string::npos)
        return true;
    }
    return false;
  };
  EXPECT_FALSE(warned(server.printed()));
  server.stop();
  std::vector<std::string> printed;
  ServeOptions options;
  options.path = server.dir().string();
  options.data = (server.dir() / "data").string();
  options.listen = "0.0.0.0:0";
  options.print = [&](const std::string& line) { printed.push_back(line); };
  auto opened = Server::open(options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Server>>(opened))
      << std::get<std::string>(opened);
  EXPECT_TRUE(warned(printed));
  std::get<std::unique_ptr<Server>>(opened)->stop();
}

}  // namespace
}  // namespace rflow::service::testing
