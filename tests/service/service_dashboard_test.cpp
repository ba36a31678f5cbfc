// The dashboard's side of the service: GET / and its assets without a token, their
// content types, caching and Content-Security-Policy, ETag revalidation, the page naming
// exactly the embedded assets, GET /v1/me (the sign-in), and --time-scale.
#include <gtest/gtest.h>

#include <regex>

#include "service/dashboard.h"
#include "service/scaled_clock.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

TEST(ServiceDashboard, ThePageIsServedWithoutATokenUnderAStrictPolicy) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply page = s.get("/", nullptr);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_EQ(page.headers["Cache-Control"], "no-cache");
  const std::string csp = page.headers["Content-Security-Policy"];
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(page.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(page.headers["X-Frame-Options"], "DENY");
  EXPECT_FALSE(page.headers["ETag"].empty());
  // No inline script or style: every <script> has a src, and there is no <style>.
  EXPECT_EQ(page.text.find("<style"), std::string::npos);
  EXPECT_FALSE(std::regex_search(page.text, std::regex("<script(?![^>]*\\bsrc=)[^>]*>")));
  EXPECT_EQ(page.text.find("{{"), std::string::npos) << "every asset placeholder was filled";
  EXPECT_EQ(s.get("/index.html", nullptr).text, page.text);
  // With a token, or a wrong one, it is the same page.
  EXPECT_EQ(s.get("/", "not-a-token").status, 200);
}

TEST(ServiceDashboard, ThePageNamesEveryAssetByItsContentHash) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  const std::string page = s.get("/", nullptr).text;
  for (const Asset& a : dashboardAssets()) {
    if (a.path == "/") continue;
    const std::string etag(a.etag.substr(1, a.etag.size() - 2));
    EXPECT_NE(page.find(std::string(a.path) + "?v=" + etag), std::string::npos) << a.path;
    Reply asset = s.get(std::string(a.path) + "?v=" + etag, nullptr);
    ASSERT_EQ(asset.status, 200) << a.path;
    EXPECT_EQ(asset.headers["Content-Type"], a.content_type);
    EXPECT_EQ(asset.headers["Cache-Control"], "public, max-age=31536000, immutable");
    EXPECT_EQ(asset.text.size(), a.body.size());
    EXPECT_FALSE(asset.headers["Content-Security-Policy"].empty());
  }
  Reply chart = s.get("/assets/chart.umd.js", nullptr);
  EXPECT_GT(chart.text.size(), 100'000u) << "Chart.js is bundled";
}

TEST(ServiceDashboard, AnAssetTheBrowserHasIsNotSentAgain) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply first = s.get("/assets/app.js", nullptr);
  ASSERT_EQ(first.status, 200);
  httplib::Client client("127.0.0.1", s.server().port());
  auto again = client.Get("/assets/app.js", {{"If-None-Match", first.headers["ETag"]}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto weak =
      client.Get("/", {{"If-None-Match", "\"other\", W/" + s.get("/", nullptr).headers["ETag"]}});
  ASSERT_TRUE(weak);
  EXPECT_EQ(weak->status, 304);
  auto stale = client.Get("/assets/app.js", {{"If-None-Match", "\"stale\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
}

TEST(ServiceDashboard, AssetsAreGetOnly) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  EXPECT_EQ(s.post("/", json::object(), nullptr).status, 404);
  EXPECT_EQ(s.post("/assets/app.js", json::object(), nullptr).status, 404);
  EXPECT_EQ(s.get("/assets/", nullptr).status, 404);
  EXPECT_EQ(s.get("/assets", nullptr).status, 404);
}

TEST(ServiceDashboard, MeNamesTheCallerAndTheServiceClock) {
  TestServer s;
  ASSERT_TRUE(s.ok()) << s.problem();
  Reply ann = s.get("/v1/me", kAnn);
  ASSERT_EQ(ann.status, 200) << ann.text;
  EXPECT_EQ(ann.body["name"], "ann");
  EXPECT_EQ(ann.body["roles"], json::array({"Buyer"}));
  EXPECT_EQ(ann.body["admin"], false);
  EXPECT_TRUE(ann.body["now"].is_string());
  EXPECT_EQ(ann.headers["Cache-Control"], "no-store") << "API answers are never cached";
  EXPECT_EQ(s.get("/v1/me", kRoot).body["admin"], true);
  EXPECT_EQ(s.get("/v1/me", nullptr).status, 401);
  EXPECT_EQ(s.get("/v1/me", "wrong").status, 401);
  EXPECT_EQ(s.post("/v1/me", json::object(), kAnn).status, 405);
}

TEST(ServiceDashboard, TheScaledClockRunsFasterFromNow) {
  engine::SystemClock wall;
  const ScaledClock clock(3600);
  const int64_t start = clock.now();
  EXPECT_LE(std::abs(start - wall.now()), 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t later = clock.now();
  EXPECT_GE(later - start, 50 * 3600 / 2) << "about three simulated minutes in 50 ms";
}

TEST(ServiceDashboard, ATimeScaleOutOfRangeIsRefused) {
  for (double scale : {0.5, 0.0, -1.0, 1e9}) {
    ServeOptions options;
    options.path = RFLOW_SOURCE_DIR "/examples";
    options.time_scale = scale;
    options.listen = "127.0.0.1:0";
    auto opened = Server::open(options);
    ASSERT_TRUE(std::holds_alternative<std::string>(opened)) << scale;
    EXPECT_NE(std::get<std::string>(opened).find("--time-scale"), std::string::npos);
  }
}

}  // namespace
}  // namespace rflow::service::testing
