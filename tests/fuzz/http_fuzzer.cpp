// Fuzz target for `rflow serve`'s request decoding: any bytes, read as one HTTP request
// from a connection, must give a well-formed reply (or none, when the head is cut short
// before its blank line), never a crash, a hang, a leak or a 500. The bytes go through
// Server::serveRaw, so they meet the plain-HTTP transport's parsing (service/http1.h and
// http1_connection.h, exactly what a socket's bytes meet), the service's size limits and
// pre-routing checks, the router, the access checks, body parsing and the handlers — the
// engine really starts instances and decides tasks (http_fuzz.h describes the fixture).
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// http_fuzz_test (http_mutation_driver.cpp) in every build.
#include <fmt/format.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "../service/shop_project.h"
#include "http_fuzz.h"
#include "service/auth.h"
#include "service/serve.h"

namespace rflow::service::fuzzing {

namespace {

namespace fs = std::filesystem;

// The service tests' shop project (tests/service/shop_project.h) without its schedule
// trigger, which would start instances at moments no run controls, and with a classifier
// for the model uploads of the seeds (classifier_*.http) to reach.
const std::string kProject = std::string(service::testing::kShopModule) + R"rflow(
enum Aisle { Refrigeration, Pricing, Staffing, Damage }
classifier AisleOf -> Aisle {
  threshold 0.6
}
)rflow";

// 2027-01-15T09:00:00Z: the clock of every run.
constexpr int64_t kNow = 1'800'003'600'000;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "http fuzz fixture: %s\n", why.c_str());
  std::abort();
}

// The bytes with control characters and non-ASCII escaped, cut to `limit`.
std::string printable(std::string_view bytes, size_t limit = 2000) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n') {
      out += "\\n\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bytes.size() > limit) out += fmt::format("… ({} bytes)", bytes.size());
  return out;
}

std::string post(const std::string& path, const std::string& token, const std::string& body) {
  return fmt::format(
      "POST {} HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer {}\r\nContent-Type: "
      "application/json\r\nContent-Length: {}\r\n\r\n{}",
      path, token, body.size(), body);
}

class Fixture {
 public:
  Fixture() {
    char templ[] = "/tmp/rflow-http-fuzz-XXXXXX";
    const char* made = ::mkdtemp(templ);
    if (made == nullptr) die("cannot make a temporary directory");
    dir_ = made;
    std::ofstream(dir_ / "shop.rflow") << kProject;
    std::ofstream config(dir_ / "rflow.toml");
    for (const auto& [name, role] : {std::pair{"ann", "Buyer"}, std::pair{"bob", "Buyer"},
                                     std::pair{"cy", "Clerk"}, std::pair{"root", "admin"}}) {
      config << "[[auth.users]]\nname = \"" << name << "\"\nroles = [\"" << role
             << "\"]\ntoken_sha256 = \"" << hexOf(sha256(std::string(name) + "-token")) << "\"\n\n";
    }
    // Async: the store's log is not synced per commit, so thousands of runs stay fast.
    config << "[engine]\ndurability = \"async\"\nworkers = 1\n";
    config.close();

    ServeOptions options;
    options.path = dir_.string();
    options.data = (dir_ / "data").string();
    options.listen = "127.0.0.1:0";
    options.clock = &clock_;
    options.print = [](const std::string&) {};
    auto opened = Server::open(options);
    if (auto* problem = std::get_if<std::string>(&opened)) die(*problem);
    server_ = std::move(std::get<std::unique_ptr<Server>>(opened));
    prime();
  }

  ~Fixture() {
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string serve(std::string_view request) {
    std::string reply = server_->serveRaw(request);
    // A mutated deployment that still compiles replaces the project; put it back.
    if (server_->engine().currentVersion().value_or("") != version_) redeploy();
    return reply;
  }

 private:
  // The instances and tasks the seeds name (http_fuzz.h).
  void prime() {
    // Deployed through the API too, so the version is the one a redeployment gives (the
    // version hashes the source paths, which differ from the ones `rflow serve` read).
    redeploy();
    const auto order = [](const char* id) {
      return nlohmann::json{
          {"o", {{"id", id}, {"total", {{"amount", "120.00"}, {"currency", "USD"}}}}},
          {"by", "ann"}}
          .dump();
    };
    expect(post("/v1/workflows/Purchase/instances", "ann-token", order("P-1")), 201);
    expect(post("/v1/workflows/Count/instances", "ann-token", R"({"aisle": 4})"), 201);
    expect(post("/v1/workflows/Review/instances", "ann-token", R"({"who": "cy"})"), 201);
    expect(post("/v1/workflows/Purchase/instances", "ann-token", order("P-2")), 201);
    expect(post("/v1/tasks/tk-0000000004/decision", "bob-token", R"({"approve": true})"), 200);
  }

  void redeploy() {
    const std::string body = nlohmann::json{{"files", {{"shop.rflow", kProject}}}}.dump();
    expect(post("/v1/deployments", "root-token", body), 201);
    const std::string version = server_->engine().currentVersion().value_or("");
    if (!version_.empty() && version != version_)
      die("redeploying the project did not bring its version back");
    version_ = version;
  }

  void expect(const std::string& request, int status) {
    const std::string reply = server_->serveRaw(request);
    if (statusOf(reply) != status)
      die(fmt::format("expected {} for\n{}\ngot\n{}", status, printable(request),
                      printable(reply)));
  }

  fs::path dir_;
  engine::ManualClock clock_{kNow};
  std::unique_ptr<Server> server_;
  std::string version_;
};

Fixture& fixture() {
  // Opened once and kept for every run: starting a server per input would measure
  // RocksDB and the compiler, not the request decoding.
  static Fixture instance;
  return instance;
}

// The status of the status line at the start of `reply`, or -1 when it is not one.
int statusLine(std::string_view reply) {
  constexpr std::string_view kVersion = "HTTP/1.1 ";
  if (!reply.starts_with(kVersion) || reply.size() < kVersion.size() + 4) return -1;
  int status = 0;
  for (size_t i = 0; i < 3; ++i) {
    const char c = reply[kVersion.size() + i];
    if (c < '0' || c > '9') return -1;
    status = status * 10 + (c - '0');
  }
  return reply[kVersion.size() + 3] == ' ' ? status : -1;
}

}  // namespace

int statusOf(std::string_view reply) {
  if (reply.empty()) return 0;
  int status = statusLine(reply);
  // `Expect: 100-continue` gives an interim `100 Continue` before the real answer.
  while (status >= 100 && status < 200) {
    const size_t end = reply.find("\r\n\r\n");
    if (end == std::string_view::npos) return -1;
    reply.remove_prefix(end + 4);
    if (reply.empty()) return status;  // the request ended before its body
    status = statusLine(reply);
  }
  return status;
}

std::string serveChecked(std::string_view request) {
  std::string reply = fixture().serve(request);
  const int status = statusOf(reply);
  if (status == -1 || (status >= 500 && status != 503)) {
    std::fprintf(stderr, "http fuzz: %s for the request\n%s\n--- reply:\n%s\n",
                 status == -1 ? "a malformed reply" : "a server error", printable(request).c_str(),
                 printable(reply).c_str());
    std::abort();
  }
  return reply;
}

}  // namespace rflow::service::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The service refuses bodies past 4 MiB unread; larger inputs only make runs slower.
  if (size > 1024 * 1024) return -1;
  rflow::service::fuzzing::serveChecked(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
