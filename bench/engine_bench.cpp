// bench/engine: the durable engine's throughput against raw RocksDB on the same disk,
// storage per waiting instance, and recovery after a restart.
//
//   bench_engine [INSTANCES] [WAITING] [CLIENTS]    (default 4000, 100000, 64)
//   RFLOW_BENCH_ONLY=sync|async    one engine row alone (for profiling)
//   RFLOW_BENCH_WORKERS=N          the engine's workers (default: the cores)
//
// Rows, all from one run (the machines are shared and noisy: compare ratios):
// - engine, sync: a six-step workflow (three connector calls answered at once
//   in-process, one approval decided by the bench, then one more call) run to completion
//   by CLIENTS threads (starts, then decisions) while the engine's workers process the
//   calls' answers, every step synced: steps/s and steps per write (the commit
//   pipeline's groups). Timed: the two phases, not the listing of tasks between them.
// - the durable limit: raw RocksDB writing exactly the engine's writes (every step's
//   batch, recorded through the store's commit tap) 64 steps per synced WriteBatch, into
//   a database with the store's column families and options, on the same disk. Goal:
//   engine sync >= 0.5 x this. Beside it, for reference, raw RocksDB's best case: the
//   same number of puts and bytes per step on sequential keys in one column family.
// - engine, async, against raw RocksDB replaying the async run's writes one WriteBatch
//   per step, async, from as many threads as there are workers. Goal: >= 0.5 x raw.
// - bytes on disk per waiting instance (goal: under 2 KiB);
// - reopening a store with WAITING waiting instances and making them all ready to
//   resume, then deciding all of them.
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string_view>
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

uint64_t directoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) bytes += entry.file_size();
  return bytes;
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
  uint64_t steps = 0;   // commits reported by the pipeline (one per step)
  uint64_t groups = 0;  // store writes (syncs, with sync durability) holding them
  uint64_t ops = 0;     // puts, deletes and merges in those steps
  uint64_t bytes = 0;   // key and value bytes in them
  // Every step's batch, as the store committed it (replayed against raw RocksDB).
  std::vector<store::Batch> recorded;
};

// A copy of `batch` (Batch is move-only; the tap sees the store's).
store::Batch copyOf(const store::Batch& batch) {
  store::Batch copy;
  batch.visit([&](store::Batch::Kind kind, store::Column column, std::string_view key,
                  std::string_view value) {
    if (kind == store::Batch::Kind::kPut) copy.put(column, key, value);
    if (kind == store::Batch::Kind::kRemove) copy.remove(column, key);
    if (kind == store::Batch::Kind::kMerge) copy.addCounters(key, value);
  });
  return copy;
}

// Runs `count` instances to completion, in two phases as a service sees them: starts
// from `clients` threads (each runs until the approval), then decisions from as many.
// The engine's `workers` process the connector answers meanwhile.
EngineRun runEngine(store::Durability durability, size_t count, size_t clients, size_t workers) {
  const std::string dir = freshDir(durability == store::Durability::kSync ? "sync" : "async");
  auto store = openStore(dir, durability);
  engine::SystemClock clock;
  InstantCalls calls;
  engine::Engine eng(*store, clock, calls);
  if (std::holds_alternative<engine::EngineError>(eng.deploy(module()))) std::exit(1);
  EngineRun run;
  std::mutex recording;
  store->setCommitTap([&](const store::Batch& batch) {
    std::lock_guard lock(recording);
    run.recorded.push_back(copyOf(batch));
  });
  const auto program = eng.currentProgram();
  eng.startWorkers(workers);
  const auto inParallel = [&](size_t n, const std::function<void(size_t)>& each) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < clients; ++t) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < n; i = next++)
          each(i);
      });
    }
    for (auto& c : threads)
      c.join();
    eng.runUntilIdle();
  };
  const uint64_t ops_before = store->committedOps();
  const uint64_t bytes_before = store->committedBytes();
  const uint64_t steps_before = eng.committedSteps();
  const uint64_t groups_before = eng.commitGroups();
  // Timed: the two phases; not the listing of the open tasks between them.
  auto start = Clock::now();
  inParallel(count, [&](size_t i) { (void)eng.start("Six", {order(*program, i)}); });
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  engine::TaskFilter filter;
  filter.limit = SIZE_MAX;
  const auto tasks = *eng.tasks(filter);
  start = Clock::now();
  inParallel(tasks.size(), [&](size_t i) {
    engine::Decision d;
    d.task = tasks[i].record.id;
    d.user = "bench";
    (void)eng.decide(d);
  });
  run.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  eng.stopWorkers();
  engine::InstanceFilter done;
  done.status = engine::Status::kCompleted;
  done.limit = SIZE_MAX;
  run.instances = eng.instances(done)->size();
  run.steps = eng.committedSteps() - steps_before;
  run.groups = eng.commitGroups() - groups_before;
  run.ops = store->committedOps() - ops_before;
  run.bytes = store->committedBytes() - bytes_before;
  if (run.instances != count) {
    std::fprintf(stderr, "only %zu of %zu instances completed\n", run.instances, count);
    std::exit(1);
  }
  store->setCommitTap({});
  store.reset();
  fs::remove_all(dir);
  return run;
}

// Raw RocksDB writing exactly the engine's writes: the steps recorded in an engine run,
// `per_batch` of them per WriteBatch, from `threads` threads, into a database with the
// store's column families and options, on the same disk. Merges are written as puts of
// the same bytes (a raw database has no merge operator). Returns steps per second.
double replayStepsPerSecond(const std::vector<store::Batch>& steps, bool sync, size_t per_batch,
                            size_t threads) {
  const std::string dir = freshDir(sync ? "replay-sync" : "replay-async");
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.enable_pipelined_write = true;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 16 << 20;
  cf_options.compression = rocksdb::kNoCompression;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors{
      {rocksdb::kDefaultColumnFamilyName, cf_options}};
  for (size_t c = 0; c < store::kColumnCount; ++c)
    descriptors.emplace_back(std::string(store::columnName(static_cast<store::Column>(c))),
                             cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<size_t> next{0};
  const size_t batches = (steps.size() + per_batch - 1) / per_batch;
  const auto start = Clock::now();
  std::vector<std::thread> writers;
  for (size_t t = 0; t < threads; ++t) {
    writers.emplace_back([&] {
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      for (size_t b = next++; b < batches; b = next++) {
        rocksdb::WriteBatch write;
        for (size_t i = b * per_batch; i < std::min(steps.size(), (b + 1) * per_batch); ++i) {
          steps[i].visit([&](store::Batch::Kind kind, store::Column column, std::string_view key,
                             std::string_view value) {
            rocksdb::ColumnFamilyHandle* cf = handles[1 + static_cast<size_t>(column)];
            if (kind == store::Batch::Kind::kRemove) {
              (void)write.Delete(cf, rocksdb::Slice(key.data(), key.size()));
            } else {
              (void)write.Put(cf, rocksdb::Slice(key.data(), key.size()),
                              rocksdb::Slice(value.data(), value.size()));
            }
          });
        }
        (void)db->Write(wo, &write);
      }
    });
  }
  for (auto& w : writers)
    w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (rocksdb::ColumnFamilyHandle* h : handles)
    (void)db->DestroyColumnFamilyHandle(h);
  db->Close();
  fs::remove_all(dir);
  return static_cast<double>(steps.size()) / seconds;
}

// Raw RocksDB: `steps` steps of `ops` puts over fresh sequential keys totalling `bytes`
// bytes each, in one column family, `per_batch` steps per WriteBatch, written by
// `threads` threads. Returns steps per second.
double rawStepsPerSecond(bool sync, size_t steps, size_t per_batch, size_t threads, size_t ops,
                         size_t bytes) {
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
  const size_t batches = (steps + per_batch - 1) / per_batch;
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      char key[40];
      for (size_t b = next++; b < batches; b = next++) {
        rocksdb::WriteBatch batch;
        for (size_t s = b * per_batch; s < std::min(steps, (b + 1) * per_batch); ++s) {
          for (size_t k = 0; k < ops; ++k) {
            const int n = std::snprintf(key, sizeof key, "k%012zu-%04zu", s, k);
            batch.Put(rocksdb::Slice(key, static_cast<size_t>(n)), value);
          }
        }
        (void)db->Write(wo, &batch);
      }
    });
  }
  for (auto& w : workers)
    w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  db->Close();
  fs::remove_all(dir);
  return static_cast<double>(steps) / seconds;
}

// Starts `waiting` instances that all stop at their approval, then prints the bytes on
// disk per waiting instance and where they go.
void measureWaiting(const std::string& dir, size_t waiting, size_t threads) {
  auto store = openStore(dir, store::Durability::kAsync);
  engine::SystemClock clock;
  InstantCalls calls;
  engine::Engine eng(*store, clock, calls);
  if (std::holds_alternative<engine::EngineError>(eng.deploy(module()))) std::exit(1);
  const auto program = eng.currentProgram();
  eng.startWorkers(threads);
  std::atomic<size_t> next{0};
  std::vector<std::thread> drivers;
  for (size_t t = 0; t < threads; ++t) {
    drivers.emplace_back([&] {
      for (size_t i = next++; i < waiting; i = next++)
        (void)eng.start("Six", {order(*program, i)});
    });
  }
  for (auto& c : drivers)
    c.join();
  eng.runUntilIdle();
  eng.stopWorkers();
  // Right after the last step the files still hold the versions the steps overwrote
  // (each step rewrites its instance); RocksDB drops them as it compacts, so how many are
  // left depends on timing. Both figures: as flushed, and settled after a full compaction.
  (void)store->flush();
  const uint64_t flushed = directoryBytes(dir);
  (void)store->compact();
  const uint64_t settled = directoryBytes(dir);
  const auto per = [&](uint64_t bytes) {
    return static_cast<double>(bytes) / static_cast<double>(waiting);
  };
  std::printf("\n| %zu waiting instances | bytes on disk | bytes per waiting instance |\n",
              waiting);
  std::printf("|---|---|---|\n");
  std::printf("| flushed | %llu | %.0f |\n", static_cast<unsigned long long>(flushed),
              per(flushed));
  std::printf("| after a full compaction | %llu | %.0f |\n",
              static_cast<unsigned long long>(settled), per(settled));
  // Where the settled bytes go: SST files per column family (the rest is the log, the
  // manifest and RocksDB's own files).
  std::printf("\n| column family | SST bytes per waiting instance | keys per waiting instance |\n");
  std::printf("|---------------|--------------------------------|---------------------------|\n");
  for (const auto& size : store->columnSizes()) {
    if (size.sst_bytes == 0) continue;
    std::printf("| %-13s | %30.0f | %25.2f |\n",
                std::string(store::columnName(size.column)).c_str(),
                static_cast<double>(size.sst_bytes) / static_cast<double>(waiting),
                static_cast<double>(size.estimated_keys) / static_cast<double>(waiting));
  }
}

// Reopens the store of measureWaiting, recovers, then decides every approval.
void measureRestart(const std::string& dir, size_t waiting, size_t threads) {
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
  std::vector<std::thread> drivers;
  for (size_t t = 0; t < threads; ++t) {
    drivers.emplace_back([&] {
      for (size_t i = next++; i < tasks.size(); i = next++) {
        engine::Decision d;
        d.task = tasks[i].record.id;
        d.user = "bench";
        (void)eng.decide(d);
      }
    });
  }
  for (auto& c : drivers)
    c.join();
  eng.runUntilIdle();
  eng.stopWorkers();
  const double decide = std::chrono::duration<double>(Clock::now() - decide_start).count();
  std::printf("\n| after a restart with %zu waiting | seconds |\n", waiting);
  std::printf("|----------------------------------------|---------|\n");
  std::printf("| reopen + recover (%zu items queued)     | %7.3f |\n", queued, reopen);
  std::printf("| resume all of them (decide, run, commit) | %7.3f |\n", decide);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t instances = argc > 1 ? std::stoul(argv[1]) : 4'000;
  const size_t waiting = argc > 2 ? std::stoul(argv[2]) : 100'000;
  const size_t clients = argc > 3 ? std::stoul(argv[3]) : 64;
  const size_t threads = std::getenv("RFLOW_BENCH_WORKERS") != nullptr
                             ? std::stoul(std::getenv("RFLOW_BENCH_WORKERS"))
                             : std::max(2u, std::thread::hardware_concurrency());
  std::printf(
      "bench/engine: %zu instances of a six-step workflow (x3 with async), %zu client threads, "
      "%zu workers\n\n",
      instances, clients, threads);
  // RFLOW_BENCH_ONLY=sync|async runs that engine row alone (for profiling); =waiting the
  // storage per waiting instance alone (RFLOW_BENCH_KEEP: its store is left to inspect).
  const char* only = std::getenv("RFLOW_BENCH_ONLY");
  if (only != nullptr && std::string_view(only) == "waiting") {
    const std::string dir = freshDir("waiting");
    measureWaiting(dir, waiting, threads);
    if (std::getenv("RFLOW_BENCH_KEEP") != nullptr) {
      std::printf("\nthe store is kept in %s\n", dir.c_str());
    } else {
      fs::remove_all(dir);
    }
    return 0;
  }
  if (only != nullptr) {
    const bool sync_only = std::string_view(only) == "sync";
    const EngineRun run =
        runEngine(sync_only ? store::Durability::kSync : store::Durability::kAsync, instances,
                  clients, threads);
    std::printf(
        "engine %s: %.0f steps/s, %.1f steps per write\n", only,
        static_cast<double>(run.steps) / run.seconds,
        static_cast<double>(run.steps) / static_cast<double>(std::max<uint64_t>(run.groups, 1)));
    return 0;
  }
  const EngineRun sync = runEngine(store::Durability::kSync, instances, clients, threads);
  const EngineRun async = runEngine(store::Durability::kAsync, instances * 3, clients, threads);
  const auto shape = [](const EngineRun& run) {
    return std::pair<size_t, size_t>(run.ops / std::max<uint64_t>(run.steps, 1),
                                     run.bytes / std::max<uint64_t>(run.steps, 1));
  };
  const auto [sync_ops, sync_bytes] = shape(sync);
  const auto [async_ops, async_bytes] = shape(async);
  const double limit = replayStepsPerSecond(sync.recorded, true, 64, 1);
  const double sequential = rawStepsPerSecond(true, sync.steps, 64, 1, sync_ops, sync_bytes);
  const double raw_async = replayStepsPerSecond(async.recorded, false, 1, threads);
  const auto rate = [](const EngineRun& run) {
    return static_cast<double>(run.steps) / run.seconds;
  };
  const auto perWrite = [](const EngineRun& run) {
    return static_cast<double>(run.steps) / static_cast<double>(std::max<uint64_t>(run.groups, 1));
  };
  std::printf("| row | instances/s | steps/s | steps per write | engine / raw |\n");
  std::printf("|-----|-------------|---------|-----------------|--------------|\n");
  std::printf("| engine, sync | %.0f | %.0f | %.1f | |\n", sync.instances / sync.seconds,
              rate(sync), perWrite(sync));
  std::printf(
      "| durable limit: raw RocksDB, the engine's writes, 64 steps per synced batch | | "
      "%.0f | 64 | %.2f |\n",
      limit, rate(sync) / limit);
  std::printf(
      "| raw RocksDB, sequential keys in one column family, 64 steps per synced batch | "
      "| %.0f | 64 | %.2f |\n",
      sequential, rate(sync) / sequential);
  std::printf("| engine, async | %.0f | %.0f | %.1f | |\n", async.instances / async.seconds,
              rate(async), perWrite(async));
  std::printf(
      "| raw RocksDB async, the engine's writes, one batch per step, %zu threads | | %.0f "
      "| 1 | %.2f |\n",
      threads, raw_async, rate(async) / raw_async);
  std::printf(
      "\nsteps: %.1f per instance; sync %zu puts, deletes and merges and %zu bytes per step; "
      "async %zu and %zu\n",
      static_cast<double>(sync.steps) / static_cast<double>(sync.instances), sync_ops, sync_bytes,
      async_ops, async_bytes);
  std::printf("goals: sync >= 0.5 x the durable limit (%s), async >= 0.5 x raw async (%s)\n",
              rate(sync) >= 0.5 * limit ? "met" : "NOT met",
              rate(async) >= 0.5 * raw_async ? "met" : "NOT met");

  // Storage per waiting instance and recovery.
  const std::string dir = freshDir("waiting");
  measureWaiting(dir, waiting, threads);
  measureRestart(dir, waiting, threads);
  fs::remove_all(dir);
  return 0;
}
