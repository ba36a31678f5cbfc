// The test server and client.
#include "service_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "service/auth.h"

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

namespace {

Reply replyOf(const httplib::Result& result) {
  Reply out;
  if (!result) return out;
  out.status = result->status;
  out.text = result->body;
  for (const auto& [name, value] : result->headers)
    out.headers[name] = value;
  out.body = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  return out;
}

httplib::Headers withToken(const char* token, httplib::Headers headers) {
  if (token != nullptr) headers.emplace("Authorization", std::string("Bearer ") + token);
  return headers;
}

}  // namespace

Reply TestServer::get(const std::string& path, const char* token) {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(30, 0);
  return replyOf(client.Get(path.c_str(), withToken(token, {})));
}

Reply TestServer::post(const std::string& path, const json& body, const char* token,
                       const httplib::Headers& headers) {
  return postText(path, body.is_null() ? std::string() : body.dump(), token, headers);
}

Reply TestServer::postText(const std::string& path, const std::string& body, const char* token,
                           const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(30, 0);
  return replyOf(client.Post(path.c_str(), withToken(token, headers), body, "application/json"));
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
