// A running `rflow serve` for tests: a small project written to a temporary directory
// with an rflow.toml of known users, served by service::Server on 127.0.0.1 with an
// ephemeral port, and an HTTP client that speaks to it over real sockets.
#pragma once

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "service/serve.h"
#include "shop_project.h"

namespace rflow::service::testing {

// The project every test starts from: shop_project.h's module with its schedule trigger.
extern const std::string kShopProject;

// Tokens of the configured users: ann and bob (Buyer), cy (Clerk), root (admin).
// The clock the time-driven tests start at: Friday 2027-01-15T08:00:00Z.
inline constexpr int64_t kStart = 1'800'000'000'000;
inline constexpr int64_t kHourMs = 3'600'000;
inline constexpr int64_t kDayMs = 24 * kHourMs;

inline constexpr const char* kAnn = "ann-token";
inline constexpr const char* kBob = "bob-token";
inline constexpr const char* kCy = "cy-token";
inline constexpr const char* kRoot = "root-token";

struct Reply {
  int status = 0;  // 0: no answer (the connection failed)
  nlohmann::json body;
  std::string text;
  std::map<std::string, std::string> headers;
};

class TestServer {
 public:
  // `config_extra` is appended to rflow.toml (an [engine] table in it replaces the
  // default: async commits, 2 workers); `users` false leaves [[auth.users]] out;
  // `store_env` opens the store on another RocksDB Env (a fault-injecting one).
  explicit TestServer(const std::string& project = kShopProject, bool users = true,
                      const std::string& config_extra = {}, RequestLimits limits = {},
                      const engine::Clock* clock = nullptr,
                      std::shared_ptr<rocksdb::Env> store_env = nullptr);
  ~TestServer();

  bool ok() const { return server_ != nullptr; }
  const std::string& problem() const { return problem_; }
  Server& server() { return *server_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::vector<std::string>& printed() const { return printed_; }
  void restart();
  void stop();

  Reply get(const std::string& path, const char* token = kRoot);
  Reply post(const std::string& path, const nlohmann::json& body, const char* token = kRoot,
             const httplib::Headers& headers = {});
  Reply postText(const std::string& path, const std::string& body, const char* token = kRoot,
                 const httplib::Headers& headers = {});
  // A file as the body (a classifier model).
  Reply put(const std::string& path, const std::string& bytes, const char* token = kRoot,
            const httplib::Headers& headers = {});

 private:
  void open();
  std::filesystem::path dir_;
  RequestLimits limits_;
  const engine::Clock* clock_ = nullptr;
  std::shared_ptr<rocksdb::Env> store_env_;
  std::vector<std::string> printed_;
  std::unique_ptr<Server> server_;
  std::string problem_;
};

// An httplib answer as a Reply (status 0 when there was none).
Reply replyOf(const httplib::Result& result);

// Recording of exchanges, with RFLOW_RECORD_EXCHANGES=DIR (tests/contracts/
// validate_exchanges.mjs); TestServer's requests are recorded, tests with their own
// client call these. recordedVersion: the version current on `server` before a request
// (its OpenAPI document written once), empty when not recording or nothing is deployed;
// recordExchange: one exchange, checked against `version_before` (or, when empty, the
// version current after it: a first deployment).
std::string recordedVersion(Server& server);
void recordExchange(Server& server, const std::string& method, const std::string& target,
                    const std::string& request, const Reply& reply,
                    const std::string& version_before);

// Polls `done` every 20 ms until it holds, `tries` times at most (work the engine's
// workers do after a request returns).
template <typename F>
bool eventually(F done, int tries = 500) {
  for (int i = 0; i < tries; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Connector calls for the engines a test opens itself (no Server): every call fails for
// good, as the projects they serve call no connector.
class NoConnectorCalls final : public engine::CallDispatcher {
 public:
  void dispatch(engine::CallRequest request,
                std::function<void(engine::CallResult)> done) override {
    done({request.instance,
          request.request,
          request.attempt,
          engine::CallResult::Kind::kPermanent,
          {},
          "no connectors in this test"});
  }
};

// A configured user whose token is `token`.
inline Authenticator::User testUser(std::string name, std::vector<std::string> roles,
                                    const char* token) {
  return {std::move(name), std::move(roles), sha256(token)};
}

// `o` for Purchase: {"id": id, "total": {"amount": amount, "currency": "USD"}}.
nlohmann::json order(const std::string& id, const std::string& amount = "120.00");

}  // namespace rflow::service::testing
