// The small order process the peers of ../shared/peers/ run (their README), written in
// rflow, with its inputs and expected results, for bench_service (and any bench that
// wants the same workload):
//
//   validate → price → tax → discount → total   five pure functions over an order of
//                                               five lines (decimal prices, regional tax
//                                               EU 20 % / US 7 % / else 10 %, tier
//                                               discount gold 10 % / silver 5 % / else 0,
//                                               each rounded half-even to cents)
//   then amount > 1000 → one approval → end; else end.
//
// Inputs are the peers' (common.mjs makeInput: instance i is deterministic), so about
// half of the instances take the approval. The expected amount is computed here with
// base::Decimal, independently of the VM, and every result is checked against it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace rflow::bench {

// The project: module `orders`, workflow `Order(o: Order) -> OrderResult`, role `Approver`.
extern const char* const kOrderSource;

// The workflow's input for instance i, as the JSON body of a start request ({"o": …}).
nlohmann::json orderInput(uint64_t i);
// The same as text, written without a document in between (the load generator shares
// the cores with the service it measures).
std::string orderInputText(uint64_t i);

struct OrderExpected {
  std::string amount;  // decimal text, two places
  bool approval = false;
};
OrderExpected orderExpected(uint64_t i);

}  // namespace rflow::bench
