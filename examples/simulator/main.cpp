// rflow-simulator: plays a 300-store retail chain against `rflow serve examples/` through
// the public HTTP API only. See examples/simulator/README.md.
//
//   rflow-simulator [--url http://127.0.0.1:8080] [--systems-port 18931]
//                   [--time-scale 60] [--load 1.0] [--seed N] [--duration SECONDS]
//
// Per simulated day, chain-wide: ~600 stockouts, ~200 supplier invoices, ~300 customer
// returns, ~60 store issues and ~15 promotion exceptions, raised as Poisson arrivals
// (POST /v1/events/{name}); people decide tasks (people.h); contractors and the goods-in
// desk send signals; the stub ERP/WMS/POS (systems_stub.h) answers the connectors. The
// story (chain.h): refrigeration issues grow 1.8x a simulated week, and the west DC is
// slow to hand replenishments off.
// Stops on Ctrl-C or SIGTERM, or after --duration.
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <functional>
#include <optional>
#include <iostream>
#include <queue>
#include <thread>

#include "api_client.h"
#include "base/time_text.h"
#include "chain.h"
#include "issue_texts.h"
#include "people.h"
#include "systems_stub.h"

namespace rflow::simulator {
namespace {

using nlohmann::json;

struct Options {
  std::string url = "http://127.0.0.1:8080";
  int systems_port = 18931;
  double time_scale = 60;
  double load = 1.0;
  uint64_t seed = 0;
  int duration = 0;
  std::string issues = "examples/data/store_issues.csv";
  bool erp_outages = true;
  std::optional<int64_t> story_start;  // the story's day 0; unset: when the simulator starts
  bool until_wall_clock = false;       // stop once the simulated time reaches the wall clock
  bool systems_only = false;           // serve the stub systems only, until stopped
};

struct Process {
  Event (*make)(Rng&, int64_t);
  double per_day;             // on the story's day 0
  double weekly_growth = 1.0;  // the rate's factor per simulated week since then
};

// Actions due at a simulated time (signals from contractors and the goods-in desk).
struct Later {
  int64_t due;
  std::function<void()> run;
  bool operator>(const Later& other) const { return due > other.due; }
};

class Simulation {
 public:
  Simulation(const Options& o, ApiClient& api, const SimClock& clock)
      : options_(o), api_(api), clock_(clock), rng_(o.seed), people_(api, clock, rng_) {}

  void run(const std::atomic<bool>& stop) {
    const Process processes[] = {
        {[](Rng& r, int64_t) { return stockout(r); }, 600},
        {invoice, 200},
        {customerReturn, 300},
        // ~25 a day are refrigeration issues at first, growing; the five other categories
        // ~30 a day each, so that a week's count of one of them is steady within the
        // trend's 25 % (trendOf) rather than by luck.
        {[](Rng& r, int64_t) { return storeIssue(r, false); }, 150},
        {[](Rng& r, int64_t) { return storeIssue(r, true); }, 25, kRisingWeeklyGrowth},
        {promoException, 15},
    };
    const auto wall_start = std::chrono::steady_clock::now();
    const int64_t story_start = options_.story_start.value_or(clock_.now());
    int64_t last = clock_.now();
    int64_t next_people = 0;
    int64_t next_report = clock_.now() + 2 * kHourMs;
    while (!stop.load()) {
      const int64_t now = clock_.now();
      const double days = static_cast<double>(now - last) / static_cast<double>(kDayMs);
      last = now;
      const double weeks =
          std::max(0.0, static_cast<double>(now - story_start) / (7.0 * kDayMs));
      for (const Process& p : processes) {
        const double rate = p.per_day * std::pow(p.weekly_growth, weeks) * options_.load;
        const int n = std::poisson_distribution<int>(rate * days)(rng_);
        for (int i = 0; i < n; ++i)
          raise(p.make(rng_, now));
      }
      while (!later_.empty() && later_.top().due <= now) {
        Later item = later_.top();
        later_.pop();
        item.run();
      }
      if (now >= next_people) {
        people_.work();
        // Every 1.5 s, or 15 simulated minutes when that is sooner: at the scales that
        // play history (thousands), 1.5 s would be hours between looks at the inbox.
        next_people =
            now + std::min<int64_t>(static_cast<int64_t>(1500 * clock_.scale()), 15 * 60'000);
      }
      if (now >= next_report) {
        report(now);
        next_report = now + 2 * kHourMs;
      }
      if (options_.duration > 0 &&
          std::chrono::steady_clock::now() - wall_start > std::chrono::seconds(options_.duration))
        break;
      if (options_.until_wall_clock &&
          now >= std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count())
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    report(clock_.now());
  }

  SystemsStub* stub = nullptr;

 private:
  void raise(const Event& e) {
    const Answer a = api_.post("/v1/events/" + e.name, e.body, adminToken());
    if (!a.ok()) {
      if (a.status != 409) {  // 409: that store/SKU already has a live replenishment
        errors_++;
        if (errors_ <= 5 || errors_ % 100 == 0)
          std::cerr << fmt::format("simulator: {} refused ({}): {}\n", e.what, a.status,
                                   a.message());
      }
      return;
    }
    started_++;
    if (!a.body["started"].is_array() || a.body["started"].empty()) return;
    const std::string id = a.body["started"][0];
    if (e.name == "StoreIssueRaised") {
      people_.knowCategory(id, e.category);
      contractor(id, e.body["issue"]["store"]["id"].get<std::string>(), e.category);
    }
    if (e.name == "InvoiceScanned") goodsIn(id, e.body["inv"]);
  }

  void later(int64_t in_ms, std::function<void()> run) {
    later_.push({clock_.now() + in_ms, std::move(run)});
  }
  int64_t hours(double lo, double hi) {
    return static_cast<int64_t>(uniform(rng_, lo, hi) * static_cast<double>(kHourMs));
  }
  void signal(const std::string& id, const std::string& name, const json& body) {
    const Answer a = api_.post("/v1/instances/" + id + "/signals/" + name, body, adminToken());
    if (a.ok()) signals_++;
  }

  // Contractors answer most jobs (accepted, on site, completed); one in ten goes silent.
  // The store team handles pricing, staffing and customers itself (the example's
  // owner_for). An issue filed under a store category never awaits these signals: they
  // go unread, or are refused once it has ended, which signal() shrugs off.
  // The job is the ResolveIssue the triage spawns once the issue is filed (by the model
  // at once, or by the support desk within hours): looked for every 20 simulated
  // minutes among the store's waiting resolutions, for up to a day. It has the triage's
  // business key (the example's issue_key); a spawned instance records no parent.
  void contractor(const std::string& triage, const std::string& store,
                  const std::string& category) {
    if (category == "Pricing" || category == "Staffing" || category == "Customer" ||
        chance(rng_, 0.1))
      return;
    later(20 * kMinuteMs, [=, this] { findJob(triage, store, 1); });
  }

  void findJob(const std::string& triage, const std::string& store, int attempt) {
    const Answer t = api_.get("/v1/instances/" + triage, adminToken());
    const Answer a = api_.get(
        "/v1/instances?workflow=ResolveIssue&status=Waiting&limit=200&store=" + store,
        adminToken());
    if (t.ok() && t.body["key"].is_string() && a.ok()) {
      for (const json& item : a.body["items"]) {
        if (item["key"] == t.body["key"]) return contractorUpdates(item["id"].get<std::string>());
      }
    }
    if (attempt < 72) later(20 * kMinuteMs, [=, this] { findJob(triage, store, attempt + 1); });
  }

  void contractorUpdates(const std::string& id) {
    const std::string tech = pick(rng_, {"J. Patel", "M. Okafor", "S. Novak", "R. Alvarez"});
    const int64_t accepted = hours(0.3, 3);
    const int64_t on_site = accepted + hours(2, 18);
    const int64_t done = on_site + hours(1, 5);
    later(accepted, [=, this] {
      signal(id, "ContractorUpdate",
             {{"status", "Accepted"}, {"eta_minutes", 240}, {"technician", tech}});
    });
    later(on_site, [=, this] {
      signal(id, "ContractorUpdate",
             {{"status", "OnSite"}, {"eta_minutes", 0}, {"technician", tech}});
    });
    later(done, [=, this] {
      signal(id, "ContractorUpdate",
             {{"status", "Completed"}, {"eta_minutes", 0}, {"technician", tech}});
    });
  }

  // When an invoice waits for its goods receipt, the DC books the truck in later (mostly).
  void goodsIn(const std::string& id, const json& inv) {
    const std::string po = inv["po_number"];
    later(15 * kMinuteMs, [=, this] {
      const Answer a = api_.get("/v1/instances/" + id, adminToken());
      if (!a.ok()) return;
      bool waiting = false;
      for (const json& w : a.body["waiting_for"])
        waiting = waiting || (w["kind"] == "signal" && w["detail"].get<std::string>().find(
                                                           "GoodsReceipted") != std::string::npos);
      if (!waiting || chance(rng_, 0.25)) return;  // a quarter never arrive: on hold after 3 days
      later(hours(4, 40), [=, this] {
        signal(id, "GoodsReceipted",
               {{"po_number", po},
                {"receipt",
                 fmt::format("GR-{:06}", std::uniform_int_distribution<int>(0, 999999)(rng_))}});
      });
    });
  }

  void report(int64_t now) {
    const Tally& t = people_.tally();
    std::cout << fmt::format(
                     "simulator: {} UTC  events {}  decisions: {} approved, {} rejected, {} forms, "
                     "{} refused, {} left to escalate  signals {}  systems: {} calls, {} failed",
                     isoTime(now).substr(0, 16).replace(10, 1, " "), started_, t.approved,
                     t.rejected, t.completed, t.refused, t.ignored, signals_,
                     stub ? stub->calls() : 0, stub ? stub->failures() : 0)
              << std::endl;
  }
  static std::string adminToken() { return people().back().token(); }

  const Options& options_;
  ApiClient& api_;
  const SimClock& clock_;
  Rng rng_;
  People people_;
  std::priority_queue<Later, std::vector<Later>, std::greater<>> later_;
  int64_t started_ = 0, errors_ = 0, signals_ = 0;
};

int run(const Options& o) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string host_port = o.url.substr(o.url.find("://") + 3);
  const size_t colon = host_port.rfind(':');
  if (o.url.rfind("http://", 0) != 0 || colon == std::string::npos) {
    std::cerr << "simulator: --url " << o.url << ": expected http://host:port\n";
    return 2;
  }
  const std::string host = host_port.substr(0, colon);
  const int port = std::atoi(host_port.substr(colon + 1).c_str());

  SimClock clock(o.time_scale);
  SystemsStub stub(clock, o.seed + 1, o.erp_outages);
  if (!stub.start(o.systems_port)) {
    std::cerr << fmt::format(
        "simulator: cannot listen on 127.0.0.1:{} for the stub ERP/WMS/POS "
        "(in use?); pass --systems-port and the same port in rflow.toml\n",
        o.systems_port);
    return 1;
  }
  if (o.systems_only) {
    // For `rflow contract check` against the systems the demo plays (tests/cli).
    std::cout << fmt::format("simulator: stub systems on 127.0.0.1:{}; stop with Ctrl-C",
                             o.systems_port)
              << std::endl;
    int received = 0;
    sigwait(&stop_signals, &received);
    stub.stop();
    return 0;
  }
  std::string error;
  if (!loadIssueTexts(o.issues, error)) {
    std::cerr << "simulator: " << error << " (the store-issue texts; see --issues)\n";
    return 2;
  }
  ApiClient api(host, port);
  // Wait for the service, then check that it knows every simulated person.
  Answer me;
  for (int i = 0; i < 300 && me.status == 0; ++i) {
    me = api.get("/v1/me", people().back().token());
    if (me.status == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (me.status == 0) {
    std::cerr << "simulator: " << o.url << " does not answer; start rflow serve first\n";
    return 1;
  }
  for (const Person& p : people()) {
    const Answer a = api.get("/v1/me", p.token());
    if (!a.ok()) {
      std::cerr << fmt::format(
          "simulator: the service does not accept {}'s demo token ({}). Serve the examples with "
          "--config examples/simulator/rflow.toml, which lists the simulated people.\n",
          p.name, a.message());
      return 1;
    }
  }
  // Play on the service's clock: its timers (escalations, SLAs) follow it.
  const Answer health = api.get("/healthz", "");
  if (!health.ok() || !health.body.contains("now") || !health.body["now"].is_string() ||
      !base::parseTime(health.body["now"].get<std::string>()).ok()) {
    std::cerr << "simulator: GET /healthz did not say the service's time (" << health.status
              << "); is " << o.url << " an rflow serve?\n";
    return 1;
  }
  clock.syncTo(base::parseTime(health.body["now"].get<std::string>()).value());
  std::cout << fmt::format(
                   "simulator: playing {} stores against {} with {} people; time runs {}x "
                   "(the service must run with --time-scale {}); stub systems on 127.0.0.1:{}",
                   kStores, o.url, people().size() - 1, o.time_scale, o.time_scale, o.systems_port)
            << std::endl;

  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    stop = true;
  });
  Simulation sim(o, api, clock);
  sim.stub = &stub;
  sim.run(stop);
  if (!stop.load()) pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  stub.stop();
  std::cout << "simulator: stopped" << std::endl;
  return 0;
}

}  // namespace
}  // namespace rflow::simulator

int main(int argc, char** argv) {
  rflow::simulator::Options o;
  o.seed = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  CLI::App app{"Plays a 300-store retail chain against rflow serve"};
  app.add_option("--url", o.url, "The service (default http://127.0.0.1:8080)");
  app.add_option("--systems-port", o.systems_port, "Port of the stub ERP/WMS/POS (default 18931)");
  app.add_option("--time-scale", o.time_scale, "As given to rflow serve (default 60)")
      ->check(CLI::Range(1.0, 10000.0));
  app.add_option("--load", o.load, "Multiplies every event rate (default 1)")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--seed", o.seed, "Random seed (default: the time)");
  app.add_option("--duration", o.duration,
                 "Stop after this many seconds (default: run until Ctrl-C)");
  app.add_option("--issues", o.issues,
                 "What stores type: a text,label CSV from scripts/make_triage_data.py "
                 "(default examples/data/store_issues.csv)");
  bool no_outages = false;
  app.add_flag("--no-erp-outages", no_outages,
               "No ERP maintenance windows (a chain whose ERP never goes down)");
  app.add_flag("--systems-only", o.systems_only,
               "Serve the stub ERP/WMS/POS only, without playing the chain, until stopped "
               "(for rflow contract check)");
  app.add_flag("--until-wall-clock", o.until_wall_clock,
               "Stop once the simulated time reaches the wall clock: history played from a "
               "service started with --clock-start in the past ends where live time begins");
  std::string story_start;
  app.add_option("--story-start", story_start,
                 "The story's day 0, an RFC 3339 time (default: when the simulator starts): "
                 "refrigeration issues have risen since then; give the same time to every "
                 "run that plays the same data directory");
  CLI11_PARSE(app, argc, argv);
  o.erp_outages = !no_outages;
  if (!story_start.empty()) {
    const auto parsed = rflow::base::parseTime(story_start);
    if (!parsed.ok()) {
      std::cerr << "simulator: --story-start " << story_start
                << ": expected an RFC 3339 time such as 2026-11-20T00:00:00Z\n";
      return 2;
    }
    o.story_start = parsed.value();
  }
  return rflow::simulator::run(o);
}
