// The disassembler: a readable, deterministic listing of a module, what `rflow disasm`
// prints. A header line (format version, short hash, table sizes), then each table
// (files, types, records, enums, roles, constants, connectors with their ops,
// workflows, policies, triggers, tests), then every function: its signature, kind,
// file, max_stack and locals, and its code one instruction per line (offset, name,
// operands shown by what they mean: `Const #3 (money 1000.00 USD)`, `Call retail.x.f`,
// `Jump -> 0042`), with `; line 47` wherever the source line changes.
//
// Meant for verified modules, but safe on any Module: what is out of range shows as
// "#n?" and code that does not decode ends its function's listing with a note. Names
// and strings are clipped (names.h), so the listing is at most a small multiple of the
// module's size.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "bytecode/module.h"

namespace rflow::bytecode {

struct DisasmOptions {
  // Off for snapshot tests: the hash changes whenever anything in the module does.
  bool show_hash = true;
  // Off: only the functions (the compiler's code snapshots), without the header and
  // the tables.
  bool tables = true;

  // When the sources are at hand (`rflow disasm PATH`), the text of line `line` of
  // Module::files[file], shown after `; line N`; empty when unknown.
  std::function<std::string_view(uint32_t file, uint32_t line)> source_line;
};

std::string disassemble(const Module& module, DisasmOptions options = {});

}  // namespace rflow::bytecode
