// `rflow serve --log-format json` (issue 16): every line a JSON object; one line per HTTP
// request with its id (the request's X-Request-Id or a made one, echoed in the reply),
// method, route pattern, status, duration and caller; never a token, a body or a raw path.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "service/log.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

// A JSON log whose lines the test reads.
class CapturedLog {
 public:
  CapturedLog()
      : log_(
            LogFormat::kJson, [this](const std::string& line) { add("out", line); },
            [this](const std::string& line) { add("err", line); }) {}
  const Log& log() const { return log_; }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  bool anyOnStdout() const {
    std::lock_guard lock(mutex_);
    return on_stdout_;
  }
  // The request lines, parsed.
  std::vector<json> requests() const {
    std::vector<json> out;
    for (const std::string& line : lines()) {
      json parsed = json::parse(line);
      if (parsed["message"] == "request") out.push_back(std::move(parsed));
    }
    return out;
  }

 private:
  void add(const char* sink, const std::string& line) {
    std::lock_guard lock(mutex_);
    on_stdout_ = on_stdout_ || std::string(sink) == "out";
    lines_.push_back(line);
  }
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  bool on_stdout_ = false;
  Log log_;
};

TEST(LogFormat, TextIsTodaysLinesAndJsonIsOneObjectPerLine) {
  EXPECT_EQ(parseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(parseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(parseLogFormat("JSON"), std::nullopt);

  std::vector<std::string> out;
  std::vector<std::string> err;
  const Log text(
      LogFormat::kText, [&](const std::string& l) { out.push_back(l); },
      [&](const std::string& l) { err.push_back(l); });
  text.info("started");
  text.warning("careful");
  text.error("broken");
  text.request({"id", "GET", "/healthz", 200, 1.0, std::nullopt});
  EXPECT_EQ(out,
            (std::vector<std::string>{"rflow serve: started", "rflow serve: warning: careful"}));
  EXPECT_EQ(err, (std::vector<std::string>{"rflow serve: broken"}));

  out.clear();
  err.clear();
  const Log structured(
      LogFormat::kJson, [&](const std::string& l) { out.push_back(l); },
      [&](const std::string& l) { err.push_back(l); });
  structured.info("two\nlines\n\n");
  structured.warning("careful");
  structured.request({"r-1", "POST", std::nullopt, 404, std::nullopt, "ann"});
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(err.size(), 3u);
  for (const std::string& line : err)
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  const json info = json::parse(err[0]);
  EXPECT_EQ(info["level"], "info");
  EXPECT_EQ(info["message"], "two\nlines");
  EXPECT_TRUE(info["time"].get<std::string>().ends_with("Z")) << info;
  EXPECT_EQ(json::parse(err[1])["level"], "warning");
  const json request = json::parse(err[2]);
  EXPECT_EQ(request["request_id"], "r-1");
  EXPECT_EQ(request["method"], "POST");
  EXPECT_TRUE(request["route"].is_null());
  EXPECT_EQ(request["status"], 404);
  EXPECT_TRUE(request["duration_ms"].is_null());
  EXPECT_EQ(request["caller"], "ann");
}

TEST(RequestLog, OneLinePerRequestWithItsPatternCallerAndId) {
  TestServer setup;  // writes the project and rflow.toml
  ASSERT_TRUE(setup.ok()) << setup.problem();
  setup.stop();
  CapturedLog captured;
  ServeOptions options;
  options.path = setup.dir().string();
  options.data = (setup.dir() / "data").string();
  options.listen = "127.0.0.1:0";
  options.log = &captured.log();
  auto opened = Server::open(options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Server>>(opened))
      << std::get<std::string>(opened);
  Server& server = *std::get<std::unique_ptr<Server>>(opened);
  httplib::Client client("127.0.0.1", server.port());
  const auto auth = [](const char* token, httplib::Headers more = {}) {
    more.emplace("Authorization", std::string("Bearer ") + token);
    return more;
  };

  auto started =
      client.Post("/v1/workflows/Purchase/instances", auth(kAnn, {{"X-Request-Id", "lb-7f3a"}}),
                  json{{"o", order("secret-order-77")}, {"by", "ann"}}.dump(), "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 201) << started->body;
  EXPECT_EQ(started->get_header_value("X-Request-Id"), "lb-7f3a");
  const std::string id = json::parse(started->body)["id"];
  auto got = client.Get(("/v1/instances/" + id).c_str(), auth(kRoot));
  ASSERT_TRUE(got);
  const std::string made_id = got->get_header_value("X-Request-Id");
  EXPECT_FALSE(made_id.empty());
  auto anonymous = client.Get("/v1/me");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  const std::string anonymous_id = anonymous->get_header_value("X-Request-Id");
  auto missing = client.Get("/v1/nothing/here", auth(kRoot));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  const std::string missing_id = missing->get_header_value("X-Request-Id");
  // An id with a space (or too long) is not echoed or logged; one is made instead.
  auto odd = client.Get("/healthz", {{"X-Request-Id", "two words"}});
  ASSERT_TRUE(odd);
  const std::string odd_id = odd->get_header_value("X-Request-Id");
  EXPECT_NE(odd_id, "two words");
  EXPECT_FALSE(odd_id.empty());
  EXPECT_NE(odd_id, made_id);
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_FALSE(page->get_header_value("X-Request-Id").empty());
  server.stop();

  // A line is written once its reply is out, so lines of requests on different
  // connections may come in either order: each is found by its id.
  const std::vector<json> lines = captured.requests();
  ASSERT_EQ(lines.size(), 6u);
  std::map<std::string, json> by_id;
  for (const json& line : lines)
    by_id[line["request_id"]] = line;
  ASSERT_EQ(by_id.size(), 6u) << "request ids are not unique";
  const json& start = by_id["lb-7f3a"];
  EXPECT_EQ(start["method"], "POST");
  EXPECT_EQ(start["route"], "/v1/workflows/{name}/instances");
  EXPECT_EQ(start["status"], 201);
  EXPECT_EQ(start["caller"], "ann");
  EXPECT_GE(start["duration_ms"].get<double>(), 0.0);
  EXPECT_EQ(by_id[made_id]["route"], "/v1/instances/{id}");
  EXPECT_EQ(by_id[made_id]["caller"], "root");
  EXPECT_EQ(by_id[anonymous_id]["route"], "/v1/me");
  EXPECT_EQ(by_id[anonymous_id]["status"], 401);
  EXPECT_TRUE(by_id[anonymous_id]["caller"].is_null());
  EXPECT_TRUE(by_id[missing_id]["route"].is_null());
  EXPECT_EQ(by_id[missing_id]["status"], 404);
  EXPECT_EQ(by_id[odd_id]["route"], "/healthz");
  EXPECT_TRUE(by_id[odd_id]["caller"].is_null());
  EXPECT_EQ(by_id[page->get_header_value("X-Request-Id")]["route"], "/");

  // Every line is JSON, start-up included, and none carries a token, a body or an id.
  EXPECT_FALSE(captured.anyOnStdout());
  bool started_line = false;
  for (const std::string& line : captured.lines()) {
    const json parsed = json::parse(line);
    EXPECT_TRUE(parsed.contains("time") && parsed.contains("level")) << line;
    started_line = started_line || parsed["message"].get<std::string>().find(
                                       "workflows of version") != std::string::npos;
    for (const char* secret : {kAnn, kRoot, "secret-order-77", "two words"})
      EXPECT_EQ(line.find(secret), std::string::npos) << secret << " in " << line;
    EXPECT_EQ(line.find(id), std::string::npos) << line;
  }
  EXPECT_TRUE(started_line);
}

// A request httplib refuses before its headers are read is logged too, with its id.
TEST(RequestLog, AMalformedRequestIsLogged) {
  TestServer setup;
  ASSERT_TRUE(setup.ok()) << setup.problem();
  setup.stop();
  CapturedLog captured;
  ServeOptions options;
  options.path = setup.dir().string();
  options.data = (setup.dir() / "data").string();
  options.listen = "127.0.0.1:0";
  options.log = &captured.log();
  auto opened = Server::open(options);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Server>>(opened));
  Server& server = *std::get<std::unique_ptr<Server>>(opened);
  const std::string reply = server.serveRaw("NONSENSE\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("X-Request-Id: "), std::string::npos) << reply;
  server.stop();
  const std::vector<json> requests = captured.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["status"], 400);
  EXPECT_TRUE(requests[0]["route"].is_null());
  EXPECT_FALSE(requests[0]["request_id"].get<std::string>().empty());
}

}  // namespace
}  // namespace rflow::service::testing
