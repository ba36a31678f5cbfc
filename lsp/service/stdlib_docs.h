// The standard library as the language service shows it, all from stdlib/functions.def:
// an overload's signature for hover, and one signature per function for completion and
// signature help, where the overloads' types at each position are joined with `|`.
#pragma once

#include <string>
#include <vector>

#include "stdlib/functions.h"

namespace rflow::lsp::service {

struct StdlibSignature {
  std::string name;
  std::vector<std::string> params;  // "value: string | list<T> | map<T>"
  std::string result;               // "int"

  std::string text() const;  // "fn len(value: string | list<T> | map<T>) -> int"
};

// One overload as written in the table.
StdlibSignature stdlibSignature(const stdlib::Overload& overload);
// Every overload of `function` at once: the first overload's parameter names, and at each
// position the types in table order, each once.
StdlibSignature stdlibSignature(const stdlib::Function& function);

}  // namespace rflow::lsp::service
