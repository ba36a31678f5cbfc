// bench/engine: the durable engine's throughput against raw RocksDB on the same disk,
// storage per waiting instance, and recovery after a restart.
//
// Rows:
// - a six-step workflow (three connector calls answered at once in-process, one
//   approval decided by the bench, then one more call) run to completion by T client
//   threads with `sync` and with `async` durability, as instances/s and step commits/s;
// - raw RocksDB WriteBatch commits/s with the same durability and threads, each batch
//   the size of an average engine step;
// - the ratio of engine step commits/s to raw commits/s (goal: at least 0.5);
// - bytes on disk per waiting instance (goal: under 2 KiB);
// - reopening a store with W waiting instances and making them all ready to resume,
//   then deciding all of them.
//
// Compare rows of one run: the machines are shared and noisy.
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include "bytecode/write.h"
#include "driver/build.h"
#include "engine/engine.h"
#include "engine/record_codec.h"

namespace {

namespace fs = std::filesystem;
using namespace rflow;
using Clock = std::chrono::steady_clock;

constexpr const char* kSource = R"(module bench
record Order { id: string, total: money }
role Buyer "Buyer"
connector erp {
  fn reserve(id: string) -> string
  fn price(id: string) -> money
  fn post(id: string, ref: string) -> bool
}
workflow Six(o: Order) -> string {
  owner "bench"
  let ref = erp.reserve(o.id) timeout 5s
  let price = erp.price(o.id) timeout 5s
  let checked = erp.reserve(ref) timeout 5s
  let ok = approval "Pay {o.id}" { assign Buyer; amount price; due 1d; escalate after 4h to Buyer }
  let posted = erp.post(o.id, checked) timeout 5s
  return "{ref} {posted}"
}
)";

// Answers every call at once, on the calling thread.
class InstantCalls final : public engine::CallDispatcher {
 public:
  void dispatch(engine::CallRequest request,
                std::function<void(engine::CallResult)> done) override {
    const auto& m = request.program->module();
    const std::string op = m.strings[m.ops[request.op].name];
    vm::Value value;
    if (op == "price") {
      value = vm::Value::money(
          base::Money(*base::Decimal::parse("12.50"), *base::CurrencyCode::parse("USD")));
    } else if (op == "post") {
      value = vm::Value::boolean(true);
    } else {
      value = vm::Value::string("R-" + std::to_string(request.request));
    }
    engine::CallResult r{request.instance,
                         request.request,
                         request.attempt,
                         engine::CallResult::Kind::kOk,
                         engine::encodeValue(value),
                         {}};
    done(std::move(r));
  }
};

std::vector<uint8_t> module() {
  source::SourceSet sources;
  sources.add("bench.rflow", kSource);
  compiler::BuildResult r = compiler::buildSources(sources);
  if (!r.module) {
    std::fprintf(stderr, "the bench workflow does not compile\n");
    std::exit(1);
  }
  return bytecode::writeModule(*r.module);
}

std::string freshDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("rflow-bench-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

std::unique_ptr<store::Store> openStore(const std::string& dir, store::Durability d) {
  auto opened = store::Store::open(dir, {.durability = d, .in_memory = false, .env = {}});
  if (auto* e = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "%s\n", e->c_str());
    std::exit(1);
  }
  return std::move(std::get<std::unique_ptr<store::Store>>(opened));
}

vm::Value order(const vm::Program& p, size_t i) {
  return vm::Value::record(*p.recordIndex("bench.Order"),
                           {vm::Value::string("O" + std::to_string(i)),
                            vm::Value::money(base::Money(*base::Decimal::parse("10.00"),
                                                         *base::CurrencyCode::parse("USD")))});
}

struct EngineRun {
  double seconds = 0;
  size_t instances = 0;
  uint64_t steps = 0;
  uint64_t ops = 0;    // puts and deletes in those commits
  uint64_t bytes = 0;  // key and value bytes in them
};

// Runs `count` instances to completion from `threads` threads, in two phases as a service
// sees them: starts (each runs until the approval), then decisions (each runs to the end).
// The same threads process the engine's queued work (connector answers), so no thread
// spins waiting for another.
EngineRun runEngine(store::Durability durability, size_t count, size_t threads) {
  const std::string dir = freshDir(durability == store::Durability::kSync ? "sync" : "async");
  auto store = openStore(dir, durability);
  engine::SystemClock clock;
  InstantCalls calls;
  engine::Engine eng(*store, clock, calls);
  if (std::holds_alternative<engine::EngineError>(eng.deploy(module()))) std::exit(1);
  const auto program = eng.currentProgram();
  const auto inParallel = [&](size_t n, const std::function<void(size_t)>& each) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> clients;
    for (size_t t = 0; t < threads; ++t) {
      clients.emplace_back([&] {
        for (size_t i = next++; i < n; i = next++) {
          each(i);
          eng.runUntilIdle(/*wait_for_calls=*/false);
        }
        eng.runUntilIdle(false);
      });
    }
    for (auto& c : clients)
      c.join();
    eng.runUntilIdle();
  };
  const uint64_t commits_before = store->commits();
  const uint64_t ops_before = store->committedOps();
  const uint64_t bytes_before = store->committedBytes();
  const auto start = Clock::now();
  inParallel(count, [&](size_t i) { (void)eng.start("Six", {order(*program, i)}); });
  engine::TaskFilter filter;
  filter.limit = SIZE_MAX;
  const auto tasks = *eng.tasks(filter);
  inParallel(tasks.size(), [&](size_t i) {
    engine::Decision d;
    d.task = tasks[i].record.id;
    d.user = "bench";
    (void)eng.decide(d);
  });
  EngineRun run;
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  engine::InstanceFilter done;
  done.status = engine::Status::kCompleted;
  done.limit = SIZE_MAX;
  run.instances = eng.instances(done)->size();
  // Every commit the engine made: one per step (start, three answers, the decision, the
  // last answer), plus any extra the engine needs.
  run.steps = store->commits() - commits_before;
  run.ops = store->committedOps() - ops_before;
  run.bytes = store->committedBytes() - bytes_before;
  if (run.instances != count) {
    std::fprintf(stderr, "only %zu of %zu instances completed\n", run.instances, count);
    std::exit(1);
  }
  store.reset();
  fs::remove_all(dir);
  return run;
}

// Raw RocksDB: `threads` threads committing `commits` batches shaped like the engine's
// average one: `ops` puts over fresh keys totalling `bytes` bytes, in one column family.
double rawCommitsPerSecond(bool sync, size_t commits, size_t threads, size_t ops, size_t bytes) {
  const std::string dir = freshDir(sync ? "raw-sync" : "raw-async");
  rocksdb::Options options;
  options.create_if_missing = true;
  options.enable_pipelined_write = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<size_t> next{0};
  ops = std::max<size_t>(ops, 1);
  const std::string value(bytes / ops > 24 ? bytes / ops - 24 : 1, 'x');
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      char key[32];
      for (size_t i = next++; i < commits; i = next++) {
        rocksdb::WriteBatch batch;
        for (size_t k = 0; k < ops; ++k) {
          const int n = std::snprintf(key, sizeof key, "k%012zu-%04zu", i, k);
          batch.Put(rocksdb::Slice(key, static_cast<size_t>(n)), value);
        }
        (void)db->Write(wo, &batch);
      }
    });
  }
  for (auto& w : workers)
    w.join();
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  db->Close();
  fs::remove_all(dir);
  return static_cast<double>(commits) / s;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t instances = argc > 1 ? std::stoul(argv[1]) : 2'000;
  const size_t waiting = argc > 2 ? std::stoul(argv[2]) : 100'000;
  const size_t threads =
      argc > 3 ? std::stoul(argv[3]) : std::max(2u, std::thread::hardware_concurrency());
  std::printf("bench/engine: %zu instances of a six-step workflow (x5 with async), %zu threads\n\n",
              instances, threads);
  std::printf(
      "| durability | engine instances/s | engine steps/s | raw RocksDB commits/s | steps / raw "
      "|\n");
  std::printf(
      "|------------|--------------------|----------------|-----------------------|-------------|"
      "\n");
  std::string shapes;
  for (const bool sync : {true, false}) {
    const EngineRun run = runEngine(sync ? store::Durability::kSync : store::Durability::kAsync,
                                    sync ? instances : instances * 5, threads);
    const double ips = run.instances / run.seconds;
    const double sps = static_cast<double>(run.steps) / run.seconds;
    const size_t ops = static_cast<size_t>(run.ops / std::max<uint64_t>(run.steps, 1));
    const size_t bytes = static_cast<size_t>(run.bytes / std::max<uint64_t>(run.steps, 1));
    const double raw =
        rawCommitsPerSecond(sync, static_cast<size_t>(run.steps), threads, ops, bytes);
    shapes += fmt::format(
        "{}: {:.1f} commits per instance, {} puts and deletes and {} bytes per commit\n",
        sync ? "sync" : "async",
        static_cast<double>(run.steps) / static_cast<double>(run.instances), ops, bytes);
    std::printf("| %-10s | %18.0f | %14.0f | %21.0f | %11.2f |\n", sync ? "sync" : "async", ips,
                sps, raw, sps / raw);
  }
  std::printf("\nraw batches have the engine's average shape; %s", shapes.c_str());

  // Storage per waiting instance and recovery.
  const std::string dir = freshDir("waiting");
  {
    auto store = openStore(dir, store::Durability::kAsync);
    engine::SystemClock clock;
    InstantCalls calls;
    engine::Engine eng(*store, clock, calls);
    if (std::holds_alternative<engine::EngineError>(eng.deploy(module()))) return 1;
    const auto program = eng.currentProgram();
    eng.startWorkers(threads);
    std::atomic<size_t> next{0};
    std::vector<std::thread> clients;
    for (size_t t = 0; t < threads; ++t) {
      clients.emplace_back([&] {
        for (size_t i = next++; i < waiting; i = next++)
          (void)eng.start("Six", {order(*program, i)});
      });
    }
    for (auto& c : clients)
      c.join();
    eng.runUntilIdle();
    eng.stopWorkers();
    (void)store->flush();
    uint64_t bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) bytes += entry.file_size();
    }
    std::printf("\n| waiting instances | bytes on disk | bytes per waiting instance |\n");
    std::printf("|-------------------|---------------|----------------------------|\n");
    std::printf("| %17zu | %13llu | %26.0f |\n", waiting, static_cast<unsigned long long>(bytes),
                static_cast<double>(bytes) / static_cast<double>(waiting));
  }
  {
    const auto start = Clock::now();
    auto store = openStore(dir, store::Durability::kAsync);
    engine::SystemClock clock;
    InstantCalls calls;
    engine::Engine eng(*store, clock, calls);
    const size_t queued = *eng.recover();
    eng.runUntilIdle();
    const double reopen = std::chrono::duration<double>(Clock::now() - start).count();
    // Deciding every waiting approval resumes every instance to completion.
    engine::TaskFilter filter;
    filter.limit = SIZE_MAX;
    auto tasks = *eng.tasks(filter);
    eng.startWorkers(threads);
    const auto decide_start = Clock::now();
    std::atomic<size_t> next{0};
    std::vector<std::thread> clients;
    for (size_t t = 0; t < threads; ++t) {
      clients.emplace_back([&] {
        for (size_t i = next++; i < tasks.size(); i = next++) {
          engine::Decision d;
          d.task = tasks[i].record.id;
          d.user = "bench";
          (void)eng.decide(d);
        }
      });
    }
    for (auto& c : clients)
      c.join();
    eng.runUntilIdle();
    eng.stopWorkers();
    const double decide = std::chrono::duration<double>(Clock::now() - decide_start).count();
    std::printf("\n| after a restart with %zu waiting | seconds |\n", waiting);
    std::printf("|----------------------------------------|---------|\n");
    std::printf("| reopen + recover (%zu items queued)     | %7.3f |\n", queued, reopen);
    std::printf("| resume all of them (decide, run, commit) | %7.3f |\n", decide);
  }
  fs::remove_all(dir);
  return 0;
}
