// bench/insights: the insights queries (intelligence.md §2) with many instances stored,
// and what the aggregates cost a step.
//
//   bench_insights [--instances N] [--rounds R] [--per-round M] [--reps K] [--variant V]
//                  [--split 1]
//   (defaults: 100000 instances, 24 rounds of 2000 instances per variant (finer rounds
//   give steadier ratios on a shared machine), 200 repetitions;
//   --variant 0 to 4 runs only that variant of part 3, to profile it alone; --split 1
//   adds variants 3 and 4, `track` without `measure` and `measure` without `track`, to
//   part 3's rounds, to tell what each costs)
//
// 1. Generation: N instances of a refund workflow (`track region, store`, a `measure`
//    header clause and statement, two approvals with `stage`, an `sla`) started and
//    decided THROUGH THE ENGINE on a manual clock spread over four weeks, 300 stores in
//    5 regions (store i is in region i % 5). One region's store check is slow (the
//    bottleneck), one region's volume rises in the last week (a rising trend), about 6 %
//    of instances are never decided (they breach their SLA, which the bench's timer
//    ticks fire), and those started near the end are still waiting. The events are
//    replayed in 10-minute windows of the clock, each window's in parallel from client
//    threads; an instance's events always fall in different windows (the shortest wait
//    is one window), so they stay in order. Durability async.
// 2. Latency: p50/p99 over K repetitions of each query, at the engine (Engine::insights,
//    byDimension for region and store with and without the 7-day comparison, stages of
//    the workflow and of region EU, atRisk) and at the service layer (service::Service,
//    which answers the JSON the HTTP routes send, without HTTP). Goal: p99 < 50 ms.
//    Then, with no goal, a page of instances listed by a tracked value (a common one, a
//    rare one, and one that no instance has, which reads every record).
// 3. The aggregates' cost: steps/s of the same workflow with `track` and `measure`,
//    without them, and without `stage` clauses either, each in its own store, run in
//    alternating rounds (a noisy machine slows every variant alike), the ratios of the
//    totals and the median of the ratios round by round. Goal: the tracked variant loses
//    < 10 % of the untracked one's throughput.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string_view>
#include <thread>

#include "bench_util.h"
#include "bytecode/write.h"
#include "driver/build.h"
#include "engine/engine.h"
#include "runtime/config.h"
#include "runtime/connector.h"
#include "service/service.h"

namespace {

namespace fs = std::filesystem;
using namespace rflow;
using Clock = std::chrono::steady_clock;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWindow = 10 * kMinute;
constexpr int64_t kDays = 28;
// 2026-11-02T00:00:00Z, a Monday: the generated history's first day.
constexpr int64_t kEpoch = 1'793'577'600'000;
constexpr size_t kStores = 300;
constexpr const char* kRegions[] = {"EU", "NA", "APAC", "LATAM", "MEA"};
constexpr size_t kClients = 8;
constexpr const char* kWorkflow = "bench.Refund";

// The workflow; TRACK, MEASURE and STAGE are replaced per variant.
constexpr std::string_view kTemplate = R"(module bench
record Shop { id: string, region: string }
record Claim { id: string, shop: Shop, amount: money }
enum Result { Paid, Refused }
role Manager "Store manager"
role Ops "Regional ops"
workflow Refund(c: Claim) -> Result {
  owner "bench"
  TRACK
  MEASURE
  sla 3d on breach {
    notify Ops "Refund {c.id} has waited three days"
  }
  let check = approval "Check {c.id}" { STAGE1 assign Manager; amount c.amount; due 30d }
  if check.outcome != ApprovalOutcome.Approved {
    return Result.Refused
  }
  let pay = approval "Pay {c.id}" { STAGE2 assign Ops; amount c.amount; due 30d }
  MEASURE_COST
  if pay.outcome == ApprovalOutcome.Approved {
    return Result.Paid
  }
  return Result.Refused
}
)";

struct Variant {
  const char* name;
  bool track;
  bool stage;
  bool measure;
};

void replace(std::string& text, std::string_view what, std::string_view with) {
  const size_t at = text.find(what);
  if (at == std::string::npos) std::abort();  // the template lost a placeholder
  text.replace(at, what.size(), with);
}

std::vector<uint8_t> module(const Variant& v) {
  std::string text(kTemplate);
  replace(text, "MEASURE_COST", v.measure ? "measure paid = c.amount" : "");
  replace(text, "TRACK", v.track ? "track region = c.shop.region, store = c.shop.id" : "");
  replace(text, "MEASURE", v.measure ? "measure value = c.amount" : "");
  replace(text, "STAGE1", v.stage ? "stage \"store check\";" : "");
  replace(text, "STAGE2", v.stage ? "stage \"regional approval\";" : "");
  source::SourceSet sources;
  sources.add("bench.rflow", text);
  compiler::BuildResult r = compiler::buildSources(sources);
  if (!r.module) {
    std::fprintf(stderr, "the bench workflow (%s) does not compile:\n", v.name);
    for (const auto& d : r.check.diagnostics)
      std::fprintf(stderr, "  %s\n", d.message.c_str());
    std::exit(1);
  }
  return bytecode::writeModule(*r.module);
}

std::string freshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("rflow-bench-insights-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

std::unique_ptr<store::Store> openStore(const std::string& dir) {
  auto opened = store::Store::open(
      dir, {.durability = store::Durability::kAsync, .in_memory = false, .env = {}});
  if (auto* e = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "cannot open the store in %s: %s\n", dir.c_str(), e->c_str());
    std::exit(1);
  }
  return std::move(std::get<std::unique_ptr<store::Store>>(opened));
}

// The workflow makes no connector calls.
class NoCalls final : public engine::CallDispatcher {
 public:
  void dispatch(engine::CallRequest, std::function<void(engine::CallResult)>) override {
    std::fprintf(stderr, "the bench workflow made a connector call\n");
    std::exit(1);
  }
};

vm::Value claim(const vm::Program& p, size_t i, size_t store, int64_t cents) {
  const auto usd = *base::CurrencyCode::parse("USD");
  const auto amount = *base::Decimal::parse(fmt::format("{}.{:02}", cents / 100, cents % 100));
  vm::Value shop = vm::Value::record(
      *p.recordIndex("bench.Shop"),
      {vm::Value::string(fmt::format("S{:03}", store)), vm::Value::string(kRegions[store % 5])});
  return vm::Value::record(*p.recordIndex("bench.Claim"),
                           {vm::Value::string("R" + std::to_string(i)), std::move(shop),
                            vm::Value::money(base::Money(amount, usd))});
}

// Calls each(i) for i in [0, n) from `clients` threads.
void inParallel(size_t n, size_t clients, const std::function<void(size_t)>& each) {
  if (n == 0) return;
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(clients, n); ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++)
        each(i);
    });
  }
  for (auto& t : threads)
    t.join();
}

// The task the instance waits on now (its one approval), or "" when it waits on none.
std::string openTask(const engine::InstanceView& view) {
  for (const auto& w : view.waits)
    if (w.kind == engine::WaitKind::kApproval) return w.detail;
  return {};
}

void decide(engine::Engine& eng, const std::string& task, engine::Decision::Kind kind) {
  engine::Decision d;
  d.task = task;
  d.kind = kind;
  d.user = "bench";
  if (auto e = eng.decide(d)) {
    std::fprintf(stderr, "deciding %s: %s\n", task.c_str(), e->message.c_str());
    std::exit(1);
  }
}

// ---- 1. Generation -----------------------------------------------------------------------

struct Plan {
  size_t store = 0;
  int64_t cents = 0;
  int64_t start = 0;
  std::optional<int64_t> check, pay;  // when each approval is decided; unset: never
  bool reject_check = false, reject_pay = false;
  // Filled as it runs.
  std::string instance, task;
};

enum class Kind : uint8_t { kStart, kCheck, kPay };
struct Event {
  int64_t at;
  uint32_t plan;
  Kind kind;
};

std::vector<Plan> makePlans(size_t n) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<size_t> store(0, kStores - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Plan> plans(n);
  const auto wait = [&](double mean_hours) {
    const double h = std::exponential_distribution<double>(1.0 / mean_hours)(rng);
    return kWindow + static_cast<int64_t>(h * kHour);
  };
  for (auto& p : plans) {
    p.store = store(rng);
    // LATAM (region 3) rises in the last week: a third of its instances are redrawn into
    // it (the 7-day comparison shows it `rising`).
    int64_t offset = static_cast<int64_t>(unit(rng) * kDays * kDay);
    if (p.store % 5 == 3 && unit(rng) < 0.35) offset = (kDays - 7) * kDay + offset / 4;
    p.start = kEpoch + offset;
    p.cents = 500 + static_cast<int64_t>(unit(rng) * 50'000);
    if (unit(rng) < 0.06) continue;  // never decided: waits and breaches its SLA
    // EU's (region 0) store check is slow: its DC hand-off.
    p.check = p.start + wait(p.store % 5 == 0 ? 30 : 5);
    p.reject_check = unit(rng) < 0.05;
    if (!p.reject_check) {
      p.pay = *p.check + wait(8);
      p.reject_pay = unit(rng) < 0.1;
    }
  }
  return plans;
}

struct Generated {
  double seconds = 0;
  uint64_t steps = 0;
  size_t completed = 0, waiting = 0;
  int64_t now = 0;
};

Generated generate(engine::Engine& eng, engine::ManualClock& clock, std::vector<Plan>& plans) {
  const int64_t end = kEpoch + kDays * kDay;
  std::vector<Event> events;
  for (uint32_t i = 0; i < plans.size(); ++i) {
    const auto& p = plans[i];
    events.push_back({p.start, i, Kind::kStart});
    if (p.check && *p.check < end) events.push_back({*p.check, i, Kind::kCheck});
    if (p.pay && *p.pay < end) events.push_back({*p.pay, i, Kind::kPay});
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.at < b.at; });
  const auto program = eng.currentProgram();
  Generated g;
  const uint64_t steps_before = eng.committedSteps();
  const auto began = Clock::now();
  size_t e = 0;
  int64_t next_tick = kEpoch;
  for (int64_t w = kEpoch; w < end; w += kWindow) {
    clock.set(w);
    if (w >= next_tick) {  // the hourly timer tick: SLA breaches of the undecided
      eng.fireTimers(w);
      next_tick += kHour;
    }
    size_t last = e;
    while (last < events.size() && events[last].at < w + kWindow)
      ++last;
    inParallel(last - e, kClients, [&](size_t k) {
      const Event& ev = events[e + k];
      Plan& p = plans[ev.plan];
      if (ev.kind == Kind::kStart) {
        auto started = eng.start("Refund", {claim(*program, ev.plan, p.store, p.cents)});
        if (auto* err = std::get_if<engine::EngineError>(&started)) {
          std::fprintf(stderr, "start: %s\n", err->message.c_str());
          std::exit(1);
        }
        auto& view = std::get<engine::InstanceView>(started);
        p.instance = view.id;
        p.task = openTask(view);
        return;
      }
      const bool reject = ev.kind == Kind::kCheck ? p.reject_check : p.reject_pay;
      decide(eng, p.task,
             reject ? engine::Decision::Kind::kReject : engine::Decision::Kind::kApprove);
      if (ev.kind == Kind::kCheck && !reject) {
        auto view = eng.instance(p.instance);
        if (!view) {
          std::fprintf(stderr, "instance %s: %s\n", p.instance.c_str(),
                       view.error().message.c_str());
          std::exit(1);
        }
        p.task = openTask(*view);
      }
    });
    e = last;
    eng.runUntilIdle();
  }
  clock.set(end);
  eng.fireTimers(end);
  eng.runUntilIdle();
  g.seconds = std::chrono::duration<double>(Clock::now() - began).count();
  g.steps = eng.committedSteps() - steps_before;
  g.now = end;
  for (const auto& p : plans) {
    const bool done = p.reject_check ? (p.check && *p.check < end) : (p.pay && *p.pay < end);
    (done ? g.completed : g.waiting) += 1;
  }
  return g;
}

// ---- 2. Latency --------------------------------------------------------------------------

struct Latency {
  std::string query;
  double p50 = 0, p99 = 0;  // ms
  bool goal = true;         // an insights query, held to p99 < 50 ms (listings are not)
};

template <typename F>
Latency measure(std::string query, int reps, F&& f) {
  f();  // warm
  std::vector<double> ms;
  ms.reserve(reps);
  for (int i = 0; i < reps; ++i) {
    const auto t = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))];
  };
  return {std::move(query), at(0.50), at(0.99)};
}

// Fails the bench when a query answers an error: a timing of an error is no timing.
void mustHold(bool ok, std::string_view what) {
  if (!ok) {
    std::fprintf(stderr, "%.*s failed\n", static_cast<int>(what.size()), what.data());
    std::exit(1);
  }
}

void requireJson(const service::Outcome& o, std::string_view what) {
  if (const auto* e = std::get_if<service::ApiError>(&o)) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 e->message.c_str());
    std::exit(1);
  }
}

// ---- 3. Throughput of the variants -------------------------------------------------------

struct VariantRun {
  Variant variant;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::ManualClock> clock;
  std::unique_ptr<engine::Engine> engine;
  double seconds = 0;
  double cpu_seconds = 0;  // the process's, while this variant's rounds ran
  uint64_t steps = 0;
  uint64_t ops = 0, bytes = 0;  // store puts/merges/deletes and their key + value bytes
  size_t next = 0;              // instances started so far (their numbers)
  // Each round's steps/s and CPU per step: rounds of the variants that ran one after the
  // other met about the same load, so their ratios are steadier than the totals'.
  std::vector<double> round_rates{}, round_cpus{};
};

// The median of `ratios` (not empty).
double median(std::vector<double> ratios) {
  std::sort(ratios.begin(), ratios.end());
  const size_t n = ratios.size();
  return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
}

// One round: `count` instances started, then both approvals decided, from client threads.
void round(VariantRun& v, size_t count) {
  auto& eng = *v.engine;
  const auto program = eng.currentProgram();
  std::vector<std::string> instances(count), tasks(count);
  const uint64_t steps_before = eng.committedSteps();
  const uint64_t ops_before = v.store->committedOps();
  const uint64_t bytes_before = v.store->committedBytes();
  const auto began = Clock::now();
  const double cpu_began = bench::processCpuSeconds();
  inParallel(count, kClients, [&](size_t i) {
    const size_t n = v.next + i;
    auto started = eng.start("Refund", {claim(*program, n, n % kStores, 1'000 + n % 9'000)});
    if (auto* err = std::get_if<engine::EngineError>(&started)) {
      std::fprintf(stderr, "start: %s\n", err->message.c_str());
      std::exit(1);
    }
    instances[i] = std::get<engine::InstanceView>(started).id;
    tasks[i] = openTask(std::get<engine::InstanceView>(started));
  });
  v.clock->set(v.clock->now() + kHour);
  inParallel(count, kClients, [&](size_t i) {
    decide(eng, tasks[i], engine::Decision::Kind::kApprove);
    auto view = eng.instance(instances[i]);
    mustHold(view.ok(), "reading an instance");
    tasks[i] = openTask(*view);
  });
  v.clock->set(v.clock->now() + kHour);
  inParallel(count, kClients,
             [&](size_t i) { decide(eng, tasks[i], engine::Decision::Kind::kApprove); });
  eng.runUntilIdle();
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  const double cpu_seconds = bench::processCpuSeconds() - cpu_began;
  const auto steps = static_cast<double>(eng.committedSteps() - steps_before);
  v.round_rates.push_back(steps / seconds);
  v.round_cpus.push_back(cpu_seconds / steps);
  v.seconds += seconds;
  v.cpu_seconds += cpu_seconds;
  v.steps += eng.committedSteps() - steps_before;
  v.ops += v.store->committedOps() - ops_before;
  v.bytes += v.store->committedBytes() - bytes_before;
  v.next += count;
}

size_t flag(int argc, char** argv, const char* name, size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  return fallback;
}

// 3. Throughput of the variants (all, or `only` the one numbered), in alternating rounds.
int throughput(std::optional<size_t> only, size_t rounds, size_t per_round, bool split) {
  const size_t workers = std::max(1u, std::thread::hardware_concurrency());
  NoCalls calls;
  const auto finish = [](std::vector<VariantRun>& runs) {
    for (auto& v : runs)
      v.engine->stopWorkers();
    runs.clear();
    for (size_t k = 0; k < 5; ++k)
      fs::remove_all(freshDir(std::string("variant-") + std::to_string(k)));
    return 0;
  };
  std::vector<VariantRun> variants;
  const std::vector<Variant> all{Variant{"track + measure + stage", true, true, true},
                                 Variant{"no track/measure (stage kept)", false, true, false},
                                 Variant{"no track/measure, no stage", false, false, false},
                                 Variant{"track + stage, no measure", true, true, false},
                                 Variant{"measure + stage, no track", false, true, true}};
  for (size_t k = 0; k < all.size(); ++k) {
    if (only ? *only != k : (k >= 3 && !split)) continue;
    const Variant& v = all[k];
    VariantRun run{v, openStore(freshDir(std::string("variant-") + std::to_string(k))),
                   std::make_unique<engine::ManualClock>(kEpoch), nullptr};
    run.engine = std::make_unique<engine::Engine>(*run.store, *run.clock, calls);
    if (std::holds_alternative<engine::EngineError>(run.engine->deploy(module(v)))) return 1;
    run.engine->startWorkers(workers);
    variants.push_back(std::move(run));
  }
  for (size_t r = 0; r < rounds; ++r) {
    // Alternate the order too: the first of a round does not always meet a fresh cache.
    for (size_t k = 0; k < variants.size(); ++k)
      round(variants[(r + k) % variants.size()], per_round);
  }
  fmt::print(
      "\nthroughput: {} rounds x {} instances per variant (3 steps each), {} clients, "
      "durability async\n",
      rounds, per_round, kClients);
  const auto rateOf = [](const VariantRun& v) { return static_cast<double>(v.steps) / v.seconds; };
  const auto cpuOf = [](const VariantRun& v) {
    return v.cpu_seconds * 1e6 / static_cast<double>(v.steps);
  };
  if (only) {
    const VariantRun& v = variants[0];
    fmt::print(
        "| {:<32} | {:>8.0f} steps/s | {:>6.1f} µs CPU | {:>5.1f} store ops, {:>5.0f} bytes "
        "per step |\n",
        v.variant.name, rateOf(v), cpuOf(v),
        static_cast<double>(v.ops) / static_cast<double>(v.steps),
        static_cast<double>(v.bytes) / static_cast<double>(v.steps));
    return finish(variants);
  }
  const double base = rateOf(variants[1]);
  for (const auto& v : variants) {
    const double rate = static_cast<double>(v.steps) / v.seconds;
    const double steps = static_cast<double>(v.steps);
    fmt::print(
        "| {:<32} | {:>8.0f} steps/s | {:>5.3f} x no track/measure | {:>6.1f} µs CPU | {:>5.1f} "
        "store ops, {:>5.0f} bytes per step |\n",
        v.variant.name, rate, rate / base, cpuOf(v), static_cast<double>(v.ops) / steps,
        static_cast<double>(v.bytes) / steps);
  }
  const double tracked_rate = static_cast<double>(variants[0].steps) / variants[0].seconds;
  const double cost = 1 - tracked_rate / base;
  fmt::print("aggregates cost {:.1f} % of throughput (goal < 10 %): {}\n", cost * 100,
             cost < 0.10 ? "pass" : "FAIL");
  // The same in CPU per step: what the machine's other load does not blur.
  fmt::print("aggregates cost {:.1f} % more CPU per step\n",
             (cpuOf(variants[0]) / cpuOf(variants[1]) - 1) * 100);
  // Round by round: the tracked variant's round against the untracked one's of the same
  // round (they ran within seconds of each other), the median over the rounds.
  std::vector<double> rate_ratios, cpu_ratios;
  for (size_t r = 0; r < rounds; ++r) {
    rate_ratios.push_back(variants[0].round_rates[r] / variants[1].round_rates[r]);
    cpu_ratios.push_back(variants[0].round_cpus[r] / variants[1].round_cpus[r]);
  }
  fmt::print(
      "median over the {} rounds, each against the untracked round beside it: cost {:.1f} % "
      "of throughput, {:.1f} % more CPU per step\n",
      rounds, (1 - median(rate_ratios)) * 100, (median(cpu_ratios) - 1) * 100);
  return finish(variants);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i += 2) {
    const std::string_view a = argv[i];
    const bool variant = a == "--variant" && i + 1 < argc &&
                         std::string_view(argv[i + 1]).size() == 1 && argv[i + 1][0] >= '0' &&
                         argv[i + 1][0] <= '4';
    if (!variant && ((a != "--instances" && a != "--rounds" && a != "--per-round" &&
                      a != "--reps" && a != "--split") ||
                     i + 1 >= argc || std::strtoull(argv[i + 1], nullptr, 10) == 0)) {
      std::fprintf(stderr,
                   "usage: bench_insights [--instances N] [--rounds R] [--per-round M] "
                   "[--reps K] [--split 1] (all positive numbers) [--variant 0..4]; got '%s'\n",
                   argv[i]);
      return 2;
    }
  }
  std::optional<size_t> only;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--variant") only = static_cast<size_t>(argv[i + 1][0] - '0');
  if (only)
    return throughput(*only, flag(argc, argv, "--rounds", 24),
                      flag(argc, argv, "--per-round", 2'000), false);
  const size_t n = flag(argc, argv, "--instances", 100'000);
  const size_t rounds = flag(argc, argv, "--rounds", 24);
  const size_t per_round = flag(argc, argv, "--per-round", 2'000);
  const int reps = static_cast<int>(flag(argc, argv, "--reps", 200));
  const size_t workers = std::max(1u, std::thread::hardware_concurrency());

  // 1. Generation.
  const Variant tracked{"track + measure + stage", true, true, true};
  const std::string dir = freshDir("history");
  auto store = openStore(dir);
  engine::ManualClock clock(kEpoch);
  NoCalls calls;
  engine::Engine eng(*store, clock, calls);
  const auto deployed = eng.deploy(module(tracked));
  if (const auto* e = std::get_if<engine::EngineError>(&deployed)) {
    std::fprintf(stderr, "deploy: %s\n", e->message.c_str());
    return 1;
  }
  eng.startWorkers(workers);
  auto plans = makePlans(n);
  const Generated g = generate(eng, clock, plans);
  fmt::print(
      "generated {} instances through the engine in {:.1f} s ({} steps, {:.0f} steps/s): "
      "{} completed, {} waiting, {} stores in 5 regions, {} days\n",
      n, g.seconds, g.steps, static_cast<double>(g.steps) / g.seconds, g.completed, g.waiting,
      kStores, kDays);

  // 2. Latency, engine then service.
  const int64_t now = g.now;
  const int64_t today = now / engine::kDayMs;
  const auto dims = [&](const char* dimension, bool compare) {
    return engine::DimensionQuery{kWorkflow, dimension, today - 7, today, compare};
  };
  // What the queries answer (a timing of an empty answer would prove nothing).
  {
    const auto region = eng.byDimension(dims("region", true));
    const auto stores = eng.byDimension(dims("store", false));
    const auto stages = eng.stages(std::string(kWorkflow));
    const auto risk = eng.atRisk(std::string(kWorkflow));
    mustHold(stages.ok() && risk.ok(), "stages or at-risk");
    fmt::print("last 7 days by region:");
    for (const auto& v : region.values)
      fmt::print(" {} {} started ({} the week before, {})", v.figures.value, v.figures.started,
                 v.before ? v.before->started : 0, engine::trendName(v.trend));
    fmt::print("\nby store: {} values listed, {} folded into (other); ", stores.values.size(),
               stores.folded);
    fmt::print("stages:");
    for (const auto& s : stages.value())
      fmt::print(" \"{}\" entered {} open {} p50 {:.1f} h share {:.0f} %;", s.stage, s.entered,
                 s.open, static_cast<double>(s.p50.value_or(0)) / kHour, s.share * 100);
    fmt::print(" at risk: {}\n\n", risk.value().size());
  }
  std::vector<Latency> rows;
  rows.push_back(measure("engine insights(workflow, 7 days)", reps, [&] {
    mustHold(!eng.insights({std::string(kWorkflow), now - 7 * kDay, now}).workflows.empty(),
             "insights");
  }));
  for (const char* d : {"region", "store"}) {
    for (bool compare : {false, true}) {
      rows.push_back(measure(
          fmt::format("engine byDimension({}{})", d, compare ? ", 7d before" : ""), reps,
          [&] { mustHold(!eng.byDimension(dims(d, compare)).values.empty(), "byDimension"); }));
    }
  }
  rows.push_back(measure("engine stages(workflow)", reps,
                         [&] { mustHold(eng.stages(std::string(kWorkflow)).ok(), "stages"); }));
  rows.push_back(measure("engine stages(workflow, region EU)", reps, [&] {
    mustHold(eng.stages(std::string(kWorkflow), engine::StageFilter{"region", "EU"}).ok(),
             "stages of EU");
  }));
  rows.push_back(measure("engine atRisk(workflow)", reps,
                         [&] { mustHold(eng.atRisk(std::string(kWorkflow)).ok(), "atRisk"); }));
  rows.push_back(measure("engine atRisk(all)", reps,
                         [&] { mustHold(eng.atRisk(std::nullopt).ok(), "atRisk"); }));

  const runtime::Config config = runtime::Config::defaults();
  auto connectors = runtime::ConnectorSet::fromConfig(config);
  if (!std::holds_alternative<runtime::ConnectorSet>(connectors)) {
    std::fprintf(stderr, "no connector set from the default configuration\n");
    return 1;
  }
  service::Service svc(eng, std::get<runtime::ConnectorSet>(connectors), config);
  const std::optional<std::string> wf = std::string(kWorkflow);
  rows.push_back(measure("service insights (since 7d)", reps, [&] {
    requireJson(svc.insights(wf, std::string("7d")), "service insights");
  }));
  for (const char* d : {"region", "store"}) {
    rows.push_back(measure(fmt::format("service insights by={}", d), reps, [&] {
      requireJson(svc.insights(wf, std::string("7d"), std::string(d)), "service insights by");
    }));
    rows.push_back(measure(fmt::format("service insights by={} period=7d", d), reps, [&] {
      requireJson(svc.insights(wf, std::nullopt, std::string(d), std::string("7d")),
                  "service insights by, period");
    }));
  }
  rows.push_back(
      measure("service stages", reps, [&] { requireJson(svc.stages(wf), "service stages"); }));
  rows.push_back(measure("service stages by=region value=EU", reps, [&] {
    requireJson(svc.stages(wf, std::string("region"), std::string("EU")), "service stages EU");
  }));
  rows.push_back(
      measure("service at-risk", reps, [&] { requireJson(svc.atRisk(wf), "service at-risk"); }));
  // Listing by tracked values (GET /v1/instances?workflow=W&region=EU), read from the
  // records a scan meets: a common value fills a page of 50 soon, a rare one later, and one
  // that no instance has reads every record (fewer repetitions for those).
  const auto listing = [&](std::vector<std::pair<std::string, std::string>> dimensions) {
    service::InstanceQuery q;
    q.workflow = std::string(kWorkflow);
    q.dimensions = std::move(dimensions);
    requireJson(svc.instances(q), "service instances by dimension");
  };
  const int scan_reps = std::max(5, reps / 10);
  const auto listed = [&](std::string query, int times, std::string dimension, std::string value) {
    Latency row = measure(std::move(query), times, [&] { listing({{dimension, value}}); });
    row.goal = false;
    rows.push_back(std::move(row));
  };
  listed("service instances region=EU (a page)", reps, "region", "EU");
  listed("service instances store=S042 (a page)", scan_reps, "store", "S042");
  listed("service instances store=none (all read)", scan_reps, "store", "none");

  fmt::print("{} instances stored, {} repetitions each; goal p99 < 50 ms\n", n, reps);
  fmt::print("| {:<42} | {:>8} | {:>8} | {:>9} | {:<4} |\n", "query", "p50 ms", "p99 ms",
             "goal (ms)", "");
  fmt::print("|{:-<44}|{:->10}|{:->10}|{:->11}|{:-<6}|\n", "", "", "", "", "");
  for (const auto& r : rows) {
    const char* verdict = "";
    if (r.goal) verdict = r.p99 < 50 ? "pass" : "FAIL";
    fmt::print("| {:<42} | {:>8.3f} | {:>8.3f} | {:>9} | {:<4} |\n", r.query, r.p50, r.p99,
               r.goal ? "< 50" : "none", verdict);
  }
  eng.stopWorkers();

  fs::remove_all(dir);
  return throughput(std::nullopt, rounds, per_round, flag(argc, argv, "--split", 0) != 0);
}
