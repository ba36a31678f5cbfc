#include "runtime_test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>

#include "bytecode/names.h"
#include "diagnostics/render.h"
#include "driver/build.h"
#include "vm/print.h"

namespace rflow::runtime::testing {

bytecode::Module buildModule(std::string_view source) {
  source::SourceSet sources;
  sources.add("test.rflow", std::string(source));
  compiler::BuildResult result = compiler::buildSources(sources);
  if (!result.ok()) {
    std::string messages;
    for (const auto& d : result.check.diagnostics)
      messages += d.message + "\n";
    ADD_FAILURE() << "the test module does not compile:\n" << messages;
    return {};
  }
  return std::move(*result.module);
}

const bytecode::Module& sampleModule() {
  static const bytecode::Module module = buildModule(R"rflow(module shop.orders

role StoreManager "Store manager"
role Buyer "Buyer"

enum Priority { Low, Medium, High }

record Line {
  sku: string
  qty: int
  unit_price: money
}

record Order {
  id: string
  lines: list<Line>
  total: money
  rate: decimal
  priority: Priority = Priority.Medium
  note: string?
  tags: map<int>
  placed_at: time
  window: duration
  buyer: User
  approver: Role
  owner: Assignee
  express: bool = false
  labels: list<string> = ["new"]
}

record Node {
  name: string
  children: list<Node>
}

record Everything {
  flag: bool
  count: int
  ratio: decimal
  price: money
  text: string
  wait: duration
  at: time
  who: User
  role: Role
  assignee: Assignee
  level: Priority
  counts: list<int>
  nested: list<list<string>>
  by_sku: map<money>
  maybe: int?
  maybe_line: Line?
  tree: Node
}

connector erp {
  fn post_invoice(number: string, total: money, lines: list<Line>) -> Order
  fn fx_rate(from: string, to: string) -> decimal
  fn ping()
  fn skus(store: string) -> list<string>
  fn everything() -> Everything
}

connector wms {
  fn allocate(store: string, sku: string, qty: int) -> Line
}

workflow Place(order: Order, rush: bool?) -> money {
  let r = erp.fx_rate("EUR", "USD")
  return order.total
}
)rflow");
  return module;
}

bytecode::TypeId recordType(const bytecode::Module& m, std::string_view record) {
  for (uint32_t r = 0; r < m.records.size(); ++r) {
    const std::string& name = m.strings[m.records[r].name];
    if (name != record && vm::declaredName(name) != record) continue;
    for (uint32_t t = 0; t < m.types.size(); ++t) {
      if (m.types[t].tag == bytecode::TypeTag::kRecord && m.types[t].decl == r) return t;
    }
  }
  ADD_FAILURE() << "no record type " << record;
  return 0;
}

bytecode::TypeId fieldType(const bytecode::Module& m, std::string_view record,
                           std::string_view field) {
  const bytecode::TypeId t = recordType(m, record);
  for (const bytecode::Field& f : m.records[m.types[t].decl].fields) {
    if (m.strings[f.name] == field) return f.type;
  }
  ADD_FAILURE() << "no field " << record << "." << field;
  return 0;
}

bytecode::TypeId typeNamed(const bytecode::Module& m, std::string_view name) {
  for (uint32_t t = 0; t < m.types.size(); ++t) {
    if (bytecode::typeName(m, t) == name) return t;
  }
  ADD_FAILURE() << "no type named " << name;
  return 0;
}

uint32_t opIndex(const bytecode::Module& m, std::string_view connector, std::string_view op) {
  for (const bytecode::Connector& c : m.connectors) {
    if (vm::declaredName(m.strings[c.name]) != connector) continue;
    for (uint32_t i = 0; i < c.op_count; ++i) {
      if (m.strings[m.ops[c.first_op + i].name] == op) return c.first_op + i;
    }
  }
  ADD_FAILURE() << "no op " << connector << "." << op;
  return 0;
}

}  // namespace rflow::runtime::testing
