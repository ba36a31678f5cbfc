// bench/service: `rflow serve` over HTTP against the same engine called in-process, in
// one run: requests per second and latency (p50, p99) for starting instances and for
// deciding their approvals, with C concurrent clients (default 32).
//
// One Server (service/serve.h) on 127.0.0.1 with an ephemeral port serves a one-approval
// workflow. The HTTP rows: C threads, each with its own keep-alive httplib client, POST
// /v1/workflows/Pay/instances N times in all, then POST /v1/tasks/{id}/decision for
// every approval those starts opened. The in-process rows: C threads call
// Engine::start and Engine::decide on the same engine, for N more instances. The
// difference is what HTTP, JSON, auth and routing cost per request.
//
//   bench_service [N] [CLIENTS]          (default 4000 instances, 32 clients)
//
// Clients keep connections alive and set TCP_NODELAY, as HTTP client libraries do; a
// request on a connection the server had closed is sent once more (starts carry an
// Idempotency-Key, so that is safe). Failures are counted in `ok` and described.
//
// Compare rows of one run: the machines are shared and noisy.
#include <fmt/format.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/wire.h"
#include "service/auth.h"
#include "service/serve.h"

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

// The ids of open tasks, once `count` are open (steps run on the engine's workers).
std::vector<std::string> openTasks(engine::Engine& eng, size_t count) {
  engine::TaskFilter filter;
  filter.limit = SIZE_MAX;
  for (int i = 0; i < 6000; ++i) {
    auto tasks = eng.tasks(filter);
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
  const fs::path dir = fs::temp_directory_path() / fmt::format("rflow-bench-service-{}", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir / "project");
  std::ofstream(dir / "project" / "bench.rflow") << kSource;
  std::ofstream(dir / "project" / "rflow.toml") << fmt::format(
      "[engine]\nworkers = 2\n\n[[auth.users]]\nname = \"bob\"\nroles = [\"Buyer\"]\n"
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

  std::vector<std::unique_ptr<httplib::Client>> http;
  for (size_t t = 0; t < clients; ++t) {
    http.push_back(std::make_unique<httplib::Client>("127.0.0.1", server.port()));
    http.back()->set_keep_alive(true);
    http.back()->set_tcp_nodelay(true);  // as a client library should; see http_server.cpp
    http.back()->set_read_timeout(30, 0);
  }
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
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
    httplib::Headers headers = auth;
    headers.emplace("Idempotency-Key", "H" + std::to_string(i));
    const std::string body = orderJson("H" + std::to_string(i)).dump();
    auto res = http[t]->Post("/v1/workflows/Pay/instances", headers, body, "application/json");
    if (!res) res = http[t]->Post("/v1/workflows/Pay/instances", headers, body, "application/json");
    if (res && res->status == 201) return true;
    noteFailure(res ? fmt::format("HTTP {}: {}", res->status, res->body)
                    : "no answer: " + httplib::to_string(res.error()));
    return false;
  });
  const std::vector<std::string> http_tasks = openTasks(eng, n);
  const Row http_decide = inParallel(http_tasks.size(), clients, [&](size_t t, size_t i) {
    const std::string path = "/v1/tasks/" + http_tasks[i] + "/decision";
    auto res = http[t]->Post(path, auth, R"({"approve": true})", "application/json");
    if (res && res->status == 200) return true;
    if (!res) {  // sent again: a 409 then means the first one was decided
      res = http[t]->Post(path, auth, R"({"approve": true})", "application/json");
      if (res && (res->status == 200 || res->status == 409)) return true;
    }
    noteFailure(res ? fmt::format("HTTP {}: {}", res->status, res->body)
                    : "no answer: " + httplib::to_string(res.error()));
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
  server.stop();
  fs::remove_all(dir);
  const bool all =
      http_start.ok == n && engine_start.ok == n && http_decide.ok == n && engine_decide.ok == n;
  if (!all) std::fprintf(stderr, "bench_service: some requests failed (see the ok column)\n");
  return all ? 0 : 1;
}
