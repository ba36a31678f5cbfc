// Fuzz target for the whole compiler: any bytes, as one source file, must give
// diagnostics (or a module that verifies), never a crash, a hang or a leak. When the
// input checks cleanly it is also compiled, so the code generator is fuzzed too, and a
// module it produces must pass the verifier (E0501 would mean a generator bug).
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// parse_fuzz_test (mutation_driver.cpp) in every build.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "driver/build.h"
#include "syntax/dump.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Larger inputs only make each run slower, not the search better.
  if (size > 256 * 1024) return 0;
  rflow::source::SourceSet sources;
  sources.add("fuzz.rflow", std::string(reinterpret_cast<const char*>(data), size));
  const rflow::compiler::BuildResult result = rflow::compiler::buildSources(sources);
  for (const auto& file : result.check.files)
    (void)rflow::syntax::dumpFile(file);
  for (const auto& d : result.check.diagnostics) {
    if (d.code() == "E0501") std::abort();  // the generator produced a broken module
  }
  return 0;
}
