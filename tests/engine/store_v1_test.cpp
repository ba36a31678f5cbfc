// A data directory written by the engine before the commit pipeline (schema 1: one key
// per audit entry, absolute aggregates) keeps working: tests/engine/v1/store_sample.txt
// holds every key of such a directory, written by the engine at 4c12aeb from
// tests/engine/v1/sample.rflow (README beside it). This test loads it into a store, opens
// today's engine on it, reads everything back, then carries every waiting instance on
// to its end, with schema-2 records written after the schema-1 ones.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/audit_verify.h"
#include "engine/engine.h"
#include "engine/record_codec.h"
#include "vm/print.h"

namespace rflow::engine {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSampleTime = 1767603600000;  // 2026-01-05T09:00:00Z, the sample's clock

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Every key of the sample, as a batch.
store::Batch sampleBatch() {
  std::ifstream in(std::string(RFLOW_SOURCE_DIR) + "/tests/engine/v1/store_sample.txt");
  EXPECT_TRUE(in.good()) << "tests/engine/v1/store_sample.txt is missing";
  store::Batch batch;
  std::string line;
  size_t keys = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find('\t');
    const size_t b = line.find('\t', a + 1);
    const std::string column = line.substr(0, a);
    std::optional<store::Column> found;
    for (size_t c = 0; c < store::kColumnCount; ++c) {
      if (store::columnName(static_cast<store::Column>(c)) == column)
        found = static_cast<store::Column>(c);
    }
    EXPECT_TRUE(found) << "unknown column " << column;
    if (!found) continue;
    batch.put(*found, unhex(line.substr(a + 1, b - a - 1)), unhex(line.substr(b + 1)));
    ++keys;
  }
  EXPECT_EQ(keys, 137u);
  return batch;
}

// Answers erp.reserve and erp.hold at once.
class Answering final : public CallDispatcher {
 public:
  std::vector<std::string> keys;  // Idempotency-Keys sent
  void dispatch(CallRequest request, std::function<void(CallResult)> done) override {
    keys.push_back(request.idempotency_key);
    done({request.instance,
          request.request,
          request.attempt,
          CallResult::Kind::kOk,
          encodeValue(vm::Value::string("H-" + request.instance)),
          {}});
  }
};

class StoreV1Test : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / fmt::format("rflow-v1-{}", ::getpid())).string();
    fs::remove_all(dir_);
    {
      auto opened = store::Store::open(dir_);
      ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
      ASSERT_TRUE(std::get<std::unique_ptr<store::Store>>(opened)->commit(sampleBatch()).ok());
    }
    auto opened = store::Store::open(dir_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened))
        << std::get<std::string>(opened);
    store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    engine_ = std::make_unique<Engine>(*store_, clock_, calls_);
  }
  void TearDown() override {
    engine_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  InstanceView get(const std::string& id) {
    auto v = engine_->instance(id);
    EXPECT_TRUE(v.ok()) << id << ": " << (v ? "" : v.error().message);
    return v ? *v : InstanceView{};
  }
  std::string result(const std::string& id) {
    const InstanceView v = get(id);
    return v.result ? vm::printed(*v.result, v.program->module()) : "(none)";
  }
  std::vector<std::string> kinds(const std::string& id) {
    std::vector<std::string> out;
    auto trail = engine_->history(id);
    EXPECT_TRUE(trail.ok());
    if (trail) {
      for (const AuditEntry& e : *trail)
        out.push_back(e.kind_text);
    }
    return out;
  }
  std::string openTask(const std::string& instance) {
    TaskFilter filter;
    filter.instance = instance;
    auto tasks = engine_->tasks(filter);
    EXPECT_TRUE(tasks.ok() && tasks->size() == 1u) << instance;
    return tasks && tasks->size() == 1 ? tasks->front().record.id : "";
  }
  const WorkflowInsights* workflow(const Insights& in, std::string_view name) {
    for (const WorkflowInsights& w : in.workflows) {
      if (w.workflow == name) return &w;
    }
    return nullptr;
  }

  std::string dir_;
  ManualClock clock_{kSampleTime + 10 * 60'000};
  Answering calls_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(StoreV1Test, EverythingReadsBack) {
  EXPECT_EQ(store_->openedSchema(), "1");
  EXPECT_EQ(get("in-0000000001").status, Status::kWaiting);
  EXPECT_EQ(get("in-0000000001").key, "O-1");
  EXPECT_EQ(get("in-0000000002").status, Status::kCompleted);
  EXPECT_EQ(result("in-0000000002"), "R-in-0000000002");
  EXPECT_EQ(get("in-0000000003").waits.at(0).kind, WaitKind::kConnector);
  EXPECT_EQ(get("in-0000000004").waits.at(0).kind, WaitKind::kSleep);
  EXPECT_EQ(get("in-0000000005").status, Status::kFailed);
  EXPECT_EQ(get("in-0000000005").error.value_or(""), "fail: rejected: no budget (sample.rflow:28)");
  EXPECT_EQ(get("in-0000000006").waits.at(0).kind, WaitKind::kChild);
  EXPECT_EQ(get("in-0000000007").parent.value_or(""), "in-0000000006");
  EXPECT_EQ(get("in-0000000008").status, Status::kCancelled);
  EXPECT_EQ(kinds("in-0000000002"),
            (std::vector<std::string>{"started", "called", "answered", "note", "approval requested",
                                      "approved", "completed"}));
  const AuditCheck check = verifyAudit(*store_);
  EXPECT_EQ(check.instances, 8u);
  EXPECT_EQ(check.entries, 33u);
  EXPECT_TRUE(check.problems.empty())
      << check.problems[0].instance << ": " << check.problems[0].message;
  const Insights in = engine_->insights({std::nullopt, 0, clock_.now()});
  const WorkflowInsights* buy = workflow(in, "sample.Buy");
  ASSERT_NE(buy, nullptr);
  EXPECT_EQ(buy->started, 4);
  EXPECT_EQ(buy->by_status.at("Waiting"), 2);
  EXPECT_EQ(buy->by_status.at("Completed"), 1);
  EXPECT_EQ(buy->by_status.at("Failed"), 1);
  EXPECT_EQ(buy->tasks_created, 4);
  EXPECT_EQ(buy->tasks_decided, 2);
  // A start sent again with its request id finds the instance it made.
  auto program = engine_->currentProgram();
  ASSERT_TRUE(program);
  const vm::Value order = vm::Value::record(
      *program->recordIndex("sample.Order"),
      {vm::Value::string("O-1"), vm::Value::money(base::Money(*base::Decimal::parse("1250.00"),
                                                              *base::CurrencyCode::parse("USD")))});
  auto again = engine_->start("Buy", {order}, {.spawn = false, .request_id = "req-1"});
  ASSERT_TRUE(std::holds_alternative<InstanceView>(again));
  EXPECT_EQ(std::get<InstanceView>(again).id, "in-0000000001");
}

TEST_F(StoreV1Test, WaitingInstancesCarryOnToTheirEnd) {
  // The pending call is sent again with its key; the queued signal, the approvals and the
  // child's result do the rest.
  ASSERT_TRUE(engine_->recover().ok());
  engine_->runUntilIdle();
  EXPECT_EQ(calls_.keys, (std::vector<std::string>{"in-0000000003/0"}));
  EXPECT_EQ(result("in-0000000003"), "H-in-0000000003");
  EXPECT_FALSE(
      engine_->decide({openTask("in-0000000001"), Decision::Kind::kApprove, "bo", "", {}, "", ""}));
  engine_->runUntilIdle();
  EXPECT_EQ(result("in-0000000001"), "R-in-0000000001");
  clock_.set(kSampleTime + 2 * 3'600'000);
  while (auto due = engine_->nextTimer()) {
    if (*due > clock_.now()) break;
    engine_->fireTimers(*due, 1);
    engine_->runUntilIdle();
  }
  EXPECT_EQ(result("in-0000000004"), "at the door");
  EXPECT_FALSE(
      engine_->decide({openTask("in-0000000007"), Decision::Kind::kApprove, "bo", "", {}, "", ""}));
  engine_->runUntilIdle();
  EXPECT_EQ(result("in-0000000007"), "R-in-0000000007");
  EXPECT_EQ(result("in-0000000006"), "R-in-0000000007");
  // Schema-2 entries continue the schema-1 chains.
  const std::vector<std::string> trail = kinds("in-0000000001");
  EXPECT_EQ(std::vector<std::string>(trail.begin() + 5, trail.end()),
            (std::vector<std::string>{"approved", "completed"}));
  const AuditCheck check = verifyAudit(*store_);
  EXPECT_TRUE(check.problems.empty())
      << check.problems[0].instance << ": " << check.problems[0].message;
  const Insights in = engine_->insights({std::nullopt, 0, clock_.now()});
  int64_t waiting = 0, completed = 0;
  for (const WorkflowInsights& w : in.workflows) {
    waiting += w.by_status.count("Waiting") ? w.by_status.at("Waiting") : 0;
    completed += w.by_status.count("Completed") ? w.by_status.at("Completed") : 0;
  }
  EXPECT_EQ(waiting, 0) << "the schema-1 gauges and the schema-2 deltas add up";
  EXPECT_EQ(completed, 6);
}

}  // namespace
}  // namespace rflow::engine
