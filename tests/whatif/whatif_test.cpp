// `rflow whatif` end to end (intelligence.md §4): invoices recorded through the engine
// into a data directory, replayed with a changed auto-post limit, and the report's counts
// compared with a direct computation over the same invoices; and the misuse of `--set`.
#include "whatif/whatif.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "../common/sanitizers.h"
#include "bytecode/write.h"
#include "driver/const_override.h"
#include "engine/effect_results.h"
#include "engine/engine.h"
#include "engine/record_codec.h"
#include "source/source_set.h"

namespace rflow {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kProject = R"(module ap

/// Invoices up to this value post without review.
const AUTO_POST_LIMIT: money = 5_000.00 USD
const REVIEW_COST = 25.00 USD

record Invoice {
  number: string
  total: money
}

enum Outcome { AutoPosted, Approved, Rejected }

connector erp {
  fn post(number: string, total: money) -> string
}

role Reviewer "AP reviewer"

workflow PayInvoice(inv: Invoice) -> Outcome {
  owner "accounts-payable"
  measure value = inv.total
  if inv.total <= AUTO_POST_LIMIT {
    let doc = erp.post(inv.number, inv.total)
    return Outcome.AutoPosted
  }
  measure review_cost = REVIEW_COST
  let review = approval "Review {inv.number}" {
    stage "ap review"
    assign Reviewer
    due 2d
  }
  if not review.approved {
    return Outcome.Rejected
  }
  let doc = erp.post(inv.number, inv.total)
  return Outcome.Approved
}
)";

// The ERP: every post succeeds, answered at once.
class Erp final : public engine::CallDispatcher {
 public:
  void dispatch(engine::CallRequest request,
                std::function<void(engine::CallResult)> done) override {
    engine::CallResult r;
    r.instance = request.instance;
    r.request = request.request;
    r.attempt = request.attempt;
    r.value = engine::encodeValue(vm::Value::string("DOC-" + request.instance));
    done(std::move(r));
  }
};

compiler::OverrideBuild build(const std::vector<compiler::ConstSetting>& settings,
                              const fs::path& dir) {
  auto built = compiler::buildWithConstants({dir.string()}, settings);
  if (auto* problem = std::get_if<std::string>(&built)) ADD_FAILURE() << *problem;
  compiler::OverrideBuild b = std::move(std::get<compiler::OverrideBuild>(built));
  for (const diagnostics::Diagnostic& d : b.built.check.diagnostics)
    if (!b.built.ok()) ADD_FAILURE() << "the test project: " << d.message;
  return b;
}

std::string misuse(const std::vector<compiler::ConstSetting>& settings, const fs::path& dir) {
  auto built = compiler::buildWithConstants({dir.string()}, settings);
  if (auto* problem = std::get_if<std::string>(&built)) return *problem;
  return "";
}

// Invoice i: its total (cents spread over 1..15,000 USD) and whether review rejects it.
int64_t cents(int i) {
  return 100 + (static_cast<int64_t>(i) * 7'919 * 100) % 1'500'000;
}
bool rejected(int i) {
  return i % 7 == 0;
}

class WhatIf : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("rflow-whatif-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "project");
    std::ofstream(root_ / "project" / "ap.rflow") << kProject;
  }
  void TearDown() override { fs::remove_all(root_); }

  // Records `n` invoices through the engine into root_/data; with `open_every`, the
  // review of every open_every-th invoice is left open, as at a service's stop.
  void record(int n, int open_every = 0) {
    compiler::OverrideBuild b = build({}, root_ / "project");
    ASSERT_TRUE(b.built.ok());
    store::StoreOptions async;
    async.durability = store::Durability::kAsync;
    auto opened = store::Store::open((root_ / "data").string(), async);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    auto store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    engine::ManualClock clock(1'767'225'600'000);  // 2026-01-01
    Erp erp;
    engine::EngineOptions options;
    options.commits.threaded = false;
    engine::Engine engine(*store, clock, erp, options);
    ASSERT_TRUE(
        std::holds_alternative<std::string>(engine.deploy(bytecode::writeModule(*b.built.module))));
    auto program = engine.currentProgram();
    const uint32_t invoice = *program->recordIndex("ap.Invoice");
    const auto usd = *base::CurrencyCode::parse("USD");
    for (int i = 0; i < n; ++i) {
      clock.set(1'767'225'600'000 + int64_t{i} * 60'000);
      auto amount = base::Decimal::parse(std::to_string(cents(i) / 100) + "." +
                                         fmt::format("{:02}", cents(i) % 100));
      vm::Value inv = vm::Value::record(invoice, {vm::Value::string(fmt::format("INV-{}", i)),
                                                  vm::Value::money(base::Money(*amount, usd))});
      auto started = engine.start("PayInvoice", {inv});
      ASSERT_TRUE(std::holds_alternative<engine::InstanceView>(started));
      engine.runUntilIdle();
      auto view = engine.instance(std::get<engine::InstanceView>(started).id);
      ASSERT_TRUE(view.ok());
      for (const engine::Wait& w : view->waits) {
        if (w.kind != engine::WaitKind::kApproval) continue;
        if (open_every > 0 && i % open_every == 0) continue;
        clock.set(clock.now() + 3'600'000);
        engine::Decision d;
        d.task = w.detail;
        d.user = "ann";
        d.kind = rejected(i) ? engine::Decision::Kind::kReject : engine::Decision::Kind::kApprove;
        ASSERT_FALSE(engine.decide(d).has_value());
        engine.runUntilIdle();
      }
    }
  }

  fs::path root_;
};

TEST_F(WhatIf, RaisingTheAutoPostLimitCountsAsComputedDirectly) {
  if (::rflow::testing_support::kUnderSanitizers)
    GTEST_SKIP() << ::rflow::testing_support::kSanitizerSkip;
  constexpr int kInvoices = 10'000;
  record(kInvoices);
  compiler::OverrideBuild b = build({{"AUTO_POST_LIMIT", "10_000.00 USD"}}, root_ / "project");
  ASSERT_TRUE(b.built.ok());
  ASSERT_EQ(b.changed.size(), 1u);
  EXPECT_EQ(b.changed[0], "AUTO_POST_LIMIT: 5_000.00 USD -> 10_000.00 USD");

  auto opened = store::Store::openReadOnly((root_ / "data").string());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened))
      << std::get<std::string>(opened);
  const auto& data = *std::get<std::unique_ptr<store::Store>>(opened);
  std::string setup_error;
  const auto wall = std::chrono::steady_clock::now();
  auto report = whatif::whatIf(data, bytecode::writeModule(*b.built.module), {}, setup_error);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(setup_error, "");
  std::printf("whatif: %d recorded invoices read and replayed in %.2f s (replays %.2f s)\n",
              kInvoices, seconds, report.value().seconds);

  // Directly: up to 5,000 posted on their own before and after; above 10,000 reviewed
  // before and after, as decided; in between, an approved invoice now posts on its own
  // (different: Approved -> AutoPosted, its review avoided), and a rejected one would
  // now be posted, a call the original never made (unknown from erp.post).
  size_t same = 0, different = 0, unknown = 0, reviewed_known = 0, reviewed_new = 0;
  for (int i = 0; i < kInvoices; ++i) {
    const int64_t c = cents(i);
    if (c <= 500'000) {
      ++same;
    } else if (c > 1'000'000) {
      ++same;
      ++reviewed_known;
      ++reviewed_new;
    } else if (rejected(i)) {
      ++unknown;
    } else {
      ++different;
      ++reviewed_known;
    }
  }
  const whatif::WhatIfReport& r = report.value();
  EXPECT_EQ(r.instances, static_cast<size_t>(kInvoices));
  EXPECT_EQ(r.same, same);
  EXPECT_EQ(r.different, different);
  EXPECT_EQ(r.unknown, unknown);
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_EQ(r.changes.begin()->second, different);
  EXPECT_NE(r.changes.begin()->first.first.find("Approved"), std::string::npos);
  EXPECT_NE(r.changes.begin()->first.second.find("AutoPosted"), std::string::npos);
  ASSERT_EQ(r.unknown_at.size(), 1u);
  EXPECT_EQ(r.unknown_at.begin()->first.first, "erp.post");
  EXPECT_NE(r.unknown_at.begin()->first.second.find("Rejected"), std::string::npos);
  ASSERT_EQ(r.stages.size(), 1u);
  EXPECT_EQ(r.stages[0].stage, "ap review");
  EXPECT_EQ(r.stages[0].old_count, static_cast<int64_t>(reviewed_known));
  EXPECT_EQ(r.stages[0].new_count, static_cast<int64_t>(reviewed_new));
  EXPECT_EQ(r.stages[0].avoided, static_cast<int64_t>(different));
  EXPECT_EQ(r.stages[0].added, 0);
  EXPECT_EQ(r.changed.size(), std::min<size_t>(different, whatif::kChangedShown));
  bool review_cost = false;
  for (const whatif::MeasureSums& m : r.measures) {
    if (m.name != "review_cost") continue;
    review_cost = true;
    EXPECT_EQ(m.old_sum, fmt::format("{}.00 USD", 25 * reviewed_known));
    EXPECT_EQ(m.new_sum, fmt::format("{}.00 USD", 25 * reviewed_new));
  }
  EXPECT_TRUE(review_cost);
  // A generous bound: the issue asks for under 10 s on 2 cores; the time is printed above.
  EXPECT_LT(seconds, 60.0);
  const std::string text = whatif::renderText(r);
  EXPECT_NE(text.find("ap review"), std::string::npos) << text;
  EXPECT_NE(whatif::renderJson(r).find("\"unknown_from\""), std::string::npos);
}

TEST_F(WhatIf, ReplayingTheSameProjectChangesNothing) {
  record(300);
  compiler::OverrideBuild b = build({{"AUTO_POST_LIMIT", "5_000.00 USD"}}, root_ / "project");
  ASSERT_TRUE(b.built.ok());
  auto opened = store::Store::openReadOnly((root_ / "data").string());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
  std::string setup_error;
  whatif::WhatIfOptions first200;
  first200.limit = 200;
  auto report = whatif::whatIf(*std::get<std::unique_ptr<store::Store>>(opened),
                               bytecode::writeModule(*b.built.module), first200, setup_error);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report.value().instances, 200u);
  EXPECT_EQ(report.value().same, 200u);
  EXPECT_EQ(report.value().different + report.value().unknown, 0u);
}

// Reviews still open when the record ends (due in 2 days, the record ending minutes
// later) stay open in the replays: they neither expire (Rejected, by `not approved`)
// nor count as different.
TEST_F(WhatIf, AReviewOpenWhenTheRecordEndsStaysOpenInTheReplay) {
  record(60, 3);
  compiler::OverrideBuild b = build({{"AUTO_POST_LIMIT", "5_000.00 USD"}}, root_ / "project");
  ASSERT_TRUE(b.built.ok());
  auto opened = store::Store::openReadOnly((root_ / "data").string());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
  std::string setup_error;
  auto report = whatif::whatIf(*std::get<std::unique_ptr<store::Store>>(opened),
                               bytecode::writeModule(*b.built.module), {}, setup_error);
  ASSERT_TRUE(report.ok());
  const whatif::WhatIfReport& r = report.value();
  size_t open = 0;
  for (int i = 0; i < 60; ++i)
    if (i % 3 == 0 && cents(i) > 500'000) ++open;
  ASSERT_GT(open, 0u);
  EXPECT_EQ(r.instances, 60u);
  EXPECT_EQ(r.same, 60u) << whatif::renderText(r);
  EXPECT_EQ(r.different + r.unknown, 0u) << whatif::renderText(r);
}

TEST_F(WhatIf, AReadOnlyStoreRefusesWritesAndAnythingElseIsNoStore) {
  record(3);
  auto opened = store::Store::openReadOnly((root_ / "data").string());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
  store::Batch batch;
  batch.put(store::Column::kMeta, "x", "y");
  EXPECT_FALSE(std::get<std::unique_ptr<store::Store>>(opened)->commit(batch).ok());
  auto not_store = store::Store::openReadOnly((root_ / "project").string());
  ASSERT_TRUE(std::holds_alternative<std::string>(not_store));
  EXPECT_NE(std::get<std::string>(not_store).find("not an rflow data directory"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "project" / "CURRENT"));
}

// What keeping the results costs (effect_results.h): the key and value bytes of every
// kept result, less the result's own value bytes, per call. Printed for the docs; the
// bound catches a format that grows by accident.
TEST_F(WhatIf, AKeptCallResultCostsItsValueAndAboutSixtyBytes) {
  constexpr int kInvoices = 50;
  record(kInvoices);
  size_t calls = 0;  // every invoice posts once, except those review rejects
  for (int i = 0; i < kInvoices; ++i)
    if (cents(i) <= 500'000 || !rejected(i)) ++calls;
  auto opened = store::Store::openReadOnly((root_ / "data").string());
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
  const store::Store& data = *std::get<std::unique_ptr<store::Store>>(opened);
  size_t kept = 0, bytes = 0, value_bytes = 0;
  ASSERT_TRUE(data.scan(store::Column::kMeta, store::joinKey("effect", ""),
                        [&](std::string_view key, std::string_view value) {
                          auto e = engine::EffectResult::decode(value);
                          EXPECT_TRUE(e.has_value());
                          if (e) value_bytes += e->value.size();
                          ++kept;
                          bytes += key.size() + value.size();
                          return true;
                        })
                  .ok());
  ASSERT_EQ(kept, calls);
  const double overhead = static_cast<double>(bytes - value_bytes) / static_cast<double>(calls);
  std::printf(
      "whatif: %zu kept call results, %.1f bytes each (key and value) besides the "
      "result's %.1f value bytes\n",
      calls, overhead, static_cast<double>(value_bytes) / static_cast<double>(calls));
  EXPECT_LT(overhead, 80.0);
}

TEST_F(WhatIf, SetRefusesUnknownConstantsAndValuesOfAnotherType) {
  const fs::path dir = root_ / "project";
  EXPECT_EQ(misuse({{"AUTO_POST_LIMT", "1.00 USD"}}, dir),
            "there is no constant `AUTO_POST_LIMT` in the project; did you mean "
            "`AUTO_POST_LIMIT`?");
  const std::string wrong = misuse({{"AUTO_POST_LIMIT", "10"}}, dir);
  EXPECT_NE(wrong.find("`AUTO_POST_LIMIT` is a constant of type `money`"), std::string::npos)
      << wrong;
  // Untyped: the value's type must still be the constant's.
  const std::string untyped = misuse({{"REVIEW_COST", "\"free\""}}, dir);
  EXPECT_NE(untyped.find("`REVIEW_COST` is a constant of type `money`"), std::string::npos)
      << untyped;
  const std::string two = misuse({{"AUTO_POST_LIMIT", "1.00 USD }\nconst X = 1"}}, dir);
  EXPECT_NE(two.find("`AUTO_POST_LIMIT` is a constant of type `money`"), std::string::npos) << two;
  EXPECT_EQ(misuse({{"AUTO_POST_LIMIT", "1.00 USD"}, {"ap.AUTO_POST_LIMIT", "2.00 USD"}}, dir),
            "`ap.AUTO_POST_LIMIT` is set twice");
  EXPECT_FALSE(compiler::parseSetting("NOEQUALS"));
}

}  // namespace
}  // namespace rflow
