// The chain's stores, people, purchase orders and events.
#include "chain.h"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <functional>

#include "issue_texts.h"

namespace rflow::simulator {

using nlohmann::json;

SimClock::SimClock(double scale)
    : scale_(scale),
      start_(std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count()),
      steady_(std::chrono::steady_clock::now()) {}

int64_t SimClock::now() const {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - steady_).count();
  return start_ + shift_.load() + static_cast<int64_t>(std::llround(ms * scale_));
}

void SimClock::syncTo(int64_t service_now) {
  shift_ += service_now - now();
}

int64_t SimClock::wallMs(int64_t sim_ms) const {
  return static_cast<int64_t>(static_cast<double>(sim_ms) / scale_);
}

std::string isoTime(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

const std::vector<Person>& people() {
  // Who decides what in the example project (roles declared in examples/*/…rflow).
  static const std::vector<Person> kPeople = {
      {"priya.planner", {"InventoryPlanner"}, 0.75, 0.85},
      {"omar.planner", {"InventoryPlanner"}, 0.6, 0.8},
      {"grace.planning", {"PlanningManager"}, 0.9, 0.75},
      {"ann.ap", {"AccountsPayable"}, 0.8, 0.85},
      {"raj.ap", {"AccountsPayable"}, 0.7, 0.8},
      {"sam.ap-supervisor", {"ApSupervisor"}, 0.9, 0.8},
      {"carol.controller", {"Controller"}, 0.95, 0.7},
      {"fiona.finance", {"FinanceDirector"}, 0.9, 0.6},
      {"dana.store-manager", {"StoreManager"}, 0.7, 0.85},
      {"lee.store-manager", {"StoreManager"}, 0.65, 0.8},
      {"kim.store-manager", {"StoreManager"}, 0.6, 0.85},
      {"rita.regional", {"RegionalOps"}, 0.9, 0.7},
      {"tom.regional", {"RegionalOps"}, 0.85, 0.75},
      {"felix.facilities", {"FacilitiesCoordinator"}, 0.85, 0.9},
      {"sara.safety", {"SafetyOfficer"}, 0.95, 0.9},
      {"leo.loss-prevention", {"LossPrevention"}, 0.8, 0.8},
      {"chris.cs-lead", {"CustomerServiceLead"}, 0.85, 0.8},
      {"paula.pricing", {"PricingAnalyst"}, 0.8, 0.75},
      {"pete.pricing-lead", {"PricingLead"}, 0.85, 0.7},
      {"cathy.category", {"CategoryManager"}, 0.8, 0.75},
      {"derek.director", {"CommercialDirector"}, 0.9, 0.6},
      {"vic.dc-dispatch", {"DcDispatch"}, 0.97, 0},
      {"jo.dc-dispatch", {"DcDispatch"}, 0.97, 0},
      {"sue.support", {"StoreSupport"}, 0.9, 0},
      {"nick.support", {"StoreSupport"}, 0.8, 0},
      {"ops-admin", {"admin"}, 0, 0},
  };
  return kPeople;
}

const std::vector<std::string>& regions() {
  static const std::vector<std::string> kRegions = {"north-east", "south", "west", "midlands"};
  return kRegions;
}

const std::vector<Store>& stores() {
  static const std::vector<Store> kStores_ = [] {
    std::vector<Store> out;
    for (size_t i = 1; i <= kStores; ++i)
      out.push_back({fmt::format("S{:04}", i), regions()[(i * 7) % regions().size()], i % 25 == 0});
    return out;
  }();
  return kStores_;
}

json storeJson(const Store& s) {
  return {{"id", s.id}, {"region", s.region}, {"pilot", s.pilot}};
}

double dcHandOffMedianHours(const std::string& region) {
  // The slow DC misses most trailers of the day: a wait of hours, not minutes, which
  // pushes its replenishments towards the 8h SLA.
  return region == kSlowDcRegion ? 5.0 : 0.6;
}

std::string pick(Rng& rng, const std::vector<std::string>& from) {
  return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
}
double uniform(Rng& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
bool chance(Rng& rng, double p) {
  return uniform(rng, 0, 1) < p;
}
std::string money(double amount) {
  return fmt::format("{:.2f}", std::round(amount * 100) / 100);
}

namespace {

const Store& anyStore(Rng& rng) {
  return stores()[std::uniform_int_distribution<size_t>(0, stores().size() - 1)(rng)];
}
const Store& storeIn(Rng& rng, const std::string& region) {
  for (;;) {
    const Store& s = anyStore(rng);
    if (s.region == region) return s;
  }
}
std::string anySku(Rng& rng) {
  return fmt::format("SKU-{:05}", std::uniform_int_distribution<int>(10000, 14999)(rng));
}
json usd(double amount) {
  return {{"amount", money(amount)}, {"currency", "USD"}};
}

const std::vector<std::string> kSuppliers = {"Northwind Foods",  "Acme Household",
                                             "Bluebell Dairy",   "Cedar Paper Co",
                                             "Harbor Beverages", "Summit Snacks"};
const std::vector<std::string> kBuyers = {"ben.buyer", "mia.buyer", "noah.buyer"};

}  // namespace

PurchaseOrder poFor(const std::string& number) {
  Rng rng(std::hash<std::string>{}(number));
  PurchaseOrder po{number, pick(rng, kSuppliers), pick(rng, kBuyers), {}};
  const int lines = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < lines; ++i) {
    po.lines.push_back({anySku(rng), std::uniform_int_distribution<int>(2, 40)(rng) * 12,
                        money(uniform(rng, 1.5, 45))});
  }
  return po;
}

Event stockout(Rng& rng) {
  const Store& s = anyStore(rng);
  const int on_hand = chance(rng, 0.8) ? 0 : std::uniform_int_distribution<int>(-4, 3)(rng);
  const std::string sku = anySku(rng);
  return {"StockoutDetected",
          {{"r",
            {{"store", storeJson(s)},
             {"sku", sku},
             {"on_hand", on_hand},
             {"reported_by", "staff." + s.id}}}},
          fmt::format("stockout of {} at {}", sku, s.id)};
}

Event invoice(Rng& rng, int64_t sim_now) {
  const std::string po_number =
      fmt::format("PO-45{:05}", std::uniform_int_distribution<int>(0, 99999)(rng));
  const PurchaseOrder po = poFor(po_number);
  json lines = json::array();
  for (const PoLine& l : po.lines) {
    double price = std::stod(l.unit_price);
    int qty = l.qty;
    if (chance(rng, 0.08)) price *= uniform(rng, 1.03, 1.12);  // billed above the PO price
    if (chance(rng, 0.05)) qty += 12;                          // billed more than arrived
    lines.push_back({{"sku", l.sku}, {"qty", qty}, {"unit_price", usd(price)}});
  }
  const std::string number = fmt::format("INV-{}-{:05}", isoTime(sim_now).substr(0, 4),
                                         std::uniform_int_distribution<int>(0, 99999)(rng));
  return {"InvoiceScanned",
          {{"inv",
            {{"number", number},
             {"supplier", po.supplier},
             {"po_number", po_number},
             {"ship_to", storeJson(anyStore(rng))},
             {"currency", "USD"},
             {"lines", std::move(lines)}}}},
          fmt::format("invoice {} from {}", number, po.supplier)};
}

Event storeIssue(Rng& rng, bool rising) {
  static const std::vector<std::string> kUrgency = {"now", "today", "today", "this week",
                                                    "whenever"};
  const Store& s = rising && chance(rng, 0.6) ? storeIn(rng, kRisingRegion) : anyStore(rng);
  const std::vector<IssueText>& texts = issueTexts();
  // Drawn until the category fits: loadIssueTexts made sure both kinds exist.
  const IssueText* drawn = nullptr;
  while (drawn == nullptr || (drawn->category == kRisingCategory) != rising)
    drawn = &texts[std::uniform_int_distribution<size_t>(0, texts.size() - 1)(rng)];
  const IssueText& issue = *drawn;
  // Chillers and equipment carry an asset tag; the rest concern no one asset.
  std::string asset;
  if (issue.category == "Refrigeration")
    asset = fmt::format("CHILLER-{:02}", std::uniform_int_distribution<int>(1, 12)(rng));
  else if (issue.category == "Equipment")
    asset = fmt::format("EQ-{:02}", std::uniform_int_distribution<int>(1, 20)(rng));
  return {"StoreIssueRaised",
          {{"issue",
            {{"store", storeJson(s)},
             {"text", issue.text},
             {"urgency", pick(rng, kUrgency)},
             {"asset", asset},
             {"reported_by", "staff." + s.id}}}},
          fmt::format("issue at {}: {}", s.id, issue.text),
          issue.category};
}

Event customerReturn(Rng& rng, int64_t) {
  static const std::vector<std::string> kReasons = {"Damaged", "WrongItem", "ChangedMind",
                                                    "ChangedMind", "NotAsDescribed"};
  const Store& s = anyStore(rng);
  const std::string id =
      fmt::format("RT-{}-{:05}", s.id, std::uniform_int_distribution<int>(0, 99999)(rng));
  const std::string sku = chance(rng, 0.05) ? anySku(rng) + "-CL" : anySku(rng);
  const std::string receipt =
      chance(rng, 0.1)
          ? ""
          : fmt::format("{}-{:02}-{:05}", s.id, std::uniform_int_distribution<int>(1, 8)(rng),
                        std::uniform_int_distribution<int>(0, 99999)(rng));
  return {
      "ReturnKeyed",
      {{"r",
        {{"id", id},
         {"store", storeJson(s)},
         {"receipt", receipt},
         {"sku", sku},
         {"qty", std::uniform_int_distribution<int>(1, 3)(rng)},
         {"reason", pick(rng, kReasons)},
         {"customer", chance(rng, 0.6) ? fmt::format("L-{:05}", std::uniform_int_distribution<int>(
                                                                    0, 99999)(rng))
                                       : ""},
         {"processed_by", "desk." + s.id}}}},
      fmt::format("return {} of {}", id, sku)};
}

Event promoException(Rng& rng, int64_t sim_now) {
  const double regular = uniform(rng, 2, 30);
  const double cost = regular * uniform(rng, 0.45, 0.7);
  const double promo = regular * uniform(rng, 0.5, 0.85);
  // Most promotions are regional; the rest run chain-wide.
  const std::string region = chance(rng, 0.7) ? pick(rng, regions()) : "national";
  json store_ids = json::array();
  const int n = std::uniform_int_distribution<int>(5, 60)(rng);
  for (int i = 0; i < n; ++i)
    store_ids.push_back(region == "national" ? anyStore(rng).id : storeIn(rng, region).id);
  const std::string id = fmt::format("PX-{}-{:04}", isoTime(sim_now).substr(0, 4),
                                     std::uniform_int_distribution<int>(0, 9999)(rng));
  return {"PromoExceptionRequested",
          {{"p",
            {{"id", id},
             {"sku", anySku(rng)},
             {"regular_price", usd(regular)},
             {"promo_price", usd(promo)},
             {"unit_cost", usd(cost)},
             {"stores", std::move(store_ids)},
             {"region", region},
             {"starts_at", isoTime(sim_now + static_cast<int64_t>(uniform(rng, 2, 10) * kDayMs))},
             {"weeks", std::uniform_int_distribution<int>(1, 3)(rng)},
             {"uplift", fmt::format("{:.1f}", uniform(rng, 1.1, 2.5))},
             {"vendor_funding", chance(rng, 0.5) ? money(uniform(rng, 0.1, 1.5)) : ""},
             {"currency", "USD"},
             {"requested_by", chance(rng, 0.15) ? "cathy.category" : "ella.merchandiser"}}}},
          fmt::format("promotion exception {}", id)};
}

}  // namespace rflow::simulator
