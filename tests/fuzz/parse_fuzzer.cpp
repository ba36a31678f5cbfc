// Fuzz target for the parser and (as it grows) the checker: any bytes, as one source
// file, must give diagnostics, never a crash, a hang or a leak.
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// parse_fuzz_test (mutation_driver.cpp) in every build.
#include <cstddef>
#include <cstdint>
#include <string>

#include "driver/check.h"
#include "syntax/dump.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Larger inputs only make each run slower, not the search better.
  if (size > 256 * 1024) return 0;
  rflow::source::SourceSet sources;
  sources.add("fuzz.rflow", std::string(reinterpret_cast<const char*>(data), size));
  const rflow::compiler::CheckResult result = rflow::compiler::checkSources(std::move(sources));
  for (const auto& file : result.files)
    (void)rflow::syntax::dumpFile(file);
  return 0;
}
