// The simulated chain: 300 stores in four regions, a catalogue of SKUs, the people who
// decide tasks (with their roles and demo tokens), and the business events the stores
// and head office raise, as the JSON bodies of the example project's `on event`
// triggers (examples/*/…rflow). Also the simulated time (the service's, under
// `rflow serve --time-scale`), which every rate and delay here is expressed in.
//
// Also the story the demo tells a head of store operations (examples/README.md): the
// west region's DC is slow to hand replenishments off, and refrigeration issues rise
// week over week, most of them in the south (a heatwave on ageing chillers).
//
// Invariants: purchase orders are a pure function of their number (poFor), so the ERP
// stub and the invoice generator agree without sharing state; everything random draws
// from the Rng the caller passes, so a seed replays a run.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace rflow::simulator {

using Rng = std::mt19937_64;

inline constexpr int kStores = 300;
inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;

// The service's clock, assuming it started at about the same moment at the same scale.
class SimClock {
 public:
  explicit SimClock(double scale);
  int64_t now() const;
  // Moves the clock so that now() is `service_now`, the service's clock (GET /healthz):
  // the service's timers follow its clock, and at a high scale a second apart is hours.
  // Safe while other threads read the clock.
  void syncTo(int64_t service_now);
  double scale() const { return scale_; }
  // Wall-clock milliseconds for `sim_ms` of simulated time.
  int64_t wallMs(int64_t sim_ms) const;

 private:
  double scale_;
  int64_t start_;
  std::chrono::steady_clock::time_point steady_;
  std::atomic<int64_t> shift_{0};  // added by syncTo
};

std::string isoTime(int64_t ms);

// One of the people the simulator plays. The token is the demo token whose SHA-256 is in
// examples/simulator/rflow.toml.
struct Person {
  std::string name;
  std::vector<std::string> roles;
  double diligence;  // chance they act on a task before it escalates away from them
  double approve;    // chance an approval they decide is an approval
  std::string token() const { return "sim-" + name + "-demo-token"; }
};
const std::vector<Person>& people();

struct Store {
  std::string id;
  std::string region;
  bool pilot;
};
// The regions, each served by its own DC; stores are spread evenly over them.
const std::vector<std::string>& regions();
const std::vector<Store>& stores();
nlohmann::json storeJson(const Store& store);

// The story. The region whose DC's dispatch desk is slow (Replenish's "DC hand-off").
inline constexpr const char* kSlowDcRegion = "west";
// Median simulated hours a region's DC takes to put an allocation on a trailer.
double dcHandOffMedianHours(const std::string& region);
// The issue category that rises, by this factor a simulated week, and where it is worst.
inline constexpr const char* kRisingCategory = "Refrigeration";
inline constexpr double kRisingWeeklyGrowth = 1.8;
inline constexpr const char* kRisingRegion = "south";

// A purchase order as the ERP stub answers it, derived from the number alone.
struct PoLine {
  std::string sku;
  int qty;
  std::string unit_price;  // "14.25"
};
struct PurchaseOrder {
  std::string number;
  std::string supplier;
  std::string buyer;
  std::vector<PoLine> lines;
};
PurchaseOrder poFor(const std::string& number);

std::string pick(Rng& rng, const std::vector<std::string>& from);
double uniform(Rng& rng, double lo, double hi);
bool chance(Rng& rng, double p);
std::string money(double amount);  // "12.50"

// The events (name and body) the chain raises, one generator per process.
struct Event {
  std::string name;
  nlohmann::json body;
  std::string what;           // for the log line
  std::string category = {};  // a store issue's true category, never sent (issue_texts.h)
};
Event stockout(Rng& rng);
Event invoice(Rng& rng, int64_t sim_now);
// A text from issueTexts(), which must be loaded: of kRisingCategory when `rising`
// (at a kRisingRegion store six times in ten), else of any other category, anywhere.
Event storeIssue(Rng& rng, bool rising);
Event customerReturn(Rng& rng, int64_t sim_now);
Event promoException(Rng& rng, int64_t sim_now);

}  // namespace rflow::simulator
