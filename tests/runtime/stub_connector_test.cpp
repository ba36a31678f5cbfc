// StubConnector (sequences per instance, the last repeating, idempotency keys, failures,
// file errors, checks against the module) and ConnectorSet (binding a module's declared
// connectors to rflow.toml, and the example project's stubs).
#include "runtime/stub_connector.h"

#include <gtest/gtest.h>

#include <thread>

#include "driver/build.h"
#include "runtime/connector.h"
#include "runtime_test_util.h"

namespace rflow::runtime {
namespace {

using nlohmann::json;
using testing::sampleModule;
using testing::TempDir;

std::unique_ptr<StubConnector> stub(const char* text) {
  auto r = StubConnector::fromJson("wms", "stubs/wms.json", json::parse(text));
  if (auto* problem = std::get_if<std::string>(&r)) {
    ADD_FAILURE() << *problem;
    return nullptr;
  }
  return std::get<std::unique_ptr<StubConnector>>(std::move(r));
}

std::string stubProblem(const char* text) {
  auto r = StubConnector::fromJson("wms", "stubs/wms.json", json::parse(text));
  if (auto* problem = std::get_if<std::string>(&r)) return *problem;
  ADD_FAILURE() << "expected a problem with " << text;
  return {};
}

CallRequest call(std::string op, std::string instance, std::string key = "") {
  CallRequest r;
  r.connector = "retail.systems.wms";
  r.op = std::move(op);
  r.args = json::object();
  r.instance = std::move(instance);
  r.workflow = "W";
  r.idempotency_key = std::move(key);
  return r;
}

// What a call gives, as text: the body, or "permanent: …" / "retryable: …".
std::string result(const StubConnector& s, const CallRequest& r) {
  const CallResult c = s.call(r);
  if (const auto* ok = std::get_if<CallSuccess>(&c)) return ok->body.dump();
  if (const auto* p = std::get_if<CallPermanent>(&c)) return "permanent: " + p->message;
  return "retryable: " + std::get<CallRetryable>(c).message;
}

TEST(StubConnector, OneResultForEveryCall) {
  auto s = stub(R"({"availability": {"units": 2400, "case_pack": 12}})");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(result(*s, call("availability", "i-1")), R"({"case_pack":12,"units":2400})");
  EXPECT_EQ(result(*s, call("availability", "i-2")), R"({"case_pack":12,"units":2400})");
}

TEST(StubConnector, SequencesArePerInstanceAndTheLastRepeats) {
  auto s = stub(R"({"publish": [{"batch": "PB-1"}, {"batch": "PB-2"}]})");
  EXPECT_EQ(result(*s, call("publish", "i-1")), R"({"batch":"PB-1"})");
  EXPECT_EQ(result(*s, call("publish", "i-2")), R"({"batch":"PB-1"})");
  EXPECT_EQ(result(*s, call("publish", "i-1")), R"({"batch":"PB-2"})");
  EXPECT_EQ(result(*s, call("publish", "i-1")), R"({"batch":"PB-2"})");
  EXPECT_EQ(result(*s, call("publish", "i-2")), R"({"batch":"PB-2"})");
}

TEST(StubConnector, AListResultIsAOneElementSequence) {
  auto s = stub(R"({"skus": [["SKU-1", "SKU-2"]], "none": [[]]})");
  EXPECT_EQ(result(*s, call("skus", "i")), R"(["SKU-1","SKU-2"])");
  EXPECT_EQ(result(*s, call("skus", "i")), R"(["SKU-1","SKU-2"])");
  EXPECT_EQ(result(*s, call("none", "i")), "[]");
}

TEST(StubConnector, ARepeatedIdempotencyKeyGetsTheSameAnswer) {
  auto s = stub(R"({"allocate": [{"id": "A1"}, {"id": "A2"}, {"id": "A3"}]})");
  EXPECT_EQ(result(*s, call("allocate", "i", "i/1")), R"({"id":"A1"})");
  // The engine re-sends a pending call after a crash with its key: the same answer, and
  // the sequence does not move.
  EXPECT_EQ(result(*s, call("allocate", "i", "i/1")), R"({"id":"A1"})");
  EXPECT_EQ(result(*s, call("allocate", "i", "i/2")), R"({"id":"A2"})");
  EXPECT_EQ(result(*s, call("allocate", "i", "i/1")), R"({"id":"A1"})");
  EXPECT_EQ(result(*s, call("allocate", "i", "i/3")), R"({"id":"A3"})");
  // Without a key every call moves on.
  EXPECT_EQ(result(*s, call("allocate", "j")), R"({"id":"A1"})");
  EXPECT_EQ(result(*s, call("allocate", "j")), R"({"id":"A2"})");
}

TEST(StubConnector, Failures) {
  auto s = stub(R"({
    "post_invoice": [{"$error": "ERP down", "$retryable": true}, {"$error": "still down", "$retryable": true},
                     {"document": "51"}],
    "refund": {"$error": "card closed"},
    "explicit": {"$error": "no", "$retryable": false}
  })");
  // Failed attempts are not remembered by key: the engine's retries move along.
  EXPECT_EQ(result(*s, call("post_invoice", "i", "i/1")),
            "retryable: `wms.post_invoice`: ERP down (stub)");
  EXPECT_EQ(result(*s, call("post_invoice", "i", "i/1")),
            "retryable: `wms.post_invoice`: still down (stub)");
  EXPECT_EQ(result(*s, call("post_invoice", "i", "i/1")), R"({"document":"51"})");
  EXPECT_EQ(result(*s, call("post_invoice", "i", "i/1")), R"({"document":"51"})");
  EXPECT_EQ(result(*s, call("refund", "i", "i/2")), "permanent: `wms.refund`: card closed (stub)");
  EXPECT_EQ(result(*s, call("refund", "i", "i/2")), "permanent: `wms.refund`: card closed (stub)");
  EXPECT_EQ(result(*s, call("explicit", "i")), "permanent: `wms.explicit`: no (stub)");
  EXPECT_EQ(std::get<CallPermanent>(s->call(call("refund", "k"))).reason, "card closed (stub)");
  EXPECT_EQ(result(*s, call("nothing", "i")),
            "permanent: `wms.nothing`: the stub file stubs/wms.json has no result for `nothing`");
}

TEST(StubConnector, FileProblems) {
  EXPECT_EQ(
      stubProblem("[1, 2]"),
      "stub file stubs/wms.json: expected an object mapping each operation to its result, like "
      "{\"allocate\": {\"id\": \"AL-1\", \"units\": 12}}");
  EXPECT_EQ(stubProblem(R"({"publish": []})"),
            "stub file stubs/wms.json: `publish` is an empty list of results; for one result that "
            "is an empty "
            "list, write [[]]");
  EXPECT_EQ(
      stubProblem(R"({"refund": {"$error": 5}})"),
      "stub file stubs/wms.json: `refund`: `$error` needs the failure's message as a string, like "
      "{\"$error\": \"ERP down\"}");
  EXPECT_EQ(stubProblem(R"({"refund": [{"ok": 1}, {"$error": ""}]})"),
            "stub file stubs/wms.json: `refund` result 2: `$error` needs the failure's message as "
            "a string, like "
            "{\"$error\": \"ERP down\"}");
  EXPECT_EQ(
      stubProblem(R"({"refund": {"$error": "x", "code": 7}})"),
      "stub file stubs/wms.json: `refund`: a failure is {\"$error\": \"message\"} with an optional "
      "\"$retryable\": true, not `code`");
  EXPECT_EQ(
      stubProblem(R"({"refund": {"$error": "x", "$retryable": "yes"}})"),
      "stub file stubs/wms.json: `refund`: a failure is {\"$error\": \"message\"} with an optional "
      "\"$retryable\": true, not `$retryable`");
}

TEST(StubConnector, LoadingFiles) {
  TempDir dir;
  const auto good = dir.write("good.json", R"({"a": 1})");
  auto loaded = StubConnector::load("wms", good);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<StubConnector>>(loaded));
  EXPECT_EQ(result(*std::get<std::unique_ptr<StubConnector>>(loaded), call("a", "i")), "1");

  const auto bad = dir.write("bad.json", R"({"a": 1,})");
  const std::string problem = std::get<std::string>(StubConnector::load("wms", bad));
  EXPECT_TRUE(problem.starts_with("stub file " + bad.string() +
                                  ": the text is not JSON: parse error at line 1"))
      << problem;
  const std::string missing =
      std::get<std::string>(StubConnector::load("wms", dir.path() / "missing.json"));
  EXPECT_TRUE(missing.starts_with("stub file " + (dir.path() / "missing.json").string() +
                                  ": cannot read it: "))
      << missing;
  const auto deep =
      dir.write("deep.json", "{\"a\": " + std::string(70, '[') + std::string(70, ']') + "}");
  EXPECT_EQ(std::get<std::string>(StubConnector::load("wms", deep)),
            "stub file " + deep.string() + ": the JSON nests deeper than 64 levels");
}

TEST(StubConnector, TheOldestInstancesAreForgotten) {
  auto s = stub(R"({"publish": [1, 2]})");
  EXPECT_EQ(result(*s, call("publish", "first")), "1");
  EXPECT_EQ(result(*s, call("publish", "first")), "2");
  for (size_t i = 0; i < kMaxStubInstances; ++i)
    result(*s, call("publish", "other-" + std::to_string(i)));
  // `first` was the oldest of kMaxStubInstances + 1: it starts again.
  EXPECT_EQ(result(*s, call("publish", "first")), "1");
  // The newest are still remembered.
  EXPECT_EQ(result(*s, call("publish", "other-" + std::to_string(kMaxStubInstances - 1))), "2");
}

TEST(StubConnector, ConcurrentInstancesEachSeeTheirOwnSequence) {
  auto s = stub(R"({"publish": [1, 2, 3]})");
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string instance = std::to_string(t) + "-" + std::to_string(i);
        if (result(*s, call("publish", instance)) == "1" &&
            result(*s, call("publish", instance)) == "2" &&
            result(*s, call("publish", instance)) == "3" &&
            result(*s, call("publish", instance)) == "3")
          ++good;
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  EXPECT_EQ(good.load(), 800);
}

TEST(StubConnector, CheckedAgainstTheModule) {
  const bytecode::Module& m = sampleModule();
  uint32_t wms = 0;
  for (uint32_t i = 0; i < m.connectors.size(); ++i) {
    if (m.strings[m.connectors[i].name] == "shop.orders.wms") wms = i;
  }
  auto s = stub(R"({
    "allocate": [{"sku": "S", "qty": 1, "unit_price": {"amount": "1.00", "currency": "USD"}},
                 {"sku": "S", "qty": "1", "unit_price": {"amount": "1.00", "currency": "USD"}},
                 {"$error": "down"}],
    "alocate": {},
    "ship": {}
  })");
  EXPECT_EQ(s->checkAgainst(m, wms),
            (std::vector<std::string>{
                "stub file stubs/wms.json: `allocate` result 2 does not fit `shop.orders.Line`: "
                "`qty`: expected an "
                "int (a whole JSON number like 42), found \"1\"",
                "stub file stubs/wms.json: `alocate` is not an operation of connector `wms` (did "
                "you mean "
                "`allocate`?)",
                "stub file stubs/wms.json: `ship` is not an operation of connector `wms`",
            }));
  auto fine = stub(
      R"({"allocate": {"sku": "S", "qty": 1, "unit_price": {"amount": "1", "currency": "EUR"}}})");
  EXPECT_TRUE(fine->checkAgainst(m, wms).empty());
}

class ConnectorSetTest : public ::testing::Test {
 protected:
  Config config(const std::string& text) {
    auto r = Config::fromString(text, dir_.path() / "rflow.toml",
                                [](std::string_view) { return std::nullopt; });
    if (auto* e = std::get_if<ConfigErrors>(&r)) {
      ADD_FAILURE() << describe(*e);
      return Config::defaults();
    }
    return std::get<Config>(std::move(r));
  }

  TempDir dir_;
};

TEST_F(ConnectorSetTest, BindsDeclaredNamesToConfiguredConnectors) {
  dir_.write(
      "stubs/wms.json",
      R"({"allocate": {"sku": "S", "qty": 2, "unit_price": {"amount": "1", "currency": "EUR"}}})");
  const Config c = config(
      "[connectors.wms]\nstub = \"stubs/wms.json\"\n[connectors.\"shop.orders.erp\"]\nurl = "
      "\"http://127.0.0.1:1/erp\"\n");
  auto r = ConnectorSet::fromConfig(c);
  ASSERT_TRUE(std::holds_alternative<ConnectorSet>(r));
  const ConnectorSet& set = std::get<ConnectorSet>(r);
  EXPECT_NE(set.find("wms"), nullptr);
  EXPECT_EQ(set.find("shop.orders.wms"), set.find("wms"));
  EXPECT_NE(set.find("shop.orders.erp"), nullptr);
  EXPECT_EQ(set.find("erp"), nullptr);
  EXPECT_EQ(set.find("pos"), nullptr);
  EXPECT_TRUE(set.checkModule(sampleModule()).empty());

  CallRequest r1 = call("allocate", "i");
  r1.connector = "shop.orders.wms";
  EXPECT_TRUE(std::holds_alternative<CallSuccess>(set.call(r1)));
  CallRequest r2 = call("x", "i");
  r2.connector = "shop.orders.pos";
  const CallResult none = set.call(r2);
  EXPECT_EQ(std::get<CallPermanent>(none).message,
            "`pos.x`: connector `pos` has no settings in " + (dir_.path() / "rflow.toml").string());
}

TEST_F(ConnectorSetTest, ReportsConnectorsWithoutSettings) {
  const Config c = config("[connectors.erp]\nurl = \"http://127.0.0.1:1/erp\"\n");
  const ConnectorSet set = std::get<ConnectorSet>(ConnectorSet::fromConfig(c));
  EXPECT_EQ(set.checkModule(sampleModule()),
            (std::vector<std::string>{
                "connector `wms` has no settings in " + (dir_.path() / "rflow.toml").string() +
                ": add [connectors.wms] with url = \"http://…\" or stub = \"stubs/wms.json\""}));

  const Config other = config("[connectors.pos]\nurl = \"http://127.0.0.1:1/pos\"\n");
  const ConnectorSet unrelated = std::get<ConnectorSet>(ConnectorSet::fromConfig(other));
  EXPECT_EQ(
      unrelated.checkModule(sampleModule()),
      (std::vector<std::string>{
          "connectors `erp`, `wms` have no settings in " + (dir_.path() / "rflow.toml").string() +
          ": add [connectors.erp] with url = \"http://…\" or stub = \"stubs/erp.json\" "
          "for each"}));

  const Config none = Config::defaults();
  const ConnectorSet empty = std::get<ConnectorSet>(ConnectorSet::fromConfig(none));
  EXPECT_EQ(empty.checkModule(sampleModule()),
            (std::vector<std::string>{
                "the project declares connectors `erp`, `wms` but there is no rflow.toml: "
                "create it and add [connectors.erp] with url = \"http://…\" or stub = "
                "\"stubs/erp.json\" for each, or pass --config FILE"}));
}

TEST_F(ConnectorSetTest, StubFilesAreReadAndCheckedUpFront) {
  dir_.write("stubs/erp.json", "not json");
  dir_.write("stubs/wms.json", R"({"allocate": {"sku": 1}})");
  const Config bad = config("[connectors.erp]\nstub = \"stubs/erp.json\"\n");
  const auto problems = std::get<std::vector<std::string>>(ConnectorSet::fromConfig(bad));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].starts_with("connector `erp`: stub file " +
                                      (dir_.path() / "stubs/erp.json").string() +
                                      ": the text is not JSON"))
      << problems[0];

  const Config wrong_shape =
      config("[connectors.wms]\nstub = \"stubs/wms.json\"\n[connectors.erp]\nurl = \"http://x\"\n");
  const ConnectorSet set = std::get<ConnectorSet>(ConnectorSet::fromConfig(wrong_shape));
  EXPECT_EQ(
      set.checkModule(sampleModule()),
      (std::vector<std::string>{
          "stub file " + (dir_.path() / "stubs/wms.json").string() +
          ": `allocate` does not fit `shop.orders.Line`: `sku`: expected a string, found 1"}));
}

TEST(ConnectorSetExamples, TheExampleStubsFitTheExampleConnectors) {
  const std::vector<std::string> paths = {std::string(RFLOW_SOURCE_DIR) + "/examples"};
  compiler::BuildResult built = compiler::buildPaths(paths);
  ASSERT_TRUE(built.ok());
  auto config =
      Config::load(std::filesystem::path(RFLOW_SOURCE_DIR) / "examples" / "rflow.toml", true);
  ASSERT_TRUE(std::holds_alternative<Config>(config)) << describe(std::get<ConfigErrors>(config));
  auto set = ConnectorSet::fromConfig(std::get<Config>(config));
  ASSERT_TRUE(std::holds_alternative<ConnectorSet>(set));
  const auto problems = std::get<ConnectorSet>(set).checkModule(*built.module);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

}  // namespace
}  // namespace rflow::runtime
