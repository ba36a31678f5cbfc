// Fuzz target for the module loader, verifier and disassembler: any bytes must give a
// module or a LoadError, never a crash, a hang, a leak or an unbounded allocation. The
// hash check is off so that mutated bytes reach the decoder and the verifier. A module
// that loads must list, and must survive a round trip: written again and reloaded, it
// is the same module (one module, one encoding).
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// module_fuzz_test (module_mutation_driver.cpp) in every build.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "bytecode/disasm.h"
#include "bytecode/read.h"
#include "bytecode/write.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rflow::bytecode;
  // Larger inputs only make each run slower, not the search better.
  if (size > 1024 * 1024) return 0;
  LoadResult loaded = loadModule(std::span(data, size), {.check_hash = false});
  if (!loaded.ok()) return 0;
  (void)disassemble(loaded.module());
  Module module = std::move(loaded).module();
  const std::vector<uint8_t> again = writeModule(module);
  const LoadResult reloaded = loadModule(again);
  if (!reloaded.ok() || !(reloaded.module() == module)) std::abort();
  return 0;
}
