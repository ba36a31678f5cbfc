#include "project_generator.h"

#include <fmt/format.h>

namespace rflow::bench {

namespace {

size_t countLines(const std::string& text) {
  size_t n = 0;
  for (char c : text)
    n += c == '\n';
  return n;
}

// One process: about 60 lines.
std::string process(size_t m, size_t i) {
  return fmt::format(R"(/// Request {1} raised by a store.
record Request{1} {{
  store: string
  sku: string
  qty: int = 1
  amount: money
  /// Who asked.
  raised_by: string
}}

enum Stage{1} {{ Draft, Review, Approved, Rejected }}

decision route{1}(amount: money, qty: int) -> Role {{
  when amount <= 1_000.00 USD and qty < 100 => common.StoreManager
  when amount <= 25_000.00 USD                => common.Planner
  else                                        => common.FinanceDirector
}}

fn score{1}(r: Request{1}) -> decimal = decimal(r.qty) * 1.5 + (if r.qty > 10 then 2.0 else 0.5)

/// Handle request {1} of module {0}.
workflow Handle{1}(r: Request{1}) -> Stage{1} {{
  owner "operations-{0}"
  key r.store + "/" + r.sku
  sla 8h on breach {{
    notify common.RegionalOps "Request {{r.sku}} at {{r.store}} is past its SLA"
  }}
  let stock = common.wms.availability(r.sku) retry 3 every 2s backoff 2.0 timeout 10s
  if stock.units >= r.qty and r.amount < 500.00 USD {{
    common.wms.allocate(r.store, r.sku, r.qty) timeout 5s
    return Stage{1}.Approved
  }}
  let review = approval "Approve {{r.sku}} for {{r.store}}" {{
    assign route{1}(r.amount, r.qty)
    requested_by user(r.raised_by)
    amount r.amount
    due 1d
    escalate after 4h to common.RegionalOps
    data {{ sku: r.sku, qty: r.qty, score: score{1}(r) }}
  }}
  match review.outcome {{
    ApprovalOutcome.Approved => note "approved by {{review.decided_by}}"
    ApprovalOutcome.Rejected => return Stage{1}.Rejected
    _ => fail "expired"
  }}
  return Stage{1}.Approved
}}

test "handle {1} allocates when stock suffices" {{
  mock common.wms.availability(sku) => common.Availability {{ units: 1_000 }}
  mock common.wms.allocate(store, sku, qty) => common.Allocation {{ id: "AL-{{sku}}" }}
  let run = start Handle{1}(Request{1} {{ store: "S1", sku: "A-{1}", amount: 12.00 USD, raised_by: "ana" }})
  expect run.status == RunStatus.Completed
  expect called common.wms.allocate times 1
}}

)",
                     m, i);
}

// The module every process imports: roles, the connector and its records.
constexpr const char* kCommon = R"(module bench.common

role StoreManager "Store manager"
role Planner "Inventory planner"
role FinanceDirector "Finance director"
role RegionalOps "Regional operations"

record Availability { units: int }
record Allocation { id: string }

connector wms {
  fn availability(sku: string) -> Availability
  fn allocate(store: string, sku: string, qty: int) -> Allocation
}
)";

}  // namespace

std::vector<std::pair<std::string, std::string>> generateProject(size_t lines,
                                                                 size_t lines_per_file) {
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("common.rflow", kCommon);
  size_t total = countLines(kCommon);
  size_t process_id = 0;
  for (size_t m = 0; total < lines; ++m) {
    std::string text = fmt::format("module bench.m{}\n\nimport bench.common\n\n", m);
    while (countLines(text) < lines_per_file && total + countLines(text) < lines) {
      text += process(m, process_id++);
    }
    total += countLines(text);
    files.emplace_back(fmt::format("m{}.rflow", m), std::move(text));
  }
  return files;
}

}  // namespace rflow::bench
