// The crash test of issue 4, run for real: a child `rflow run` process drives many
// instances of tests/crash/project against a ledger server in this process that counts
// calls by Idempotency-Key; the test SIGKILLs the child at random moments (at least
// kMinKills times), starts it again on the same data directory, and at the end checks
// that every instance ended with the expected result, that every connector effect got
// exactly one key (a re-run step that made a second key would be a doubled effect), and
// that no task, timer or audit entry is missing or doubled.
//
// Each child is `rflow run … --request-id O-n --history`: the request id makes the start
// happen at most once however often it is repeated, and every child recovers whatever
// the killed ones left in the data directory (calls to re-send, timers now due,
// instances not begun), so a child carries on many instances, not just its own.
//
// RFLOW_CRASH_SEED picks the random moments (the seed used is printed, so a failure can
// be replayed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/metrics.h"
#include "../common/sanitizers.h"
#include "ledger.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kInstances = 80;
constexpr int kMinKills = 60;
constexpr int kMaxRuns = 2'000;

// The ledger (ledger.h): one request in twelve answers 503 so that retries happen too,
// and answers take 0-30 ms so that kills land while calls are in flight.
using rflow::crash_testing::Ledger;

struct Child {
  int exit_code = -1;  // -1: killed
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `argv`; when `kill_after_ms` is set and the child is still running then, SIGKILLs
// it. A child that runs past 60 s is killed and reported as a hang.
Child runChild(const std::vector<std::string>& argv, const fs::path& scratch,
               std::optional<int> kill_after_ms, bool& hung) {
  const fs::path out = scratch / "out.json", err = scratch / "err.txt";
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const auto started = std::chrono::steady_clock::now();
  Child child;
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if ((kill_after_ms && ms >= *kill_after_ms) || ms > 60'000) {
      hung = !kill_after_ms;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (WIFEXITED(status)) child.exit_code = WEXITSTATUS(status);
  child.out = slurp(out);
  child.err = slurp(err);
  return child;
}

std::vector<std::string> kindsWithoutRetries(const json& audit) {
  std::vector<std::string> kinds;
  for (const json& e : audit)
    if (e["kind"] != "retry") kinds.push_back(e["kind"]);
  return kinds;
}

TEST(Crash, KilledAtRandomMomentsNothingIsLostOrDoubled) {
  if (::rflow::testing_support::kUnderSanitizers)
    GTEST_SKIP() << ::rflow::testing_support::kSanitizerSkip;
  unsigned seed = 20261127;
  if (const char* s = std::getenv("RFLOW_CRASH_SEED")) seed = static_cast<unsigned>(std::stoul(s));
  std::printf("crash test seed %u (RFLOW_CRASH_SEED to replay)\n", seed);
  std::mt19937 rng(seed);

  Ledger ledger({.ops_pattern = "(reserve|confirm)",
                 .seed = 7,
                 .max_delay_ms = 30,
                 .fail_one_in = 12,
                 .answer = [](const std::string& op, const json& args) {
                   return op == "reserve" ? json{{"ref", "R-" + args.value("order", "")}}
                                          : json{{"doc", "D-" + args.value("ref", "")}};
                 }});
  const fs::path scratch = fs::temp_directory_path() / ("rflow-crash-" + std::to_string(getpid()));
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  const fs::path config = scratch / "rflow.toml";
  std::ofstream(config) << "[connectors.ledger]\nurl = \"http://127.0.0.1:" << ledger.port()
                        << "/ledger\"\ntimeout = \"2s\"\n";
  const fs::path data = scratch / "data";

  std::map<std::string, json> done;  // order -> the final printed state
  std::vector<std::string> pending;
  for (int i = 1; i <= kInstances; ++i)
    pending.push_back("O-" + std::to_string(i));
  int kills = 0, runs = 0, exits = 0;
  while (!pending.empty()) {
    std::vector<std::string> still;
    for (const std::string& order : pending) {
      ASSERT_LT(runs, kMaxRuns) << "the instances do not finish";
      ++runs;
      std::optional<int> kill_after;
      // Early kills mostly hit the build; the rest land in recovery, steps and calls.
      if (kills < kMinKills + 20 && rng() % 8 != 0) kill_after = 20 + static_cast<int>(rng() % 300);
      bool hung = false;
      const Child child =
          runChild({RFLOW_BINARY, "run", RFLOW_CRASH_PROJECT, "--workflow", "Fulfil", "--input",
                    json{{"order", order}, {"qty", 3}}.dump(), "--config", config.string(),
                    "--data", data.string(), "--request-id", order, "--history", "--wait", "10s"},
                   scratch, kill_after, hung);
      ASSERT_FALSE(hung) << "rflow run hung on " << order << "\n" << child.err;
      if (child.exit_code == -1) {
        ++kills;
        still.push_back(order);
        continue;
      }
      ++exits;
      ASSERT_EQ(child.exit_code, 0) << order << ": " << child.out << child.err;
      const json state = json::parse(child.out, nullptr, false);
      ASSERT_FALSE(state.is_discarded()) << child.out;
      if (state["status"] == "Completed") {
        done[order] = state;
      } else {
        still.push_back(order);
      }
    }
    pending = std::move(still);
  }
  std::printf("%d runs, %d killed, %d exited; the ledger answered 503 %d times\n", runs, kills,
              exits, ledger.unavailable());
  EXPECT_GE(kills, kMinKills);

  // Every instance ended with the expected result, one expired task, and its audit trail
  // whole: numbered 1..n without gaps or repeats, each entry once and in order (retries
  // may come in any number: the ledger's 503s are random).
  const std::vector<std::string> expected_kinds = {
      "started",  "called",   "answered",  "note",    "measured",           "called",
      "called",   "answered", "answered",  "approval requested", "escalated", "expired",
      "note",     "completed"};
  std::map<std::string, std::string> instance_of;  // instance id -> order
  for (const auto& [order, state] : done) {
    SCOPED_TRACE(order);
    EXPECT_EQ(state["result"], "D-R-" + order + "-a+D-R-" + order + "-b");
    instance_of[state["instance"]] = order;
    ASSERT_EQ(state["tasks"].size(), 1u) << state.dump();
    EXPECT_EQ(state["tasks"][0]["status"], "expired");
    const json& audit = state["audit"];
    for (size_t i = 0; i < audit.size(); ++i)
      EXPECT_EQ(audit[i]["seq"], i + 1) << audit.dump();
    EXPECT_EQ(kindsWithoutRetries(audit), expected_kinds) << audit.dump();
  }
  EXPECT_EQ(instance_of.size(), static_cast<size_t>(kInstances)) << "two orders share an instance";

  // Exactly one key per effect: per instance one reserve and two confirms (refs -a and
  // -b), each key always with the same arguments.
  std::map<std::string, std::multiset<std::string>> effects_of;  // instance -> op:args
  int redelivered = 0;
  for (const auto& [key, effect] : ledger.effects()) {
    const std::string instance = key.substr(0, key.find('/'));
    EXPECT_TRUE(instance_of.count(instance)) << "a call from an unknown instance: " << key;
    EXPECT_FALSE(effect.args_changed) << key << " was sent with different arguments";
    effects_of[instance].insert(effect.op + ":" + effect.args);
    redelivered += effect.deliveries - 1;
  }
  for (const auto& [instance, order] : instance_of) {
    SCOPED_TRACE(order);
    const std::multiset<std::string> expected = {
        "reserve:" + json{{"order", order}, {"qty", 3}}.dump(),
        "confirm:" + json{{"order", order}, {"ref", "R-" + order + "-a"}}.dump(),
        "confirm:" + json{{"order", order}, {"ref", "R-" + order + "-b"}}.dump()};
    EXPECT_EQ(effects_of[instance], expected);
  }
  std::printf("%zu effects applied once each; %d repeated deliveries answered from the key\n",
              ledger.effects().size(), redelivered);

  // Nothing is left behind: no timer, pending call, undelivered result, open task or
  // instance waiting to begin.
  {
    auto opened = rflow::store::Store::open(data.string());
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<rflow::store::Store>>(opened))
        << std::get<std::string>(opened);
    const auto& store = *std::get<std::unique_ptr<rflow::store::Store>>(opened);
    using rflow::store::Column;
    for (const Column c : {Column::kTimers, Column::kCalls, Column::kInbox, Column::kTaskIndex}) {
      size_t left = 0;
      (void)store.scan(c, "", [&](std::string_view, std::string_view) { return ++left, true; });
      EXPECT_EQ(left, 0u) << rflow::store::columnName(c) << " has entries left";
    }
    size_t begins = 0;
    (void)store.scan(Column::kMeta, std::string_view("begin\0", 6),
                     [&](std::string_view, std::string_view) { return ++begins, true; });
    EXPECT_EQ(begins, 0u) << "instances left waiting to begin";

    // The stage aggregates equal what the instances did, however often a step was cut
    // short: each instance waited once on reserve, the sleep and its check, twice on
    // confirm, and completed; no stage entry is left open or behind.
    for (std::string_view prefix :
         {std::string_view("stage-open\0", 11), std::string_view("stage-since\0", 12),
          std::string_view("stage-entry\0", 12)}) {
      size_t left = 0;
      (void)store.scan(Column::kMeta, prefix,
                       [&](std::string_view, std::string_view) { return ++left, true; });
      EXPECT_EQ(left, 0u) << prefix.substr(0, prefix.size() - 1) << " keys left";
    }
    rflow::engine::Metrics metrics;
    ASSERT_TRUE(metrics.load(store).ok());
    const int64_t n = static_cast<int64_t>(instance_of.size());
    std::map<std::string, int64_t> entered, remaining;
    for (const rflow::engine::StageFigures& f : metrics.stages(std::nullopt)) {
      SCOPED_TRACE(f.stage);
      EXPECT_EQ(f.open, 0);
      EXPECT_EQ(f.open_since_sum, 0);
      EXPECT_EQ(f.time.count, f.entered) << "every wait that began ended once";
      entered[f.stage] = f.entered;
      remaining[f.stage] = f.remaining.count;
    }
    // "Check {order}" is one stage, "Check": its title's text before the interpolation.
    EXPECT_EQ(entered,
              (std::map<std::string, int64_t>{
                  {"Check", n}, {"ledger.confirm", 2 * n}, {"ledger.reserve", n}, {"sleep", n}}));
    EXPECT_EQ(remaining,
              (std::map<std::string, int64_t>{
                  {"Check", n}, {"ledger.confirm", n}, {"ledger.reserve", n}, {"sleep", n}}));

    // So do the figures per tracked value: every instance tracks qty 3, started and
    // completed once, its measure counted once with its last value (3 + 1), and its
    // stages counted under the value as under the workflow.
    const auto by_qty = metrics.byDimension("crash.Fulfil", "qty", 0, 1'000'000);
    ASSERT_EQ(by_qty.size(), 1u);
    const rflow::engine::DimensionFigures& three = by_qty.begin()->second;
    EXPECT_EQ(three.value, "3");
    EXPECT_EQ(three.started, n);
    EXPECT_EQ(three.completed, n);
    EXPECT_EQ(three.cycle.count, n);
    ASSERT_EQ(three.measures.size(), 1u);
    EXPECT_EQ(three.measures.begin()->second.count, n);
    EXPECT_EQ(three.measures.begin()->second.sum, 4 * n * rflow::engine::kMeasureScale);
    std::map<std::string, int64_t> entered_as_three;
    for (const rflow::engine::StageFigures& f :
         metrics.stages("crash.Fulfil", rflow::engine::StageFilter{"qty", "3"})) {
      EXPECT_EQ(f.open, 0) << f.stage;
      entered_as_three[f.stage] = f.entered;
    }
    EXPECT_EQ(entered_as_three, entered);
  }  // The store closes before its directory goes.
  std::error_code ignored;
  fs::remove_all(scratch, ignored);
}

}  // namespace
