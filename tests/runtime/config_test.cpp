// rflow.toml: every key, the defaults, environment expansion, and every error with its
// line, column, key path and words.
#include "runtime/config.h"

#include <gtest/gtest.h>

#include <map>

#include "bytecode/module.h"
#include "runtime/duration_text.h"
#include "runtime_test_util.h"

namespace rflow::runtime {
namespace {

using testing::TempDir;

Environment fakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() { dir_.write("stubs/erp.json", "{}"); }

  std::variant<Config, ConfigErrors> parse(std::string_view text,
                                           const Environment& env = fakeEnv({})) {
    return Config::fromString(text, dir_.path() / "rflow.toml", env);
  }

  Config ok(std::string_view text, const Environment& env = fakeEnv({})) {
    auto result = parse(text, env);
    if (auto* errors = std::get_if<ConfigErrors>(&result)) {
      ADD_FAILURE() << describe(*errors);
      return Config::defaults();
    }
    return std::get<Config>(std::move(result));
  }

  // The one error `text` has.
  ConfigError error(std::string_view text, const Environment& env = fakeEnv({})) {
    auto result = parse(text, env);
    auto* errors = std::get_if<ConfigErrors>(&result);
    if (!errors) {
      ADD_FAILURE() << "expected an error for:\n" << text;
      return {};
    }
    EXPECT_EQ(errors->size(), 1u) << describe(*errors);
    return errors->front();
  }

  TempDir dir_;
};

TEST_F(ConfigTest, EveryKey) {
  const Config c = ok(R"toml(
[connectors.wms]
url = "http://127.0.0.1:9100/wms/"
timeout = "1m30s"
headers = { Authorization = "Bearer ${WMS_TOKEN}", X-Store = "all" }

[connectors.erp]
stub = "stubs/erp.json"

[connectors."retail.systems.pos"]
url = "https://pos.example"

[[auth.users]]
name = "ann"
roles = ["AccountsPayable", "retail.common.Controller", "admin"]
token_sha256 = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"

[[auth.users]]
name = "bob"
roles = []
token_sha256 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

[engine]
durability = "async"
workers = 3

[service]
listen = "[::1]:0"
metrics_open = true
)toml",
                      fakeEnv({{"WMS_TOKEN", "s3cret"}}));
  EXPECT_TRUE(c.from_file);
  ASSERT_EQ(c.connectors.size(), 3u);
  // Sorted by name.
  EXPECT_EQ(c.connectors[0].name, "erp");
  EXPECT_EQ(c.connectors[1].name, "retail.systems.pos");
  EXPECT_EQ(c.connectors[2].name, "wms");

  const auto& erp = std::get<StubTarget>(c.connectors[0].target);
  EXPECT_TRUE(erp.path.is_absolute());
  EXPECT_EQ(erp.path, (dir_.path() / "stubs/erp.json").lexically_normal());

  const auto& pos = std::get<HttpTarget>(c.connectors[1].target);
  EXPECT_EQ(pos.endpoint.scheme, "https");
  EXPECT_EQ(pos.endpoint.port, 443);
  EXPECT_EQ(pos.endpoint.base_path, "");
  EXPECT_EQ(pos.timeout_ms, kDefaultConnectorTimeoutMs);
  EXPECT_TRUE(pos.headers.empty());

  const auto& wms = std::get<HttpTarget>(c.connectors[2].target);
  EXPECT_EQ(wms.url, "http://127.0.0.1:9100/wms/");
  EXPECT_EQ(wms.endpoint.origin(), "http://127.0.0.1:9100");
  EXPECT_EQ(wms.endpoint.base_path, "/wms");
  EXPECT_EQ(wms.timeout_ms, 90'000);
  ASSERT_EQ(wms.headers.size(), 2u);
  EXPECT_EQ(wms.headers[0],
            (std::pair<std::string, std::string>("Authorization", "Bearer s3cret")));
  EXPECT_EQ(wms.headers[1], (std::pair<std::string, std::string>("X-Store", "all")));
  EXPECT_EQ(c.connectors[2].pos.line, 2u);

  ASSERT_EQ(c.users.size(), 2u);
  EXPECT_EQ(c.users[0].name, "ann");
  EXPECT_EQ(c.users[0].roles,
            (std::vector<std::string>{"AccountsPayable", "retail.common.Controller", "admin"}));
  EXPECT_EQ(c.users[0].token_sha256,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  ASSERT_EQ(c.users[0].role_pos.size(), 3u);
  EXPECT_EQ(c.users[0].role_pos[0].line, 15u);
  EXPECT_EQ(c.users[1].name, "bob");
  EXPECT_TRUE(c.users[1].roles.empty());

  EXPECT_EQ(c.engine.durability, Durability::kAsync);
  EXPECT_EQ(c.engine.workers, 3u);
  EXPECT_EQ(c.service.listen, "[::1]:0");
  EXPECT_EQ(c.service.host, "::1");
  EXPECT_EQ(c.service.port, 0);
  EXPECT_TRUE(c.service.metrics_open);

  EXPECT_EQ(c.connector("wms"), &c.connectors[2]);
  EXPECT_EQ(c.connector("retail.systems.wms"), &c.connectors[2]);
  EXPECT_EQ(c.connector("retail.systems.pos"), &c.connectors[1]);
  EXPECT_EQ(c.connector("pos"), nullptr);  // a qualified key is found only by that name
  EXPECT_EQ(c.connector("other.erp"), &c.connectors[0]);
  EXPECT_EQ(c.connector("maintenance"), nullptr);
}

// The operations `rflow contract check` may call (contract_check.h).
TEST_F(ConfigTest, SafeToCallListsOperationNames) {
  const Config c =
      ok("[connectors.wms]\nurl = \"http://127.0.0.1:9100/wms\"\n"
         "safe_to_call = [\"availability\", \"stock_level\"]\n"
         "[connectors.erp]\nstub = \"stubs/erp.json\"\n");
  ASSERT_NE(c.connector("wms"), nullptr);
  EXPECT_EQ(c.connector("wms")->safe_to_call,
            (std::vector<std::string>{"availability", "stock_level"}));
  EXPECT_TRUE(c.connector("erp")->safe_to_call.empty());
  const ConfigError e =
      error("[connectors.wms]\nurl = \"http://127.0.0.1:9100/wms\"\nsafe_to_call = [\"wms.x\"]\n");
  EXPECT_EQ(e.key, "connectors.wms.safe_to_call[0]");
  EXPECT_EQ(e.message, "expected an operation's name like \"availability\", found \"wms.x\"");
  const ConfigError not_a_list =
      error("[connectors.wms]\nurl = \"http://127.0.0.1:9100/wms\"\nsafe_to_call = \"x\"\n");
  EXPECT_EQ(not_a_list.key, "connectors.wms.safe_to_call");
}

TEST_F(ConfigTest, Defaults) {
  const Config d = Config::defaults();
  EXPECT_FALSE(d.from_file);
  EXPECT_TRUE(d.connectors.empty());
  EXPECT_TRUE(d.users.empty());
  EXPECT_EQ(d.engine.durability, Durability::kSync);
  EXPECT_GE(d.engine.workers, 1u);
  EXPECT_EQ(d.service.listen, "127.0.0.1:8080");
  EXPECT_EQ(d.service.host, "127.0.0.1");
  EXPECT_EQ(d.service.port, 8080);
  EXPECT_FALSE(d.service.metrics_open);

  const Config empty = ok("# nothing but a comment\n");
  EXPECT_TRUE(empty.from_file);
  EXPECT_EQ(empty.engine.durability, Durability::kSync);
  EXPECT_EQ(empty.engine.workers, d.engine.workers);
  EXPECT_EQ(empty.service.port, 8080);
}

TEST_F(ConfigTest, MissingFileIsDefaultsUnlessAskedFor) {
  const auto absent = dir_.path() / "nope" / "rflow.toml";
  auto optional = Config::load(absent, /*required=*/false);
  ASSERT_TRUE(std::holds_alternative<Config>(optional));
  EXPECT_FALSE(std::get<Config>(optional).from_file);
  EXPECT_EQ(configName(std::get<Config>(optional)), absent.string());

  auto required = Config::load(absent, /*required=*/true);
  ASSERT_TRUE(std::holds_alternative<ConfigErrors>(required));
  const ConfigError& e = std::get<ConfigErrors>(required).front();
  EXPECT_EQ(e.text(),
            absent.string() + ": there is no such file: check the path given to --config");

  auto directory = Config::load(dir_.path(), /*required=*/true);
  ASSERT_TRUE(std::holds_alternative<ConfigErrors>(directory));
  EXPECT_NE(std::get<ConfigErrors>(directory).front().message.find("not a file"),
            std::string::npos);
}

TEST_F(ConfigTest, LoadReadsTheFileAndResolvesStubsBesideIt) {
  dir_.write("project/stubs/wms.json", "{}");
  const auto path =
      dir_.write("project/rflow.toml", "[connectors.wms]\nstub = \"stubs/wms.json\"\n");
  auto result = Config::load(path, true, fakeEnv({}));
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(std::get<ConfigErrors>(result));
  const Config& c = std::get<Config>(result);
  EXPECT_EQ(std::get<StubTarget>(c.connectors.at(0).target).path,
            dir_.path() / "project/stubs/wms.json");

  // An absolute stub path stays as it is.
  const auto abs = dir_.write("elsewhere/x.json", "{}");
  const Config c2 = ok("[connectors.x]\nstub = \"" + abs.string() + "\"\n");
  EXPECT_EQ(std::get<StubTarget>(c2.connectors.at(0).target).path, abs);
}

TEST_F(ConfigTest, TooLargeFile) {
  const std::string big(kMaxConfigBytes + 1, '#');
  const ConfigError e = error(big);
  EXPECT_EQ(e.line, 0u);
  EXPECT_NE(e.message.find("larger than"), std::string::npos);
}

TEST_F(ConfigTest, SyntaxErrorHasLineAndColumn) {
  const ConfigError e = error("[engine]\nworkers = = 3\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_GT(e.column, 0u);
  EXPECT_EQ(e.key, "");
  EXPECT_TRUE(e.message.starts_with("this is not valid TOML: ")) << e.message;
  EXPECT_TRUE(e.text().starts_with((dir_.path() / "rflow.toml").string() + ":2:")) << e.text();
}

TEST_F(ConfigTest, UnknownSectionSuggestsTheClosest) {
  const ConfigError e = error("\n[conectors.wms]\nurl = \"http://x\"\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 2u);
  EXPECT_EQ(e.key, "conectors");
  EXPECT_EQ(e.message, "unknown setting `conectors`: did you mean `connectors`?");

  const ConfigError far = error("colour = 3\n");
  EXPECT_EQ(
      far.message,
      "unknown setting `colour`: the sections are [connectors.NAME], [[auth.users]], [engine], "
      "[service], [classifiers.NAME], [backup] and [cluster]");
  EXPECT_EQ(far.line, 1u);
  EXPECT_EQ(far.column, 1u);
}

TEST_F(ConfigTest, SectionsMustBeTables) {
  EXPECT_EQ(error("engine = 3\n").message,
            "expected a table (`[engine]` with settings below it), found 3");
  EXPECT_EQ(error("connectors = \"wms\"\n").key, "connectors");
  EXPECT_EQ(error("service = []\n").message,
            "expected a table (`[service]` with settings below it), found an array");
  EXPECT_EQ(error("auth = true\n").key, "auth");
}

TEST_F(ConfigTest, ConnectorErrors) {
  {
    const ConfigError e = error("[connectors.wms]\nurl = \"http://x\"\ntimout = \"5s\"\n");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.column, 1u);
    EXPECT_EQ(e.key, "connectors.wms.timout");
    EXPECT_EQ(e.message, "unknown setting `timout`: did you mean `timeout`?");
  }
  {
    const ConfigError e =
        error("[connectors.wms]\nurl = \"http://x\"\nstub = \"stubs/erp.json\"\n");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.key, "connectors.wms.stub");
    EXPECT_EQ(
        e.message,
        "a connector has either `url` (a real system) or `stub` (a file of canned results), not "
        "both: remove one");
  }
  {
    const ConfigError e = error("\n\n[connectors.wms]\n");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.column, 13u);
    EXPECT_EQ(e.key, "connectors.wms");
    EXPECT_EQ(e.message,
              "connector `wms` has neither `url` nor `stub`: add url = \"http://…\" for a real "
              "system, or "
              "stub = \"stubs/wms.json\" for canned results");
  }
  {
    const ConfigError e = error("[connectors]\nwms = \"http://x\"\n");
    EXPECT_EQ(e.key, "connectors.wms");
    EXPECT_EQ(e.line, 2u);
    EXPECT_NE(e.message.find("expected a table of settings"), std::string::npos);
  }
  {
    const ConfigError e = error("[connectors.\"9lives\"]\nurl = \"http://x\"\n");
    EXPECT_EQ(e.key, "connectors.9lives");
    EXPECT_NE(e.message.find("is not a connector name"), std::string::npos);
  }
  {
    // Unquoted dots make nested tables; the message says how to write a qualified name.
    const ConfigError e = error("[connectors.retail.systems.wms]\nurl = \"http://x\"\n");
    EXPECT_EQ(e.key, "connectors.retail.systems");
    EXPECT_EQ(e.line, 1u);
    EXPECT_EQ(e.column, 20u);
    EXPECT_EQ(
        e.message,
        "unknown setting `systems`: a connector's settings are url, stub, timeout, headers and "
        "safe_to_call; to name a connector by its qualified name, quote it: "
        "[connectors.\"retail.systems.wms\"]");
  }
  {
    const ConfigError e = error("[connectors.wms]\nurl = 9100\n");
    EXPECT_EQ(e.key, "connectors.wms.url");
    EXPECT_EQ(e.message, "expected a string like \"http://127.0.0.1:9100/wms\", found 9100");
  }
}

TEST_F(ConfigTest, UrlErrors) {
  auto urlError = [&](std::string_view url) {
    return error("[connectors.wms]\nurl = \"" + std::string(url) + "\"\n").message;
  };
  EXPECT_EQ(urlError("ftp://x"), "`ftp://x` is not an http:// or https:// URL");
  EXPECT_EQ(urlError("127.0.0.1:9100"), "`127.0.0.1:9100` is not an http:// or https:// URL");
  EXPECT_EQ(urlError("http://"), "`http://` has no host");
  EXPECT_EQ(urlError("http://:80/x"), "`http://:80/x` has no host");
  EXPECT_EQ(urlError("http://h:0"), "`http://h:0`: the port must be a number from 1 to 65535");
  EXPECT_EQ(urlError("http://h:99999"),
            "`http://h:99999`: the port must be a number from 1 to 65535");
  EXPECT_EQ(urlError("http://h:x1"), "`http://h:x1`: the port must be a number from 1 to 65535");
  EXPECT_EQ(urlError("http://h:"), "`http://h:`: the port must be a number from 1 to 65535");
  EXPECT_NE(urlError("http://h/x?y=1").find("no spaces, query"), std::string::npos);
  EXPECT_NE(urlError("http://user:pw@h/x").find("credentials do not belong in the URL"),
            std::string::npos);
  EXPECT_EQ(urlError("http://[::1"), "`http://[::1`: the IPv6 address has no `]`");
}

TEST(HttpUrl, Parts) {
  auto parts = [](std::string_view url) { return std::get<HttpEndpoint>(parseHttpUrl(url)); };
  EXPECT_EQ(parts("http://h").origin(), "http://h:80");
  EXPECT_EQ(parts("https://h").origin(), "https://h:443");
  EXPECT_EQ(parts("http://h:8080/a/b//").base_path, "/a/b");
  EXPECT_EQ(parts("http://[::1]:9000/x").host, "[::1]");
  EXPECT_EQ(parts("http://[::1]:9000/x").port, 9000);
  EXPECT_EQ(parts("http://[::1]/x").port, 80);
  EXPECT_EQ(parts("https://erp.example:8443/rflow").origin(), "https://erp.example:8443");
}

TEST_F(ConfigTest, StubErrors) {
  {
    const ConfigError e = error("[connectors.erp]\nstub = \"stubs/missing.json\"\n");
    EXPECT_EQ(e.key, "connectors.erp.stub");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.message, "there is no stub file at " +
                             (dir_.path() / "stubs/missing.json").string() +
                             " (relative paths start at the directory of " +
                             (dir_.path() / "rflow.toml").string() + ")");
  }
  EXPECT_EQ(error("[connectors.erp]\nstub = \"stubs\"\n").message,
            (dir_.path() / "stubs").string() + " is not a file: a stub is a JSON file");
  EXPECT_EQ(error("[connectors.erp]\nstub = \"\"\n").message,
            "the stub path is empty: write a JSON file's path, like \"stubs/erp.json\"");
  {
    const ConfigError e = error("[connectors.erp]\nstub = \"stubs/erp.json\"\ntimeout = \"5s\"\n");
    EXPECT_EQ(e.key, "connectors.erp.timeout");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(
        e.message,
        "`timeout` applies to HTTP connectors (`url`) only: a stub answers at once; remove it");
  }
  {
    const ConfigError e =
        error("[connectors.erp]\nstub = \"stubs/erp.json\"\nheaders = { A = \"b\" }\n");
    EXPECT_EQ(e.key, "connectors.erp.headers");
    EXPECT_EQ(e.message,
              "`headers` apply to HTTP connectors (`url`) only: a stub sends nothing; remove them");
  }
}

TEST_F(ConfigTest, TimeoutErrors) {
  auto timeoutError = [&](std::string_view value) {
    const ConfigError e =
        error("[connectors.wms]\nurl = \"http://x\"\ntimeout = " + std::string(value) + "\n");
    EXPECT_EQ(e.key, "connectors.wms.timeout");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.column, 1u);
    return e.message;
  };
  EXPECT_EQ(timeoutError("\"5x\""),
            "expected a duration like \"5s\": `5x`: `x` is not a unit; the units are ms, s, m, h, "
            "d and w");
  EXPECT_EQ(timeoutError("5"),
            "expected a duration like \"5s\", found 5 (write the unit: \"5s\", \"500ms\")");
  EXPECT_EQ(timeoutError("\"0s\""), "a timeout must be longer than zero, like \"5s\"");
  EXPECT_EQ(timeoutError("\"2h\""),
            "a timeout of 2h is longer than the limit of 1h: an attempt holds a worker while it "
            "waits; use "
            "`retry` at the call site for slow systems");
  EXPECT_EQ(timeoutError("true"), "expected a duration like \"5s\", found true");
  // The limit itself is fine.
  const Config c = ok("[connectors.wms]\nurl = \"http://x\"\ntimeout = \"1h\"\n");
  EXPECT_EQ(std::get<HttpTarget>(c.connectors[0].target).timeout_ms, 3'600'000);
}

TEST(DurationText, Forms) {
  auto ms = [](std::string_view t) { return std::get<int64_t>(parseDurationText(t)); };
  auto problem = [](std::string_view t) { return std::get<std::string>(parseDurationText(t)); };
  EXPECT_EQ(ms("500ms"), 500);
  EXPECT_EQ(ms("5s"), 5'000);
  EXPECT_EQ(ms("15m"), 900'000);
  EXPECT_EQ(ms("4h"), 14'400'000);
  EXPECT_EQ(ms("2d"), 172'800'000);
  EXPECT_EQ(ms("1w"), 604'800'000);
  EXPECT_EQ(ms("1h30m"), 5'400'000);
  EXPECT_EQ(ms("1w2d3h4m5s6ms"), 604'800'000 + 172'800'000 + 10'800'000 + 240'000 + 5'000 + 6);
  EXPECT_EQ(ms("1_000ms"), 1'000);
  EXPECT_EQ(ms("0s"), 0);
  EXPECT_EQ(problem(""), "an empty text is not a duration: write e.g. \"5s\"");
  EXPECT_EQ(problem("5"), "`5` has no unit: write ms, s, m, h, d or w after the number");
  EXPECT_EQ(problem("1.5s"),
            "`1.5s` has a fraction: write a whole number of a smaller unit, like \"1500ms\"");
  EXPECT_EQ(problem("-5s"), "`-5s` has a sign: a duration here is never negative");
  EXPECT_EQ(problem("5 s"), "`5 s` has no unit: write ms, s, m, h, d or w after the number");
  EXPECT_EQ(problem("30m1h"),
            "`30m1h`: write the units largest first and each once, like \"1h30m\"");
  EXPECT_EQ(problem("1s1s"), "`1s1s`: write the units largest first and each once, like \"1h30m\"");
  EXPECT_EQ(problem("5days"), "`5days`: `days` is not a unit; the units are ms, s, m, h, d and w");
  EXPECT_EQ(problem("1__0s"), "`1__0s`: `_` may only stand between two digits");
  EXPECT_EQ(problem("10_s"), "`10_s`: `_` may only stand between two digits");
  EXPECT_EQ(problem("s"),
            "`s` is not a duration: expected digits and a unit, like \"5s\" or \"1m30s\"");
  EXPECT_EQ(problem("99999999999999999999ms"), "`99999999999999999999ms` is too long a duration");
  EXPECT_EQ(problem("9999999999999999w"), "`9999999999999999w` is too long a duration");
}

TEST_F(ConfigTest, HeaderErrors) {
  auto headerError = [&](std::string_view headers, const Environment& env = fakeEnv({})) {
    return error("[connectors.wms]\nurl = \"http://x\"\nheaders = " + std::string(headers) + "\n",
                 env);
  };
  {
    const ConfigError e = headerError("{ Authorization = \"Bearer ${WMS_TOKEN}\" }");
    EXPECT_EQ(e.key, "connectors.wms.headers.Authorization");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.column, 13u);
    EXPECT_EQ(
        e.message,
        "environment variable `WMS_TOKEN` is not set: set it before starting rflow, or remove it "
        "from the header");
  }
  EXPECT_EQ(headerError("{ A = \"${WMS_TOKEN\" }").message,
            "`${` is not closed: write ${NAME} to use an environment variable");
  EXPECT_EQ(headerError("{ A = \"${1X}\" }").message,
            "`${1X}` is not an environment variable's name: use letters, digits and `_`");
  EXPECT_EQ(headerError("{ A = \"${}\" }").message,
            "`${}` is not an environment variable's name: use letters, digits and `_`");
  {
    // A variable's line break would smuggle in a header; the secret is not echoed.
    const ConfigError e =
        headerError("{ A = \"${EVIL}\" }", fakeEnv({{"EVIL", "x\r\nX-Admin: yes"}}));
    EXPECT_EQ(
        e.message,
        "the header's value (after expanding variables) contains a line break or a NUL byte, which "
        "HTTP does not allow");
  }
  EXPECT_EQ(headerError("{ Idempotency-Key = \"k\" }").message,
            "`Idempotency-Key` is set by rflow on every call and cannot be configured");
  EXPECT_EQ(headerError("{ content-type = \"text/plain\" }").message,
            "`content-type` is set by rflow on every call and cannot be configured");
  EXPECT_EQ(headerError("{ \"Bad Name\" = \"v\" }").message,
            "`Bad Name` is not a header name: use letters, digits and `-`, like `Authorization`");
  EXPECT_EQ(headerError("{ A = 3 }").message, "expected the header's value as a string, found 3");
  EXPECT_EQ(headerError("\"Authorization: x\"").key, "connectors.wms.headers");
}

TEST_F(ConfigTest, EnvironmentExpansion) {
  const Config c = ok(R"toml([connectors.wms]
url = "http://x"
headers = { A = "${ONE}-${TWO}", B = "$ONE and $ and $", C = "${EMPTY}", D = "price: 5$" }
)toml",
                      fakeEnv({{"ONE", "1"}, {"TWO", "2"}, {"EMPTY", ""}}));
  const auto& h = std::get<HttpTarget>(c.connectors[0].target).headers;
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].second, "1-2");
  EXPECT_EQ(h[1].second, "$ONE and $ and $");
  EXPECT_EQ(h[2].second, "");
  EXPECT_EQ(h[3].second, "price: 5$");
}

TEST_F(ConfigTest, ProcessEnvironmentReadsGetenv) {
  // PATH is set in every environment the tests run in.
  const auto path = processEnvironment()("PATH");
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, std::getenv("PATH"));
  EXPECT_FALSE(processEnvironment()("RFLOW_SURELY_NOT_SET_1234").has_value());
}

TEST_F(ConfigTest, AuthErrors) {
  const std::string token = "\ntoken_sha256 = \"" + std::string(64, 'a') + "\"\n";
  {
    const ConfigError e =
        error("[[auth.users]]\nname = \"ann\"\nroles = [\"X\"]\ntoken_sha256 = \"abc\"\n");
    EXPECT_EQ(e.key, "auth.users[0].token_sha256");
    EXPECT_EQ(e.line, 4u);
    EXPECT_EQ(
        e.message,
        "expected the SHA-256 of the bearer token as 64 hex digits (e.g. from `printf %s TOKEN | "
        "sha256sum`), found 3 characters");
  }
  EXPECT_EQ(
      error("[[auth.users]]\nname = \"ann\"\nroles = []\ntoken_sha256 = \"" + std::string(64, 'g') +
            "\"\n")
          .message,
      "expected the SHA-256 of the bearer token as 64 hex digits (e.g. from `printf %s TOKEN | "
      "sha256sum`), found 64 characters that are not all hex digits");
  {
    const ConfigError e = error("[[auth.users]]\nname = \"ann\"" + token);
    EXPECT_EQ(e.key, "auth.users[0]");
    EXPECT_EQ(e.line, 1u);
    EXPECT_EQ(
        e.message,
        "this user has no `roles`: every [[auth.users]] entry needs name, roles and token_sha256");
  }
  {
    const auto r = parse("[[auth.users]]\nrole = [\"X\"]\n");
    const ConfigErrors& errors = std::get<ConfigErrors>(r);
    ASSERT_EQ(errors.size(), 4u) << describe(errors);
    EXPECT_EQ(errors[3].message, "unknown setting `role`: did you mean `roles`?");
    EXPECT_EQ(errors[3].key, "auth.users[0].role");
    EXPECT_EQ(errors[3].line, 2u);
  }
  {
    const auto r = parse("[[auth.users]]\nname = \"ann\"\nroles = [\"X\", 3, \"a b\"]" + token);
    const ConfigErrors& errors = std::get<ConfigErrors>(r);
    ASSERT_EQ(errors.size(), 2u) << describe(errors);
    EXPECT_EQ(errors[0].key, "auth.users[0].roles[1]");
    EXPECT_EQ(errors[0].line, 3u);
    EXPECT_EQ(errors[0].column, 15u);
    EXPECT_EQ(errors[0].message,
              "expected a declared role's name (like \"StoreManager\") or \"admin\", found 3");
    EXPECT_EQ(errors[1].key, "auth.users[0].roles[2]");
    EXPECT_EQ(
        errors[1].message,
        "expected a declared role's name (like \"StoreManager\") or \"admin\", found \"a b\"");
  }
  EXPECT_EQ(error("[[auth.users]]\nname = \"\"\nroles = []" + token).message,
            "a user's name is their id: it cannot be empty or hold control characters");
  EXPECT_EQ(error("[[auth.users]]\nname = \"ann\"\nroles = \"admin\"" + token).message,
            "expected a list of role names like [\"AccountsPayable\", \"admin\"], found \"admin\"");
  {
    const ConfigError e = error("[auth]\nusers = { name = \"ann\" }\n");
    EXPECT_EQ(e.key, "auth.users");
    EXPECT_EQ(
        e.message,
        "expected [[auth.users]] entries, each with name, roles and token_sha256, found a table");
  }
  {
    const ConfigError e = error("[auth]\nuser = 1\n");
    EXPECT_EQ(e.message, "unknown setting `user`: did you mean `users`?");
    EXPECT_EQ(e.key, "auth.user");
  }
}

TEST_F(ConfigTest, DuplicateUsersAndTokens) {
  const std::string a = std::string(64, 'a');
  const std::string b = std::string(64, 'b');
  auto user = [](std::string_view name, std::string_view token) {
    return "[[auth.users]]\nname = \"" + std::string(name) + "\"\nroles = []\ntoken_sha256 = \"" +
           std::string(token) + "\"\n";
  };
  {
    const ConfigError e = error(user("ann", a) + user("ann", b));
    EXPECT_EQ(e.key, "auth.users[1].name");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.message,
              "user `ann` is listed twice (also at line 1): give each user one entry with all "
              "their roles");
  }
  {
    // Upper and lower case hex are one hash.
    std::string upper = a;
    for (char& c : upper)
      c = 'A';
    const ConfigError e = error(user("ann", a) + user("bob", upper));
    EXPECT_EQ(e.key, "auth.users[1].token_sha256");
    EXPECT_EQ(e.message, "users `ann` and `bob` have the same token: each user needs their own");
  }
}

TEST_F(ConfigTest, EngineAndServiceErrors) {
  {
    const ConfigError e = error("[engine]\ndurability = \"fsync\"\n");
    EXPECT_EQ(e.key, "engine.durability");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.message,
              "expected \"sync\" (every step is on disk before it is acknowledged) or \"async\", "
              "found \"fsync\"");
  }
  EXPECT_EQ(error("[engine]\nworkers = 0\n").message,
            "expected a number of worker threads from 1 to 256, found 0");
  EXPECT_EQ(error("[engine]\nworkers = 257\n").message,
            "expected a number of worker threads from 1 to 256, found 257");
  EXPECT_EQ(error("[engine]\nworkers = \"4\"\n").message,
            "expected a number of worker threads from 1 to 256, found \"4\"");
  EXPECT_EQ(error("[engine]\nworkers = 2.5\n").message,
            "expected a number of worker threads from 1 to 256, found the number 2.5");
  EXPECT_EQ(error("[engine]\nworker = 2\n").message,
            "unknown setting `worker`: did you mean `workers`?");
  for (const char* listen : {"\"8080\"", "\"localhost\"", "\"::1:8080\"", "\"h:70000\"", "\"h:\"",
                             "\":80\"", "\"[]:80\"", "\"h:8o\""}) {
    const ConfigError e = error(std::string("[service]\nlisten = ") + listen + "\n");
    EXPECT_EQ(e.key, "service.listen") << listen;
    EXPECT_EQ(
        e.message,
        std::string(
            "expected an address and port like \"127.0.0.1:8080\" or \"[::1]:8080\", found ") +
            listen);
  }
  EXPECT_EQ(error("[service]\nmetrics_open = \"yes\"\n").message,
            "expected true (serve /metrics without a token) or false, found \"yes\"");
  EXPECT_EQ(error("[service]\nmetric_open = true\n").message,
            "unknown setting `metric_open`: did you mean `metrics_open`?");
  EXPECT_EQ(error("[service]\nport = 80\n").message,
            "unknown setting `port`: the service's settings are listen, metrics_open, "
            "shutdown_grace, tls_cert and tls_key");
  for (const char* grace : {"\"0s\"", "\"2h\"", "30", "\"soon\""}) {
    EXPECT_EQ(
        error(std::string("[service]\nshutdown_grace = ") + grace + "\n").message,
        std::string("expected a duration from \"1s\" to \"1h\" like \"30s\", found ") + grace);
  }
  const Config c = ok("[service]\nlisten = \"0.0.0.0:9000\"\nshutdown_grace = \"45s\"\n");
  EXPECT_EQ(c.service.host, "0.0.0.0");
  EXPECT_EQ(c.service.port, 9000);
  EXPECT_EQ(c.service.shutdown_grace_ms, 45'000);
  EXPECT_EQ(ok("").service.shutdown_grace_ms, 30'000);
}

TEST_F(ConfigTest, EngineMaxQueued) {
  EXPECT_EQ(ok("").engine.max_queued, 10'000u);
  EXPECT_EQ(ok("[engine]\nmax_queued = 50\n").engine.max_queued, 50u);
  for (const char* bad : {"0", "-3", "10000001", "\"100\""}) {
    const ConfigError e = error(std::string("[engine]\nmax_queued = ") + bad + "\n");
    EXPECT_EQ(e.key, "engine.max_queued");
    EXPECT_EQ(e.message, std::string("expected the backlog (steps queued, calls unanswered) past "
                                     "which new work is answered 429, from 1 to 10000000, found ") +
                             bad);
  }
}

TEST_F(ConfigTest, EngineCommitNice) {
  EXPECT_EQ(ok("").engine.commit_nice, -10);
  EXPECT_EQ(ok("[engine]\ncommit_nice = 0\n").engine.commit_nice, 0);
  EXPECT_EQ(ok("[engine]\ncommit_nice = -20\n").engine.commit_nice, -20);
  const std::pair<const char*, const char*> bad[] = {
      {"1", "1"}, {"-21", "-21"}, {"\"-5\"", "\"-5\""}, {"-2.5", "the number -2.5"}};
  for (const auto& [written, found] : bad) {
    const ConfigError e = error(std::string("[engine]\ncommit_nice = ") + written + "\n");
    EXPECT_EQ(e.key, "engine.commit_nice");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.message, std::string("expected the commit thread's nice value, from -20 (most "
                                     "favoured) to 0 (the process's own priority), found ") +
                             found);
  }
}

// HTTPS settings: paths relative to the file, both or neither.
TEST_F(ConfigTest, ServiceTls) {
  const Config c = ok("[service]\ntls_cert = \"tls/cert.pem\"\ntls_key = \"/etc/k.pem\"\n");
  EXPECT_EQ(c.service.tls_cert, (dir_.path() / "tls/cert.pem").lexically_normal());
  EXPECT_EQ(c.service.tls_key, "/etc/k.pem");
  EXPECT_TRUE(ok("").service.tls_cert.empty());
  {
    const ConfigError e = error("[service]\ntls_cert = \"c.pem\"\n");
    EXPECT_EQ(e.key, "service.tls_cert");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.message,
              "tls_cert is set without tls_key: add tls_key = \"….pem\" (the certificate's "
              "private key), or remove tls_cert to serve plain HTTP");
  }
  EXPECT_EQ(error("[service]\ntls_key = \"k.pem\"\n").key, "service.tls_key");
  EXPECT_EQ(error("[service]\ntls_cert = \"\"\ntls_key = \"k.pem\"\n").message,
            "the path is empty: write the PEM file of the certificate (chain), or remove both "
            "tls_cert and tls_key to serve plain HTTP");
  EXPECT_EQ(error("[service]\ntls_cert = 1\ntls_key = \"k.pem\"\n").message,
            "expected a string like \"tls/cert.pem\", found 1");
}

TEST_F(ConfigTest, Classifiers) {
  const Config c = ok(R"toml(
[classifiers.IssueKind]
model = "models/issue_kind.ftz"

[classifiers."retail.triage.Urgency"]
model = "/srv/models/urgency.bin"
)toml");
  ASSERT_EQ(c.classifiers.size(), 2u);
  EXPECT_EQ(c.classifiers[0].name, "IssueKind");
  EXPECT_EQ(c.classifiers[0].model, (dir_.path() / "models/issue_kind.ftz").lexically_normal());
  EXPECT_EQ(c.classifiers[0].pos.line, 2u);
  EXPECT_EQ(c.classifiers[1].name, "retail.triage.Urgency");
  EXPECT_EQ(c.classifiers[1].model, "/srv/models/urgency.bin");
  // Found by qualified name, and by the last segment of one.
  EXPECT_EQ(c.classifier("retail.triage.IssueKind"), &c.classifiers[0]);
  EXPECT_EQ(c.classifier("retail.triage.Urgency"), &c.classifiers[1]);
  EXPECT_EQ(c.classifier("Other"), nullptr);
  EXPECT_TRUE(ok("").classifiers.empty());
}

TEST_F(ConfigTest, ClassifierErrors) {
  {
    const ConfigError e = error("[classifiers.IssueKind]\nmodel = 3\n");
    EXPECT_EQ(e.key, "classifiers.IssueKind.model");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.column, 1u);
    EXPECT_EQ(e.message, "expected a string like \"models/issue_kind.ftz\", found 3");
  }
  {
    const ConfigError e = error("[classifiers.IssueKind]\nmodel = \"m.ftz\"\nthreshold = 0.8\n");
    EXPECT_EQ(e.key, "classifiers.IssueKind.threshold");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.message, "unknown setting `threshold`: a classifier's setting is model");
  }
  EXPECT_EQ(error("[classifiers.IssueKind]\nmodels = \"m.ftz\"\n").message,
            "unknown setting `models`: did you mean `model`?");
  {
    const ConfigError e = error("\n[classifiers.IssueKind]\n");
    EXPECT_EQ(e.key, "classifiers.IssueKind");
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.message,
              "classifier `IssueKind` has no `model`: add model = \"models/….ftz\" (a model made "
              "by `rflow train`), or remove the table to run without one");
  }
  EXPECT_EQ(error("[classifiers.IssueKind]\nmodel = \"\"\n").message,
            "the model path is empty: write a fastText model's path, like "
            "\"models/issue_kind.ftz\" (made by `rflow train`)");
  EXPECT_EQ(error("[classifiers]\nIssueKind = \"m.ftz\"\n").key, "classifiers.IssueKind");
  EXPECT_EQ(error("classifiers = 1\n").message,
            "expected a table (`[classifiers]` with settings below it), found 1");
  EXPECT_EQ(error("[classifiers.\"not a name\"]\nmodel = \"m.ftz\"\n").key,
            "classifiers.\"not a name\"");
  {
    const ConfigError e = error("[classifiers.retail.triage.IssueKind]\nmodel = \"m.ftz\"\n");
    EXPECT_EQ(e.key, "classifiers.retail.triage");
    EXPECT_EQ(e.message,
              "unknown setting `triage`: a classifier's setting is model; to name a classifier "
              "by its qualified name, quote it: [classifiers.\"retail.triage.IssueKind\"]");
  }
  EXPECT_EQ(error("[classifer.IssueKind]\nmodel = \"m.ftz\"\n").message,
            "unknown setting `classifer`: did you mean `classifiers`?");
}

TEST_F(ConfigTest, EveryProblemIsReportedInFileOrder) {
  const auto r = parse(R"toml([service]
listen = "nowhere"

[connectors.wms]
url = "gopher://x"

[engine]
workers = 0
durability = "later"
)toml");
  const ConfigErrors& errors = std::get<ConfigErrors>(r);
  ASSERT_EQ(errors.size(), 4u) << describe(errors);
  EXPECT_EQ(errors[0].line, 2u);
  EXPECT_EQ(errors[1].line, 5u);
  EXPECT_EQ(errors[2].line, 8u);
  EXPECT_EQ(errors[3].line, 9u);
  const std::string file = (dir_.path() / "rflow.toml").string();
  EXPECT_EQ(describe(errors).substr(0, file.size() + 5), file + ":2:1:");
  EXPECT_EQ(errors[1].text(),
            file + ":5:1: `connectors.wms.url`: `gopher://x` is not an http:// or https:// URL");
}

TEST_F(ConfigTest, UserRolesAreCheckedAgainstTheModule) {
  const Config c = ok(R"toml([[auth.users]]
name = "ann"
roles = ["StoreManager", "admin", "shop.orders.Buyer", "StoreManger", "Auditor"]
token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)toml");
  const ConfigErrors errors = checkUserRoles(c, testing::sampleModule());
  ASSERT_EQ(errors.size(), 2u) << describe(errors);
  EXPECT_EQ(errors[0].key, "auth.users[0].roles[3]");
  EXPECT_EQ(errors[0].line, 3u);
  EXPECT_EQ(errors[0].column, 56u);
  EXPECT_EQ(errors[0].message,
            "the project declares no role `StoreManger`: did you mean `StoreManager`?");
  EXPECT_EQ(errors[1].message,
            "the project declares no role `Auditor`; roles are declared with `role Name "
            "\"Title\"`, and \"admin\" "
            "is rflow's own");

  // A declared name two roles share must be written qualified.
  bytecode::Module m = testing::sampleModule();
  m.strings.push_back("shop.other.StoreManager");
  m.roles.push_back({static_cast<bytecode::StringId>(m.strings.size() - 1), m.roles[0].title});
  const ConfigErrors shared = checkUserRoles(c, m);
  ASSERT_EQ(shared.size(), 3u);
  EXPECT_EQ(shared[0].message,
            "`StoreManager` names several roles of the project: write the qualified name");
}

TEST(ConfigErrorText, WithoutPlaceOrKey) {
  EXPECT_EQ((ConfigError{"rflow.toml", 0, 0, "", "boom"}).text(), "rflow.toml: boom");
  EXPECT_EQ((ConfigError{"rflow.toml", 3, 7, "engine", "boom"}).text(),
            "rflow.toml:3:7: `engine`: boom");
}

TEST(ConfigExamples, TheExampleProjectsConfigReads) {
  const auto path = std::filesystem::path(RFLOW_SOURCE_DIR) / "examples" / "rflow.toml";
  auto result = Config::load(path, true);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << describe(std::get<ConfigErrors>(result));
  const Config& c = std::get<Config>(result);
  EXPECT_EQ(c.connectors.size(), 6u);
  for (const ConnectorConfig& conn : c.connectors)
    EXPECT_TRUE(std::holds_alternative<StubTarget>(conn.target));
}

}  // namespace
}  // namespace rflow::runtime
