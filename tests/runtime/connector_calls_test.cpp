// ConnectorCalls, the engine's dispatcher for real connectors, against a real HTTP server
// on 127.0.0.1: answers decoded to the op's result type, wrong shapes permanent, 5xx
// storms opening the circuit breaker (no more load on the system) until a probe finds it
// back, and attempts handed back from the pool.
#include "runtime/connector_calls.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <future>
#include <thread>

#include "engine/record_codec.h"
#include "runtime_test_util.h"
#include "vm/print.h"

namespace rflow::runtime {
namespace {

using testing::opIndex;
using testing::sampleModule;

// Answers POST /erp/fx_rate with `body`, or 503 while `down`.
class Erp {
 public:
  Erp() {
    server_.Post("/erp/fx_rate", [this](const httplib::Request&, httplib::Response& res) {
      ++requests;
      if (down) {
        res.status = 503;
        return;
      }
      std::lock_guard lock(mutex_);
      res.set_content(body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Erp() {
    server_.stop();
    thread_.join();
  }
  void answer(std::string body) {
    std::lock_guard lock(mutex_);
    body_ = std::move(body);
  }
  int port() const { return port_; }
  std::atomic<int> requests{0};
  std::atomic<bool> down{false};

 private:
  httplib::Server server_;
  std::mutex mutex_;
  std::string body_ = "\"1.0850\"";
  int port_ = 0;
  std::thread thread_;
};

class ConnectorCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = Config::fromString("[connectors.erp]\nurl = \"http://127.0.0.1:" +
                                         std::to_string(erp.port()) + "/erp\"\ntimeout = \"2s\"\n",
                                     "/tmp/rflow.toml");
    ASSERT_TRUE(std::holds_alternative<Config>(config));
    auto set = ConnectorSet::fromConfig(std::get<Config>(config));
    ASSERT_TRUE(std::holds_alternative<ConnectorSet>(set));
    connectors = std::make_unique<ConnectorSet>(std::move(std::get<ConnectorSet>(set)));
    auto loaded = vm::Program::load(sampleModule());
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const vm::Program>>(loaded));
    program = std::get<std::shared_ptr<const vm::Program>>(loaded);
    calls = std::make_unique<ConnectorCalls>(
        *connectors, 2,
        BreakerOptions{.failures = 3, .cooldown_ms = 1'000, .max_cooldown_ms = 4'000},
        [this] { return now.load(); });
  }
  engine::CallRequest request(uint64_t n = 1) {
    engine::CallRequest r;
    r.instance = "in-0000000001";
    r.workflow = "shop.Pay";
    r.request = n;
    r.program = program;
    r.op = opIndex(program->module(), "erp", "fx_rate");
    r.args =
        engine::encodeValue(vm::Value::list({vm::Value::string("EUR"), vm::Value::string("USD")}));
    r.idempotency_key = "in-0000000001/" + std::to_string(n);
    return r;
  }

  Erp erp;
  std::atomic<int64_t> now{0};
  std::unique_ptr<ConnectorSet> connectors;
  std::shared_ptr<const vm::Program> program;
  std::unique_ptr<ConnectorCalls> calls;
};

TEST_F(ConnectorCallsTest, AnAnswerBecomesAValueOfTheResultType) {
  const engine::CallResult r = calls->attempt(request());
  ASSERT_EQ(r.kind, engine::CallResult::Kind::kOk) << r.reason;
  const auto value = engine::decodeValue(r.value, program->module());
  ASSERT_TRUE(value);
  EXPECT_EQ(vm::printed(*value, program->module()), "1.0850");
  EXPECT_EQ(r.instance, "in-0000000001");
}

TEST_F(ConnectorCallsTest, AnAnswerOfTheWrongShapeIsPermanentAndNamesWhatIsWrong) {
  erp.answer("{\"rate\": 1.08}");
  const engine::CallResult r = calls->attempt(request());
  EXPECT_EQ(r.kind, engine::CallResult::Kind::kPermanent);
  EXPECT_NE(r.reason.find("decimal"), std::string::npos) << r.reason;
}

TEST_F(ConnectorCallsTest, A5xxStormOpensTheCircuitUntilAProbeFindsTheSystemBack) {
  erp.down = true;
  for (int i = 0; i < 3; ++i) {
    const engine::CallResult r = calls->attempt(request());
    EXPECT_EQ(r.kind, engine::CallResult::Kind::kRetryable);
    EXPECT_NE(r.reason.find("503"), std::string::npos) << r.reason;
  }
  EXPECT_EQ(erp.requests.load(), 3);
  // Open: attempts fail at once and the system sees no more load.
  for (int i = 0; i < 5; ++i) {
    const engine::CallResult r = calls->attempt(request());
    EXPECT_EQ(r.kind, engine::CallResult::Kind::kRetryable);
    EXPECT_NE(r.reason.find("the circuit of `erp` is open"), std::string::npos) << r.reason;
  }
  EXPECT_EQ(erp.requests.load(), 3);
  ASSERT_EQ(calls->breakers().size(), 1u);
  EXPECT_EQ(calls->breakers()[0].state, BreakerState::kOpen);
  EXPECT_EQ(calls->breakers()[0].rejected, 5u);

  // The system comes back; after the cooldown one probe goes out and closes the circuit.
  erp.down = false;
  now += 1'000;
  const engine::CallResult probe = calls->attempt(request());
  EXPECT_EQ(probe.kind, engine::CallResult::Kind::kOk) << probe.reason;
  EXPECT_EQ(erp.requests.load(), 4);
  EXPECT_EQ(calls->breakers()[0].state, BreakerState::kClosed);
}

TEST_F(ConnectorCallsTest, ThePoolAnswersEveryDispatchOnce) {
  constexpr int kCalls = 20;
  std::atomic<int> answered{0};
  std::promise<void> all;
  for (int i = 1; i <= kCalls; ++i) {
    calls->dispatch(request(static_cast<uint64_t>(i)), [&](engine::CallResult r) {
      EXPECT_EQ(r.kind, engine::CallResult::Kind::kOk) << r.reason;
      if (++answered == kCalls) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(answered.load(), kCalls);
}

}  // namespace
}  // namespace rflow::runtime
