// The test runner itself: passing tests pass, and each way a test can fail fails with a
// message that says where and why (both sides of a comparison, the mock to add, an
// unexpected refusal); virtual time fires timers in order.
#include "testing/test_runner.h"

#include <gtest/gtest.h>

#include "bytecode/write.h"
#include "driver/build.h"

namespace rflow::testing {
namespace {

std::vector<TestOutcome> run(const std::string& text, const std::string& filter = {}) {
  source::SourceSet sources;
  sources.add("t.rflow", text);
  compiler::BuildResult r = compiler::buildSources(sources);
  std::string problems;
  for (const auto& d : r.check.diagnostics)
    problems += std::string(d.code()) + " " + d.message + "\n";
  EXPECT_TRUE(r.ok()) << problems;
  if (!r.ok()) return {};
  TestOptions options;
  options.filter = filter;
  return runTests(bytecode::writeModule(*r.module), options);
}

const TestOutcome* find(const std::vector<TestOutcome>& outcomes, std::string_view name) {
  for (const TestOutcome& t : outcomes) {
    if (t.name == name) return &t;
  }
  ADD_FAILURE() << "no test " << name;
  return nullptr;
}

constexpr const char* kFlow = R"(module t
record Order { id: string, total: money }
role Buyer "Buyer"
signal Paid { ref: string }
connector erp { fn post(o: Order) -> string }
policy four_eyes on approval(a) {
  require a.decided_by != a.requested_by else "not your own"
}
workflow Flow(o: Order, by: User) -> string {
  owner "ops"
  let ref = erp.post(o) retry 2 every 1m timeout 5s
  let ok = approval "Pay {o.id}" { assign Buyer; requested_by by; due 1d; escalate after 2h to Buyer }
  let paid = await Paid timeout 1d
  note "paid {paid?.ref ?? "-"}"
  return ref
}
workflow Ticker() {
  owner "ops"
  var n = 0
  while n < 10000 {
    sleep 1h
    n = n + 1
  }
}
test "passes" {
  mock erp.post(o) => "R-{o.id}"
  let run = start Flow(Order { id: "1", total: 5.00 USD }, user("ana"))
  expect run.status == RunStatus.Waiting
  expect refused approve run.task by user("ana")
  approve run.task by user("bo")
  send run Paid { ref: "P" }
  expect run.result == "R-1"
  expect run.notes == ["paid P"]
  expect called erp.post times 1
}
test "a broken expectation shows both sides" {
  mock erp.post(o) => "R-{o.id}"
  let run = start Flow(Order { id: "2", total: 5.00 USD }, user("ana"))
  expect run.status == RunStatus.Completed else "it should be done"
}
test "an unmocked call names the mock to add" {
  let run = start Flow(Order { id: "3", total: 5.00 USD }, user("ana"))
}
test "an unexpected refusal fails" {
  mock erp.post(o) => "R"
  let run = start Flow(Order { id: "4", total: 5.00 USD }, user("ana"))
  approve run.task by user("ana")
}
test "an expected refusal that is accepted fails" {
  mock erp.post(o) => "R"
  let run = start Flow(Order { id: "5", total: 5.00 USD }, user("ana"))
  expect refused approve run.task by user("bo")
}
test "failing mocks use up the retries without virtual time" {
  mock erp.post(o) fails "HTTP 503"
  let run = start Flow(Order { id: "6", total: 5.00 USD }, user("ana"))
  expect run.status == RunStatus.Failed
  expect called erp.post times 3
  expect contains(run.error ?? "", "connector: erp.post: HTTP 503")
}
test "escalation and expiry on the virtual clock" {
  mock erp.post(o) => "R"
  let run = start Flow(Order { id: "7", total: 5.00 USD }, user("ana"))
  advance 2h
  expect run.task.escalations == 1
  advance 22h
  expect len(run.tasks) == 0
  advance 1d
  expect run.notes == ["paid -"]
  expect run.status == RunStatus.Completed
}
test "a called count that is off fails" {
  mock erp.post(o) => "R"
  let run = start Flow(Order { id: "8", total: 5.00 USD }, user("ana"))
  expect called erp.post times 2
}
test "a month of hourly timers" {
  let run = start Ticker()
  advance 30d
  expect run.status == RunStatus.Waiting
}
)";

TEST(TestRunner, OutcomesAndMessages) {
  const auto outcomes = run(kFlow);
  ASSERT_EQ(outcomes.size(), 9u);
  if (auto* t = find(outcomes, "passes")) {
    EXPECT_TRUE(t->passed) << t->failure;
  }
  if (auto* t = find(outcomes, "a broken expectation shows both sides")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("t.rflow:39: expect run.status == RunStatus.Completed failed"),
              std::string::npos)
        << t->failure;
    EXPECT_NE(t->failure.find("left:  Waiting"), std::string::npos) << t->failure;
    EXPECT_NE(t->failure.find("right: Completed"), std::string::npos) << t->failure;
    EXPECT_NE(t->failure.find("it should be done"), std::string::npos) << t->failure;
  }
  if (auto* t = find(outcomes, "an unmocked call names the mock to add")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("`erp.post` is called but not mocked; add `mock erp.post(o) => …`"),
              std::string::npos)
        << t->failure;
  }
  if (auto* t = find(outcomes, "an unexpected refusal fails")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("`approve` by ana was refused: not your own"), std::string::npos)
        << t->failure;
  }
  if (auto* t = find(outcomes, "an expected refusal that is accepted fails")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("expected `approve` by bo to be refused, but it was accepted"),
              std::string::npos)
        << t->failure;
  }
  if (auto* t = find(outcomes, "failing mocks use up the retries without virtual time")) {
    EXPECT_TRUE(t->passed) << t->failure;
  }
  if (auto* t = find(outcomes, "escalation and expiry on the virtual clock")) {
    EXPECT_TRUE(t->passed) << t->failure;
  }
  if (auto* t = find(outcomes, "a called count that is off fails")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("expected `erp.post` to be called 2 times, but it was called 1 time"),
              std::string::npos)
        << t->failure;
  }
  if (auto* t = find(outcomes, "a month of hourly timers")) {
    EXPECT_TRUE(t->passed) << t->failure;
  }
}

constexpr const char* kTriage = R"(module t
enum Kind { Equipment, Pricing }
role Support "Support"
classifier IssueKind -> Kind { threshold 0.75 }
workflow Triage(text: string) -> Kind {
  owner "ops"
  let guess = classify IssueKind(text)
  if guess.label != none { return guess.label ?? Kind.Equipment }
  let t = task "Which kind: {text}" { assign Support; due 1h; escalate after 30m to Support; form { kind: Kind } }
  learn IssueKind(text, t.kind)
  return t.kind
}
test "an unmocked classify names the mock to add" {
  let run = start Triage("till down")
  expect run.status == RunStatus.Completed
}
test "a confidence at the threshold labels" {
  mock classify IssueKind(text) => Kind.Pricing confidence 0.75
  let run = start Triage("label wrong")
  expect run.result == Kind.Pricing
  expect learned IssueKind times 0
}
test "below the threshold a person decides and the model learns" {
  mock classify IssueKind(text) => Kind.Pricing confidence 0.7499
  let run = start Triage("label wrong")
  complete run.task by user("sam") with { kind: Kind.Equipment }
  expect run.result == Kind.Equipment
  expect learned IssueKind times 1
}
test "a learned count that is off fails" {
  mock classify IssueKind(text) => Kind.Pricing confidence 0.2
  let run = start Triage("label wrong")
  complete run.task by user("sam") with { kind: Kind.Pricing }
  expect learned IssueKind times 2
}
test "a confidence above 1 fails" {
  mock classify IssueKind(text) => Kind.Pricing confidence 1.5
  let run = start Triage("label wrong")
}
)";

TEST(TestRunner, Classifiers) {
  const auto outcomes = run(kTriage);
  if (auto* t = find(outcomes, "an unmocked classify names the mock to add")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("`IssueKind` classifies text but is not mocked and has no model; "
                              "add `mock classify IssueKind(text) => Kind.Equipment confidence "
                              "0.9`"),
              std::string::npos)
        << t->failure;
  }
  if (auto* t = find(outcomes, "a confidence at the threshold labels")) {
    EXPECT_TRUE(t->passed) << t->failure;
  }
  if (auto* t = find(outcomes, "below the threshold a person decides and the model learns")) {
    EXPECT_TRUE(t->passed) << t->failure;
  }
  if (auto* t = find(outcomes, "a learned count that is off fails")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("expected `IssueKind` to learn 2 examples, but it learned 1"),
              std::string::npos)
        << t->failure;
  }
  if (auto* t = find(outcomes, "a confidence above 1 fails")) {
    EXPECT_FALSE(t->passed);
    EXPECT_NE(t->failure.find("confidence 1.5; a confidence is from 0 to 1"), std::string::npos)
        << t->failure;
  }
}

TEST(TestRunner, FilterSelectsByName) {
  const auto outcomes = run(kFlow, "refusal");
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].name, "an unexpected refusal fails");
}

}  // namespace
}  // namespace rflow::testing
