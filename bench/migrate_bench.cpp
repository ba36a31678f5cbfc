// bench/migrate: how fast Engine::migrate moves waiting instances to a new version
// (intelligence.md §4), on a store on disk, with async and with sync durability.
//
//   bench_migrate [INSTANCES]   (default 20000)
//
// INSTANCES orders of a workflow are started and left waiting at an approval; half wait at
// a place the new version keeps ("Big review") and half at one it dropped, so every run
// both moves instances and explains why others stay. The table shows, per durability, the
// dry run (matching and re-laying every state, nothing written) and the real migration
// (one committed step per moved instance), in instances looked at and moved per second.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bytecode/write.h"
#include "driver/build.h"
#include "engine/engine.h"

namespace {

namespace fs = std::filesystem;
using namespace rflow;
using Clock = std::chrono::steady_clock;

constexpr const char* kV1 = R"(module bench
role Clerk "Clerk"
workflow Order(id: string, big: bool) -> string {
  owner "bench"
  let note = "v1"
  if big {
    let r = approval "Big review" {
      assign Clerk
    }
    return "{note} big {id} {r.approved}"
  }
  let s = approval "Small review" {
    assign Clerk
  }
  return "{note} small {id} {s.approved}"
}
)";

// The new version: code around the waits changed, "Small review" became "Quick look".
constexpr const char* kV2 = R"(module bench
role Clerk "Clerk"
workflow Order(id: string, big: bool) -> string {
  owner "bench"
  let note = "v2"
  if big {
    let r = approval "Big review" {
      assign Clerk
    }
    return "{note} big {id} {r.approved}, migrated"
  }
  let s = approval "Quick look" {
    assign Clerk
  }
  return "{note} small {id} {s.approved}"
}
)";

class NoCalls final : public engine::CallDispatcher {
 public:
  void dispatch(engine::CallRequest, std::function<void(engine::CallResult)>) override {}
};

std::vector<uint8_t> compile(const char* text) {
  source::SourceSet sources;
  sources.add("bench.rflow", text);
  compiler::BuildResult r = compiler::buildSources(sources);
  if (!r.ok()) {
    fmt::print(stderr, "bench_migrate: the benchmark's workflow does not compile\n");
    std::exit(1);
  }
  return bytecode::writeModule(*r.module);
}

std::string deploy(engine::Engine& e, const char* text) {
  auto deployed = e.deploy(compile(text));
  if (auto* error = std::get_if<engine::EngineError>(&deployed)) {
    fmt::print(stderr, "bench_migrate: deploy: {}\n", error->message);
    std::exit(1);
  }
  return std::get<std::string>(deployed);
}

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Row {
  std::string durability;
  std::string run;
  size_t looked = 0;
  size_t moved = 0;
  double secs = 0;
};

void measure(store::Durability durability, const char* name, size_t count, std::vector<Row>& rows) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("rflow-bench-migrate-{}", name);
  fs::remove_all(dir);
  auto opened = store::Store::open(dir.string(), {.durability = durability, .in_memory = false, .env = {}});
  if (auto* problem = std::get_if<std::string>(&opened)) {
    fmt::print(stderr, "bench_migrate: {}\n", *problem);
    std::exit(1);
  }
  auto store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  engine::ManualClock clock(1'800'000'000'000);
  NoCalls calls;
  {
    engine::Engine e(*store, clock, calls);
    const std::string v1 = deploy(e, kV1);
    for (size_t i = 0; i < count; ++i) {
      auto started = e.start("Order", {vm::Value::string(fmt::format("o{}", i)),
                                       vm::Value::boolean(i % 2 == 0)});
      if (auto* error = std::get_if<engine::EngineError>(&started)) {
        fmt::print(stderr, "bench_migrate: start: {}\n", error->message);
        std::exit(1);
      }
    }
    e.runUntilIdle();
    const std::string v2 = deploy(e, kV2);
    for (const bool dry : {true, false}) {
      const auto began = Clock::now();
      auto report = e.migrate({v1, v2, "Order", dry, "bench"});
      const double secs = seconds(began);
      if (auto* error = std::get_if<engine::EngineError>(&report)) {
        fmt::print(stderr, "bench_migrate: migrate: {}\n", error->message);
        std::exit(1);
      }
      const auto& r = std::get<engine::MigrationReport>(report);
      if (r.moved != (count + 1) / 2 || r.left.size() != count / 2) {
        fmt::print(stderr, "bench_migrate: expected {} moved and {} left, found {} and {}\n",
                   (count + 1) / 2, count / 2, r.moved, r.left.size());
        std::exit(1);
      }
      rows.push_back({name, dry ? "dry run" : "migrate", r.moved + r.left.size(), r.moved, secs});
    }
  }
  store.reset();
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20'000;
  if (count < 2) {
    fmt::print(stderr, "usage: bench_migrate [INSTANCES]  (at least 2; default 20000)\n");
    return 2;
  }
  std::vector<Row> rows;
  measure(store::Durability::kAsync, "async", count, rows);
  measure(store::Durability::kSync, "sync", count, rows);
  fmt::print("{} waiting instances, half at a place the new version keeps\n\n", count);
  fmt::print("{:<11} {:<8} {:>9} {:>9} {:>9} {:>14} {:>12}\n", "durability", "run", "looked", "moved",
             "seconds", "looked/s", "moved/s");
  for (const Row& r : rows)
    fmt::print("{:<11} {:<8} {:>9} {:>9} {:>9.3f} {:>14.0f} {:>12.0f}\n", r.durability, r.run,
               r.looked, r.moved, r.secs, r.looked / r.secs, r.moved / r.secs);
  return 0;
}
