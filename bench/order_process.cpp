#include "order_process.h"

#include <fmt/format.h>

#include <array>

#include "runtime/json_writer.h"

namespace rflow::bench {

const char* const kOrderSource = R"(module orders

record Line { sku: string, qty: int, price: decimal }
record Order { id: string, region: string, tier: string, items: list<Line> }
record OrderResult { amount: decimal, path: string }
role Approver "Approver"

fn validate(o: Order) -> bool = len(o.items) > 0

fn price(o: Order) -> decimal {
  var s: decimal = 0.00
  for it in o.items {
    s = s + it.price * it.qty
  }
  return round(s, 2)
}

fn tax(o: Order, subtotal: decimal) -> decimal {
  var rate: decimal = 0.10
  if o.region == "EU" {
    rate = 0.20
  } else if o.region == "US" {
    rate = 0.07
  }
  return round(subtotal * rate, 2)
}

fn discount(o: Order, subtotal: decimal) -> decimal {
  var rate: decimal = 0.00
  if o.tier == "gold" {
    rate = 0.10
  } else if o.tier == "silver" {
    rate = 0.05
  }
  return round(subtotal * rate, 2)
}

fn total(subtotal: decimal, t: decimal, d: decimal) -> decimal = round(subtotal + t - d, 2)

workflow PlaceOrder(o: Order) -> OrderResult {
  owner "bench"
  if not validate(o) {
    fail "order {o.id} has no lines"
  }
  let subtotal = price(o)
  let amount = total(subtotal, tax(o, subtotal), discount(o, subtotal))
  if amount > 1000.00 {
    let review = approval "Order {o.id}: {amount}" {
      assign Approver
      due 1d
    }
    return OrderResult { amount: amount, path: "approved" }
  }
  return OrderResult { amount: amount, path: "auto" }
}
)";

namespace {

struct Item {
  std::string sku;
  int64_t qty = 0;
  int64_t cents = 0;
};

// common.mjs makeInput(i): x = (i * 2654435761) mod 2^32, then a 32-bit LCG whose draws
// are x / 2^32; qty = 1 + floor(r * 4), price = round(r * 16000) / 100.
struct Input {
  std::string id, region, tier;
  std::array<Item, 5> items;
};

Input makeInput(uint64_t i) {
  uint32_t x = static_cast<uint32_t>(i * 2654435761ULL);
  const auto next = [&] {
    x = x * 1103515245U + 12345U;
    return x;
  };
  Input in;
  in.id = fmt::format("wf-{}", i);
  static constexpr std::array<const char*, 3> kRegions = {"EU", "US", "APAC"};
  static constexpr std::array<const char*, 3> kTiers = {"gold", "silver", "none"};
  in.region = kRegions[i % 3];
  in.tier = kTiers[i % 3];
  for (size_t k = 0; k < in.items.size(); ++k) {
    Item& item = in.items[k];
    item.sku = fmt::format("SKU-{}", (i + k) % 97);
    item.qty = 1 + static_cast<int64_t>((static_cast<uint64_t>(next()) * 4) >> 32);
    // Math.round(x * 16000 / 2^32): x * 16000 is exact, so this is floor(v + 1/2).
    item.cents = static_cast<int64_t>((static_cast<uint64_t>(next()) * 16000 + (1ULL << 31)) >> 32);
  }
  return in;
}

// cents * percent / 100, rounded half-even to a cent.
int64_t percentOf(int64_t cents, int64_t percent) {
  const int64_t n = cents * percent;
  int64_t q = n / 100;
  const int64_t r = n % 100;
  if (r > 50 || (r == 50 && q % 2 != 0)) ++q;
  return q;
}

std::string centsText(int64_t cents) {
  return fmt::format("{}.{:02}", cents / 100, cents % 100);
}

}  // namespace

nlohmann::json orderInput(uint64_t i) {
  const Input in = makeInput(i);
  nlohmann::json items = nlohmann::json::array();
  for (const Item& item : in.items)
    items.push_back({{"sku", item.sku}, {"qty", item.qty}, {"price", centsText(item.cents)}});
  return {{"o", {{"id", in.id}, {"region", in.region}, {"tier", in.tier}, {"items", items}}}};
}

std::string orderInputText(uint64_t i) {
  const Input in = makeInput(i);
  runtime::JsonWriter w;  // members in name order, as orderInput(i).dump() writes them
  w.beginObject();
  w.key("o");
  w.beginObject();
  w.key("id");
  w.string(in.id);
  w.key("items");
  w.beginArray();
  for (const Item& item : in.items) {
    w.beginObject();
    w.key("price");
    w.string(centsText(item.cents));
    w.key("qty");
    w.integer(item.qty);
    w.key("sku");
    w.string(item.sku);
    w.endObject();
  }
  w.endArray();
  w.key("region");
  w.string(in.region);
  w.key("tier");
  w.string(in.tier);
  w.endObject();
  w.endObject();
  return w.take();
}

OrderExpected orderExpected(uint64_t i) {
  const Input in = makeInput(i);
  int64_t subtotal = 0;
  for (const Item& item : in.items)
    subtotal += item.qty * item.cents;
  const int64_t tax = percentOf(subtotal, in.region == "EU" ? 20 : in.region == "US" ? 7 : 10);
  const int64_t discount = percentOf(subtotal, in.tier == "gold"     ? 10
                                               : in.tier == "silver" ? 5
                                                                     : 0);
  const int64_t amount = subtotal + tax - discount;
  return {centsText(amount), amount > 100'000};
}

}  // namespace rflow::bench
