// The test server and client.
#include "service_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>

#include "engine/program_cache.h"
#include "service/auth.h"
#include "service/routes.h"

namespace rflow::service::testing {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kShopProject = std::string(kShopModule) + kShopSchedule;

TestServer::TestServer(const std::string& project, bool users, const std::string& config_extra,
                       RequestLimits limits, const engine::Clock* clock,
                       std::shared_ptr<rocksdb::Env> store_env)
    : limits_(limits), clock_(clock), store_env_(std::move(store_env)) {
  char templ[] = "/tmp/rflow-service-test-XXXXXX";
  dir_ = ::mkdtemp(templ);
  std::ofstream(dir_ / "shop.rflow") << project;
  std::ofstream config(dir_ / "rflow.toml");
  if (users) {
    const auto user = [&](const char* name, const char* role, const char* token) {
      config << "[[auth.users]]\nname = \"" << name << "\"\nroles = [\"" << role
             << "\"]\ntoken_sha256 = \"" << hexOf(sha256(token)) << "\"\n\n";
    };
    user("ann", "Buyer", kAnn);
    user("bob", "shop.Buyer", kBob);
    user("cy", "Clerk", kCy);
    user("root", "admin", kRoot);
  }
  // Async commits keep the tests fast; a test that needs synced commits (a failing
  // sync) brings its own [engine] table.
  if (config_extra.find("[engine]") == std::string::npos)
    config << "[engine]\ndurability = \"async\"\nworkers = 2\n";
  config << config_extra;
  config.close();
  open();
}

void TestServer::open() {
  ServeOptions options;
  options.path = dir_.string();
  options.data = (dir_ / "data").string();
  options.listen = "127.0.0.1:0";
  options.poll_ms = 20;
  options.limits = limits_;
  options.clock = clock_;
  options.store_env = store_env_;
  options.print = [this](const std::string& line) { printed_.push_back(line); };
  auto opened = Server::open(options);
  if (auto* problem = std::get_if<std::string>(&opened)) {
    problem_ = *problem;
    return;
  }
  server_ = std::move(std::get<std::unique_ptr<Server>>(opened));
}

void TestServer::stop() {
  server_.reset();
}

void TestServer::restart() {
  stop();
  open();
}

TestServer::~TestServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Reply replyOf(const httplib::Result& result) {
  Reply out;
  if (!result) return out;
  out.status = result->status;
  out.text = result->body;
  for (const auto& [name, value] : result->headers)
    out.headers[name] = value;
  out.body = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  // Every JSON answer is in the one form a document's dump gives (members in key order,
  // no spaces), whether the service built a document or wrote the text itself
  // (runtime::JsonWriter): a view written as text that strays from it fails here.
  if (!out.body.is_discarded() &&
      result->get_header_value("Content-Type").starts_with("application/json")) {
    EXPECT_EQ(out.body.dump(-1, ' ', false, json::error_handler_t::replace), out.text)
        << "the answer's text is not in the canonical form";
  }
  return out;
}

namespace {

httplib::Headers withToken(const char* token, httplib::Headers headers) {
  if (token != nullptr) headers.emplace("Authorization", std::string("Bearer ") + token);
  return headers;
}

// The directory of RFLOW_RECORD_EXCHANGES, or null when exchanges are not recorded.
const char* recordingDirectory() {
  const char* dir = std::getenv("RFLOW_RECORD_EXCHANGES");
  return dir != nullptr && *dir != 0 ? dir : nullptr;
}

}  // namespace

// With RFLOW_RECORD_EXCHANGES=DIR, every JSON exchange of the tests is appended to
// DIR/exchanges.jsonl with the version that was current when it was sent, and that
// version's OpenAPI document (made in-process, so no token is needed) is written to
// DIR/<version>.json: tests/contracts/validate_exchanges.mjs checks the bodies against
// the documents, so the documents cannot drift from what the service really accepts and
// answers.
std::string recordedVersion(Server& server) {
  const char* dir = recordingDirectory();
  if (dir == nullptr) return {};
  const auto program = server.engine().currentProgram();
  if (!program) return {};
  const std::string version = engine::versionOf(*program);
  // Tests send from several threads at once; the files are shared by all servers of a run.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const fs::path doc_file = fs::path(dir) / (version + ".json");
  if (!fs::exists(doc_file)) {
    std::ofstream(doc_file) << openApiDocument(
                                   routes(), DeployedContract{&program->module(), version, nullptr})
                                   .dump(1);
  }
  return version;
}

void recordExchange(Server& server, const std::string& method, const std::string& target,
                    const std::string& request, const Reply& reply,
                    const std::string& version_before) {
  const char* dir = recordingDirectory();
  if (dir == nullptr) return;
  // A deployment's own exchange is checked against the version it made.
  const std::string version = version_before.empty() ? recordedVersion(server) : version_before;
  if (version.empty()) return;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto type = reply.headers.find("Content-Type");
  const json line = {
      {"test", test ? std::string(test->test_suite_name()) + "." + test->name() : ""},
      {"method", method},
      {"path", target.substr(0, target.find('?'))},
      {"request", request},
      {"status", reply.status},
      {"content_type", type == reply.headers.end() ? "" : type->second},
      {"response", reply.text},
      {"version", version}};
  std::ofstream(fs::path(dir) / "exchanges.jsonl", std::ios::app)
      << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
}

Reply TestServer::get(const std::string& path, const char* token) {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(30, 0);
  const std::string before = recordedVersion(*server_);
  Reply reply = replyOf(client.Get(path.c_str(), withToken(token, {})));
  recordExchange(*server_, "GET", path, "", reply, before);
  return reply;
}

Reply TestServer::post(const std::string& path, const json& body, const char* token,
                       const httplib::Headers& headers) {
  return postText(path, body.is_null() ? std::string() : body.dump(), token, headers);
}

Reply TestServer::postText(const std::string& path, const std::string& body, const char* token,
                           const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(30, 0);
  const std::string before = recordedVersion(*server_);
  Reply reply =
      replyOf(client.Post(path.c_str(), withToken(token, headers), body, "application/json"));
  recordExchange(*server_, "POST", path, body, reply, before);
  return reply;
}

Reply TestServer::put(const std::string& path, const std::string& bytes, const char* token,
                      const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(30, 0);
  return replyOf(
      client.Put(path.c_str(), withToken(token, headers), bytes, "application/octet-stream"));
}

json order(const std::string& id, const std::string& amount) {
  return {{"id", id}, {"total", {{"amount", amount}, {"currency", "USD"}}}};
}

}  // namespace rflow::service::testing
