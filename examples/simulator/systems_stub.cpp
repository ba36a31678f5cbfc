// The stub systems' answers.
#include "systems_stub.h"

#include <fmt/format.h>
#include <httplib.h>

namespace rflow::simulator {

namespace {
constexpr size_t kServerThreads = 64;
}  // namespace

using nlohmann::json;

SystemsStub::SystemsStub(const SimClock& clock, uint64_t seed, bool outages)
    : clock_(clock), outages_(outages), rng_(seed), server_(std::make_unique<httplib::Server>()) {
  next_outage_ = clock_.now() + 3 * kHourMs;
  server_->Post(
      R"(/(erp|wms|pos)/([a-z_]+))", [this](const httplib::Request& req, httplib::Response& res) {
        calls_++;
        json body = json::parse(req.body, nullptr, false);
        const json args = body.is_object() && body.contains("args") ? body["args"] : json::object();
        auto [status, answer] = this->answer(req.matches[1], req.matches[2], args);
        if (status >= 400) failures_++;
        res.status = status;
        res.set_content(answer.dump(), "application/json");
      });
}

SystemsStub::~SystemsStub() {
  stop();
}

bool SystemsStub::start(int port) {
  // The service keeps a pool of keep-alive connections per connector (http_connector.h),
  // and httplib's server holds a thread for each open connection: with its default 8
  // threads, the ERP's, WMS's and POS's pools took them all and every new connection
  // waited for an idle one's 5 s keep-alive to end. A real ERP serves more than that.
  // (httplib takes its task queue as a pointer it owns.)
  server_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  if (!server_->bind_to_port("127.0.0.1", port)) return false;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return true;
}

void SystemsStub::stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

bool SystemsStub::erpDown(int64_t now) {
  if (now >= next_outage_) {
    outage_end_ = now + static_cast<int64_t>(uniform(rng_, 25, 55) * kMinuteMs);
    next_outage_ = now + static_cast<int64_t>(uniform(rng_, 8, 16) * kHourMs);
  }
  return now < outage_end_;
}

std::pair<int, json> SystemsStub::answer(const std::string& connector, const std::string& op,
                                         const json& args) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now();
  const auto arg = [&](const char* name) {
    return args.contains(name) && args[name].is_string() ? args[name].get<std::string>() : "";
  };
  const auto unavailable = [](std::string why) {
    return std::pair<int, json>{503, {{"error", std::move(why)}}};
  };
  const auto usd = [](double amount) {
    return json{{"amount", money(amount)}, {"currency", "USD"}};
  };
  const auto number = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  };

  if (connector == "erp") {
    if (outages_ && erpDown(now)) return unavailable("ERP maintenance window: service unavailable");
    if (chance(rng_, 0.03)) return unavailable("ERP gateway timeout");
    if (op == "open_orders") {
      json orders = json::array();
      for (int i = number(0, 2); i > 0; --i)
        orders.push_back(
            {{"po_number", fmt::format("PO-45{:05}", number(0, 99999))},
             {"qty", number(1, 20) * 12},
             {"expected", isoTime(now + static_cast<int64_t>(uniform(rng_, 1, 14) * kDayMs))}});
      return {200, {{"orders", std::move(orders)}}};
    }
    if (op == "create_purchase_order")
      return {200, {{"document", fmt::format("PO-46{:05}", number(0, 99999))}}};
    if (op == "purchase_order") {
      const PurchaseOrder po = poFor(arg("po_number"));
      json lines = json::array();
      for (const PoLine& l : po.lines)
        lines.push_back({{"sku", l.sku},
                         {"qty", l.qty},
                         {"unit_price", {{"amount", l.unit_price}, {"currency", "USD"}}}});
      return {200,
              {{"po_number", po.number},
               {"supplier", po.supplier},
               {"buyer", po.buyer},
               {"lines", std::move(lines)}}};
    }
    if (op == "goods_receipt") {
      const PurchaseOrder po = poFor(arg("po_number"));
      json received = json::object();
      if (!chance(rng_, 0.08)) {  // most trucks are booked in before the invoice arrives
        for (const PoLine& l : po.lines)
          received[l.sku] = chance(rng_, 0.05) ? l.qty - 12 : l.qty;
      }
      return {200, {{"po_number", po.number}, {"received", std::move(received)}}};
    }
    if (op == "fx_rate") return {200, "1.0850"};
    if (op == "post_invoice")
      return {200, {{"document", fmt::format("51000{:05}", number(0, 99999))}}};
    if (op == "block_invoice")
      return {200, {{"document", fmt::format("BLK-{:05}", number(0, 99999))}}};
    if (op == "book_return")
      return {200, {{"document", fmt::format("RTN-{:05}", number(0, 99999))}}};
    if (op == "issue_store_credit") {
      json value = args.contains("value") ? args["value"] : usd(10);
      return {200, {{"voucher", fmt::format("SC-{:05}", number(0, 99999))}, {"amount", value}}};
    }
  } else if (connector == "wms") {
    if (chance(rng_, 0.01)) return unavailable("WMS busy");
    if (op == "availability") {
      const bool short_stock = chance(rng_, 0.3);
      return {200,
              {{"units", short_stock ? number(0, 120) : number(400, 4000)},
               {"case_pack", std::vector<int>{6, 12, 24}[static_cast<size_t>(number(0, 2))]}}};
    }
    if (op == "allocate") {
      const int qty = args.value("qty", 0);
      return {200, {{"id", fmt::format("AL-{:05}", number(0, 99999))}, {"units", qty}}};
    }
  } else if (connector == "pos") {
    if (chance(rng_, 0.01)) return unavailable("POS gateway busy");
    if (op == "velocity") {
      // Most lines sell a few a day; a few fast movers sell over a hundred.
      const int daily = chance(rng_, 0.25) ? number(60, 180) : number(3, 40);
      return {200, {{"daily", daily}, {"unit_cost", usd(uniform(rng_, 1.2, 24))}}};
    }
    if (op == "shelf_gaps") {
      json gaps = json::array();
      for (int i = number(3, 10); i > 0; --i) {
        const Store& s = stores()[static_cast<size_t>(number(0, kStores - 1))];
        gaps.push_back({{"store", storeJson(s)},
                        {"sku", fmt::format("SKU-{:05}", number(10000, 14999))},
                        {"on_hand", number(-2, 0)}});
      }
      return {200, {{"gaps", std::move(gaps)}}};
    }
    if (op == "sale") {
      if (chance(rng_, 0.05)) return {200, nullptr};  // an unknown receipt
      const int64_t sold = now - static_cast<int64_t>(uniform(rng_, 0.2, 45) * kDayMs);
      return {200,
              {{"receipt", arg("receipt")},
               {"sku", arg("sku")},
               {"qty", number(1, 3)},
               {"unit_price", usd(uniform(rng_, 4, 120))},
               {"sold_at", isoTime(sold)},
               {"payment_ref",
                chance(rng_, 0.8) ? fmt::format("PAY-{:04}-{:04}", number(0, 9999), number(0, 9999))
                                  : ""}}};
    }
    if (op == "shelf_price") return {200, usd(uniform(rng_, 2, 40))};
    if (op == "customer_returns") return {200, chance(rng_, 0.85) ? number(0, 1) : number(2, 6)};
    if (op == "weekly_units") return {200, number(100, 5000)};
  }
  return {404, {{"error", fmt::format("the stub has no {}.{}", connector, op)}}};
}

}  // namespace rflow::simulator
