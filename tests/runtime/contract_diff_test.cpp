// diffContracts: which changes break callers, in which direction, named where.
#include "runtime/contract_diff.h"

#include <gtest/gtest.h>

#include "runtime_test_util.h"

namespace rflow::runtime {
namespace {

using testing::buildModule;

constexpr const char* kBefore = R"rflow(module shop

enum Size { Small, Large }

record Item {
  sku: string
  qty: int
  note: string?
  size: Size
}

record Stock { units: int, size: Size }

signal Paid { reference: string }

connector wms {
  fn stock(sku: string) -> Stock
  fn ping()
}

workflow Order(item: Item) -> Size {
  owner "ops"
  let s = wms.stock(item.sku)
  return s.size
}

on event Ordered(item: Item) start Order(item)
)rflow";

std::vector<std::string> lines(const std::vector<ContractChange>& changes) {
  std::vector<std::string> out;
  for (const ContractChange& c : changes)
    out.push_back(describe(c));
  return out;
}

TEST(ContractDiff, TheSameProjectHasNoChanges) {
  const bytecode::Module a = buildModule(kBefore);
  const bytecode::Module b = buildModule(kBefore);
  EXPECT_TRUE(diffContracts(a, b).empty());
}

TEST(ContractDiff, ChangesAreBreakingByTheDirectionTheValuesTravel) {
  std::string after = kBefore;
  const auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = after.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    after.replace(at, from.size(), to);
  };
  // Accepted (a start's parameter): a new required field, an optional one, a removed
  // member; written (the result): the same enum gains a member.
  replace("  note: string?\n", "  note: string?\n  store: string\n  gift: bool?\n");
  replace("enum Size { Small, Large }", "enum Size { Small, Large, Huge }");
  // A connector's result (accepted): a field removed; its arguments (written): one added.
  replace("record Stock { units: int, size: Size }", "record Stock { size: Size }");
  replace("fn stock(sku: string) -> Stock",
          "fn stock(sku: string, region: string) -> Stock\n  fn hold(sku: string)");
  replace("wms.stock(item.sku)", "wms.stock(item.sku, \"EU\")");
  replace("  fn ping()\n", "");
  replace("signal Paid { reference: string }", "signal Paid { reference: int }");
  const auto changes = lines(diffContracts(buildModule(kBefore), buildModule(after)));
  const std::vector<std::string> want = {
      "breaking   inbound  workflow shop.Order, parameter `item`.store: added, required",
      "breaking   inbound  workflow shop.Order, result: enum member `Huge` added: readers may get "
      "a value they do not know",
      "breaking   inbound  signal shop.Paid, field `reference`: `string` became `int`",
      "breaking   inbound  event Ordered, parameter `item`.store: added, required",
      "breaking   outbound connector operation shop.wms.stock, result.units: removed: a sender "
      "that still sends it is refused",
      "breaking   outbound connector operation shop.wms.hold: added: the system behind it must "
      "serve it",
      "compatible inbound  workflow shop.Order, parameter `item`.size: enum member `Huge` added",
      "compatible inbound  workflow shop.Order, parameter `item`.gift: added, optional",
      "compatible inbound  event Ordered, parameter `item`.size: enum member `Huge` added",
      "compatible inbound  event Ordered, parameter `item`.gift: added, optional",
      "compatible outbound connector operation shop.wms.ping: removed: rflow no longer calls it",
      "compatible outbound connector operation shop.wms.stock, argument `region`: added",
      "compatible outbound connector operation shop.wms.stock, result.size: enum member `Huge` "
      "added",
  };
  EXPECT_EQ(changes, want);
}

}  // namespace
}  // namespace rflow::runtime
