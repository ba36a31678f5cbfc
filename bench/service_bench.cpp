// bench/service: `rflow serve` over HTTP against the same engine called in-process, in
// one run: requests per second and latency (p50, p99) for starting instances and for
// deciding their approvals, with C concurrent clients (default 32); then the peers'
// order process (order_process.h) end to end with 16 and 64 clients, every step synced:
// completed instances per second, p50/p99 of each request, and bytes on disk per
// completed instance.
//
// One Server (service/serve.h) on 127.0.0.1 with an ephemeral port serves a one-approval
// workflow. The HTTP rows: C threads, each with its own keep-alive client, POST
// /v1/workflows/Pay/instances N times in all, then POST /v1/tasks/{id}/decision for
// every approval those starts opened. The in-process rows: C threads call
// Engine::start and Engine::decide on the same engine, for N more instances. The
// difference is what HTTP, JSON, auth and routing cost per request.
//
//   bench_service [N] [CLIENTS] [ORDERS]   (default 4000 instances, 32 clients, 4000 orders
//                                           per order row)
//
// Each order row also prints the process's CPU time per completed instance (every thread:
// server, engine and the bench's clients), steadier than instances/s on a shared machine.
// RFLOW_BENCH_ONLY=http (or =engine) runs only those order rows, to profile one side
// (`perf record`, `perf stat`).
//
// Clients (http_client.h) keep connections alive and set TCP_NODELAY, as HTTP client
// libraries do, and cost the shared cores one send and one recv per request; a request on
// a connection the server had closed is sent once more (starts carry an Idempotency-Key,
// so that is safe). Failures are counted in `ok` and described.
//
// Compare rows of one run: the machines are shared and noisy.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench_util.h"
#include "order_http.h"
#include "order_process.h"
#include "runtime/wire.h"
#include "service/auth.h"
#include "service/serve.h"
#include "service/views.h"

namespace {

namespace fs = std::filesystem;
using namespace rflow;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kSource = R"(module bench
record Order { id: string, total: money }
role Buyer "Buyer"
workflow Pay(o: Order) -> bool {
  owner "bench"
  let ok = approval "Pay {o.id}" { assign Buyer; amount o.total; due 1d }
  return ok.approved
}
)";
constexpr const char* kToken = "bench-buyer-token";

struct Row {
  double seconds = 0;
  size_t ok = 0;
  std::vector<double> latencies_ms;
};

// Runs each(i) for i in [0, n) from `clients` threads; each(i) returns success.
Row inParallel(size_t n, size_t clients, const std::function<bool(size_t, size_t)>& each) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> ok{0};
  std::vector<std::vector<double>> per_thread(clients);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (size_t t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = next++; i < n; i = next++) {
        const auto begin = Clock::now();
        if (each(t, i)) ok++;
        per_thread[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  for (auto& th : threads)
    th.join();
  Row row;
  row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  row.ok = ok;
  for (auto& v : per_thread)
    row.latencies_ms.insert(row.latencies_ms.end(), v.begin(), v.end());
  std::sort(row.latencies_ms.begin(), row.latencies_ms.end());
  return row;
}

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(q * static_cast<double>(sorted.size())))];
}

void print(const char* what, const Row& row, size_t n) {
  std::printf("| %-34s | %7zu | %9.0f | %8.2f | %8.2f |\n", what, row.ok,
              static_cast<double>(n) / row.seconds, quantile(row.latencies_ms, 0.5),
              quantile(row.latencies_ms, 0.99));
}

// One order-process row: `n` instances from `clients` threads, each started and, when it
// waits for its approval, decided at once; every result checked against orderExpected.
struct OrderRow {
  double seconds = 0;
  // The process's CPU time over the row (every thread: server, engine, clients), steadier
  // than instances/s on a shared machine.
  double cpu_seconds = 0;
  size_t completed = 0;   // with the expected amount and path
  size_t approvals = 0;   // of those, how many took the approval
  size_t mismatches = 0;  // completed with another result, or not completed
  std::vector<double> start_ms, decide_ms;
};

// What one instance did, as the client saw it: the instance after its last request.
using OrderStep = std::function<std::optional<bench::OrderReply>(
    size_t thread, size_t i, std::vector<double>& start_ms, std::vector<double>& decide_ms)>;

OrderRow runOrders(size_t n, size_t clients, size_t first, const OrderStep& step) {
  std::atomic<size_t> next{0}, completed{0}, approvals{0}, mismatches{0};
  std::vector<std::vector<double>> starts(clients), decides(clients);
  std::vector<std::thread> threads;
  const auto begin = Clock::now();
  const double cpu_begin = bench::processCpuSeconds();
  for (size_t t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = next++; k < n; k = next++) {
        const size_t i = first + k;
        const std::optional<bench::OrderReply> done = step(t, i, starts[t], decides[t]);
        const bench::OrderExpected want = bench::orderExpected(i);
        const bool ok = bench::orderResultOk(i, done);
        if (ok) {
          completed++;
          if (want.approval) approvals++;
        } else {
          if (mismatches++ < 3)
            std::fprintf(stderr, "order %zu: %s\n", i, done ? done->text().c_str() : "no answer");
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();
  OrderRow row;
  row.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  row.cpu_seconds = bench::processCpuSeconds() - cpu_begin;
  row.completed = completed;
  row.approvals = approvals;
  row.mismatches = mismatches;
  for (size_t t = 0; t < clients; ++t) {
    row.start_ms.insert(row.start_ms.end(), starts[t].begin(), starts[t].end());
    row.decide_ms.insert(row.decide_ms.end(), decides[t].begin(), decides[t].end());
  }
  std::sort(row.start_ms.begin(), row.start_ms.end());
  std::sort(row.decide_ms.begin(), row.decide_ms.end());
  return row;
}

double millisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// The ids of open tasks, once `count` are open (steps run on the engine's workers).
std::vector<std::string> openTasks(engine::Engine& eng, size_t count) {
  engine::TaskFilter filter;
  filter.limit = SIZE_MAX;
  for (int i = 0; i < 6000; ++i) {
    auto found = eng.tasks(filter);
    const std::vector<engine::TaskView> tasks = found ? *found : std::vector<engine::TaskView>{};
    if (tasks.size() >= count || i == 5999) {
      std::vector<std::string> ids;
      for (const auto& t : tasks)
        ids.push_back(t.record.id);
      return ids;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 4000;
  const size_t clients = argc > 2 ? std::stoul(argv[2]) : 32;
  const size_t orders = argc > 3 ? std::stoul(argv[3]) : 4000;
  // The bodies the HTTP rows send are written as text; they must be the documents the
  // in-process rows decode.
  for (uint64_t i = 0; i < 300; ++i) {
    if (bench::orderInputText(i) != bench::orderInput(i).dump()) {
      std::fprintf(stderr, "bench_service: order %llu's body differs from its document\n",
                   static_cast<unsigned long long>(i));
      return 1;
    }
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("rflow-bench-service-{}", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir / "project");
  std::ofstream(dir / "project" / "bench.rflow") << kSource;
  std::ofstream(dir / "project" / "orders.rflow") << bench::kOrderSource;
  std::ofstream(dir / "project" / "rflow.toml") << fmt::format(
      "[engine]\nworkers = 2\n\n[[auth.users]]\nname = \"bob\"\nroles = [\"Buyer\", "
      "\"Approver\"]\n"
      "token_sha256 = \"{}\"\n",
      service::hexOf(service::sha256(kToken)));

  service::ServeOptions options;
  options.path = (dir / "project").string();
  options.data = (dir / "data").string();
  options.listen = "127.0.0.1:0";
  options.print = [](const std::string&) {};
  auto opened = service::Server::open(options);
  if (auto* problem = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "bench_service: %s\n", problem->c_str());
    return 1;
  }
  auto& server = *std::get<std::unique_ptr<service::Server>>(opened);
  engine::Engine& eng = server.engine();

  std::vector<std::unique_ptr<bench::HttpClient>> http;
  for (size_t t = 0; t < clients; ++t)
    http.push_back(std::make_unique<bench::HttpClient>("127.0.0.1", server.port()));
  const bench::HttpHeaders auth = {{"Authorization", std::string("Bearer ") + kToken}};
  // The first failure of each kind, to say why a row is short.
  std::mutex failures_mutex;
  std::map<std::string, int> failures;
  const auto noteFailure = [&](std::string why) {
    std::lock_guard lock(failures_mutex);
    failures[why.substr(0, 160)]++;
  };
  const auto orderJson = [](const std::string& id) {
    return json{{"o", {{"id", id}, {"total", {{"amount", "120.00"}, {"currency", "USD"}}}}}};
  };

  std::printf("bench_service: %zu instances per row, %zu concurrent clients, %u cores\n\n", n,
              clients, std::thread::hardware_concurrency());
  std::printf("| %-34s | %7s | %9s | %8s | %8s |\n", "operation", "ok", "per sec", "p50 ms",
              "p99 ms");
  std::printf(
      "|------------------------------------|---------|-----------|----------|----------|\n");

  // Over HTTP.
  const Row http_start = inParallel(n, clients, [&](size_t t, size_t i) {
    // A kept-alive connection the server closed fails on its next request without an
    // answer; clients send again, and the Idempotency-Key makes that safe.
    bench::HttpHeaders headers = auth;
    headers.emplace_back("Idempotency-Key", "H" + std::to_string(i));
    const std::string body = orderJson("H" + std::to_string(i)).dump();
    auto res = http[t]->post("/v1/workflows/Pay/instances", headers, body);
    if (!res) res = http[t]->post("/v1/workflows/Pay/instances", headers, body);
    if (res && res.status == 201) return true;
    noteFailure(res ? fmt::format("HTTP {}: {}", res.status, res.body) : "no answer: " + res.error);
    return false;
  });
  const std::vector<std::string> http_tasks = openTasks(eng, n);
  const Row http_decide = inParallel(http_tasks.size(), clients, [&](size_t t, size_t i) {
    const std::string path = "/v1/tasks/" + http_tasks[i] + "/decision";
    auto res = http[t]->post(path, auth, R"({"approve": true})");
    if (res && res.status == 200) return true;
    if (!res) {  // sent again: a 409 then means the first one was decided
      res = http[t]->post(path, auth, R"({"approve": true})");
      if (res && (res.status == 200 || res.status == 409)) return true;
    }
    noteFailure(res ? fmt::format("HTTP {}: {}", res.status, res.body) : "no answer: " + res.error);
    return false;
  });

  // In-process, on the same engine.
  const auto program = eng.currentProgram();
  const bytecode::Module& m = program->module();
  const bytecode::Workflow* pay = nullptr;
  for (const auto& w : m.workflows)
    if (m.strings[w.name].ends_with("Pay")) pay = &w;
  const std::string pay_name = m.strings[pay->name];
  const Row engine_start = inParallel(n, clients, [&](size_t, size_t i) {
    auto args = runtime::decodeArguments(orderJson("E" + std::to_string(i)), pay->params, m);
    if (!std::holds_alternative<std::vector<vm::Value>>(args)) return false;
    auto started = eng.start(pay_name, std::get<std::vector<vm::Value>>(std::move(args)));
    return std::holds_alternative<engine::InstanceView>(started);
  });
  const std::vector<std::string> engine_tasks = openTasks(eng, n);
  const Row engine_decide = inParallel(engine_tasks.size(), clients, [&](size_t, size_t i) {
    engine::Decision d;
    d.task = engine_tasks[i];
    d.user = "bob";
    return !eng.decide(d).has_value();
  });

  print("start instance, HTTP", http_start, n);
  print("start instance, engine in-process", engine_start, n);
  print("decide approval, HTTP", http_decide, http_tasks.size());
  print("decide approval, engine in-process", engine_decide, engine_tasks.size());
  std::printf("\nHTTP / in-process throughput: start %.2f, decide %.2f\n",
              (static_cast<double>(n) / http_start.seconds) /
                  (static_cast<double>(n) / engine_start.seconds),
              (static_cast<double>(http_tasks.size()) / http_decide.seconds) /
                  (static_cast<double>(engine_tasks.size()) / engine_decide.seconds));
  for (const auto& [why, count] : failures)
    std::printf("failed %d times: %s\n", count, why.c_str());

  // The order process, end to end, over HTTP and in-process, with 16 and 64 clients. The
  // Pay rows' clients close their connections first: each kept-alive connection holds
  // one of the server's threads (kHttpThreads) until it closes.
  http.clear();
  const auto overHttp = [&](size_t count) -> OrderStep {
    auto pool = std::make_shared<std::vector<std::unique_ptr<bench::HttpClient>>>();
    for (size_t t = 0; t < count; ++t)
      pool->push_back(std::make_unique<bench::HttpClient>("127.0.0.1", server.port()));
    return [&, pool](size_t t, size_t i, std::vector<double>& start_ms,
                     std::vector<double>& decide_ms) -> std::optional<bench::OrderReply> {
      bench::OrderTimes times;
      std::string why;
      auto done = bench::orderOverHttp(*(*pool)[t], auth, i, times, &why);
      start_ms.insert(start_ms.end(), times.start_ms.begin(), times.start_ms.end());
      decide_ms.insert(decide_ms.end(), times.decide_ms.begin(), times.decide_ms.end());
      return done;
    };
  };
  const bytecode::Workflow* place = nullptr;
  for (const auto& w : m.workflows)
    if (m.strings[w.name].ends_with("PlaceOrder")) place = &w;
  const std::string place_name = m.strings[place->name];
  const OrderStep inProcess =
      [&](size_t, size_t i, std::vector<double>& start_ms,
          std::vector<double>& decide_ms) -> std::optional<bench::OrderReply> {
    auto args = runtime::decodeArguments(bench::orderInput(i), place->params, m);
    if (!std::holds_alternative<std::vector<vm::Value>>(args)) return std::nullopt;
    auto begin = Clock::now();
    auto started = eng.start(place_name, std::get<std::vector<vm::Value>>(std::move(args)),
                             {.spawn = false, .request_id = "P" + std::to_string(i)});
    start_ms.push_back(millisSince(begin));
    auto* view = std::get_if<engine::InstanceView>(&started);
    if (view == nullptr) return std::nullopt;
    if (view->status == engine::Status::kWaiting && !view->waits.empty()) {
      engine::Decision d;
      d.task = view->waits[0].detail;
      d.user = "bob";
      begin = Clock::now();
      const bool decided = !eng.decide(d).has_value();
      decide_ms.push_back(millisSince(begin));
      if (!decided) return std::nullopt;
    }
    auto after = eng.instance(view->id);
    if (!after) return std::nullopt;
    service::Ages ages{eng.clock().now()};
    runtime::JsonWriter out;
    service::writeInstance(out, *after, ages);
    return bench::readOrderReply(out.text());
  };
  struct OrderResultRow {
    std::string what;
    size_t clients;
    OrderRow row;
    // The commit pipeline during the row: groups (syncs), steps and store writes.
    uint64_t groups = 0;
    uint64_t steps = 0;
    uint64_t ops = 0;
  };
  const auto counted = [&](std::string what, size_t c, auto run) {
    const uint64_t groups = eng.commitGroups(), steps = eng.committedSteps(),
                   ops = eng.store().committedOps();
    OrderRow row = run();
    return OrderResultRow{std::move(what), c, std::move(row), eng.commitGroups() - groups,
                          eng.committedSteps() - steps, eng.store().committedOps() - ops};
  };
  std::vector<OrderResultRow> order_rows;
  size_t first = 0;
  // RFLOW_BENCH_ONLY=http or =engine runs only those order rows (to profile one side).
  const char* only_env = std::getenv("RFLOW_BENCH_ONLY");
  const std::string only = only_env != nullptr ? only_env : "";
  for (const size_t c : {size_t{16}, size_t{64}}) {
    if (only != "engine")
      order_rows.push_back(counted("order process, HTTP", c,
                                   [&] { return runOrders(orders, c, first, overHttp(c)); }));
    first += orders;
    if (only != "http")
      order_rows.push_back(counted("order process, engine in-process", c,
                                   [&] { return runOrders(orders, c, first, inProcess); }));
    first += orders;
  }
  (void)eng.store().flush();
  uint64_t disk = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "data"))
    if (entry.is_regular_file()) disk += entry.file_size();
  engine::InstanceFilter done_filter;
  done_filter.status = engine::Status::kCompleted;
  done_filter.limit = SIZE_MAX;
  const auto completed_list = eng.instances(done_filter);
  const size_t completed_total = completed_list ? completed_list->size() : 0;

  std::printf(
      "\nOrder process (validate, price, tax, discount, total; amount > 1000 takes an "
      "approval), %zu instances per row, durability %s:\n\n",
      orders, eng.store().durability() == store::Durability::kSync ? "sync" : "async");
  std::printf("| %-32s | %7s | %9s | %11s | %9s | %9s | %10s | %10s | %10s | %12s |\n", "row",
              "clients", "completed", "instances/s", "approvals", "start p50", "start p99",
              "decide p50", "decide p99", "CPU us/inst");
  std::printf(
      "|----------------------------------|---------|-----------|-------------|-----------"
      "|-----------|------------|------------|------------|--------------|\n");
  bool orders_ok = true;
  for (const OrderResultRow& r : order_rows) {
    std::printf(
        "| %-32s | %7zu | %9zu | %11.0f | %9zu | %9.2f | %10.2f | %10.2f | %10.2f | %12.0f |\n",
        r.what.c_str(), r.clients, r.row.completed,
        static_cast<double>(r.row.completed) / r.row.seconds, r.row.approvals,
        quantile(r.row.start_ms, 0.5), quantile(r.row.start_ms, 0.99),
        quantile(r.row.decide_ms, 0.5), quantile(r.row.decide_ms, 0.99),
        r.row.cpu_seconds * 1e6 / static_cast<double>(std::max<size_t>(r.row.completed, 1)));
    orders_ok = orders_ok && r.row.mismatches == 0 && r.row.completed == orders;
  }
  std::printf("\nThe commit pipeline in each row: steps per sync (group) and store writes per "
              "step:\n");
  for (const OrderResultRow& r : order_rows)
    std::printf("  %s, %zu clients: %.1f steps per sync, %.1f writes per step\n", r.what.c_str(),
                r.clients,
                static_cast<double>(r.steps) / static_cast<double>(std::max<uint64_t>(r.groups, 1)),
                static_cast<double>(r.ops) / static_cast<double>(std::max<uint64_t>(r.steps, 1)));
  std::printf(
      "\nbytes on disk per completed instance (every row above, flushed): %.0f "
      "(%llu bytes, %zu completed)\n",
      static_cast<double>(disk) / static_cast<double>(std::max<size_t>(completed_total, 1)),
      static_cast<unsigned long long>(disk), completed_total);
  server.stop();
  fs::remove_all(dir);
  const bool all = http_start.ok == n && engine_start.ok == n && http_decide.ok == n &&
                   engine_decide.ok == n && orders_ok;
  if (!all) std::fprintf(stderr, "bench_service: some requests failed (see the ok column)\n");
  return all ? 0 : 1;
}
