// Code generation: a checked Program in, a bytecode Module out (runtime.md §3).
//
// Runs only on a program without errors (CheckResult::ok()): every expression then has
// a fact (its type, what it refers to, the opcode it needs), so generation never
// re-derives a type and cannot fail on the language. It can still refuse a program that
// is too large for the module format (more than 65,536 locals in one body, code beyond
// 64 MiB); that is reported as a diagnostic and nothing is returned.
//
// The module it returns satisfies every invariant bytecode/verify.h checks; tests run
// the verifier over everything generated.
#pragma once

#include <optional>
#include <vector>

#include "bytecode/module.h"
#include "check/program.h"
#include "diagnostics/diagnostic.h"
#include "source/source_set.h"
#include "syntax/ast.h"

namespace rflow::codegen {

// `files[i]` is the syntax tree of `sources.file(i)`; file 0 is the prelude.
std::optional<bytecode::Module> generate(const check::Program& program,
                                         const source::SourceSet& sources,
                                         const std::vector<syntax::File>& files,
                                         diagnostics::DiagnosticConsumer& consumer);

}  // namespace rflow::codegen
