// Fuzz target for the state decoder: any bytes must give an instance or a StateError,
// never a crash, a hang, a leak or an unbounded allocation. A state that decodes must be
// bit-exact (encoding it again gives the same bytes) and must run on without crashing:
// every waiting branch is answered with an error and the instance runs for a few steps
// under a small instruction budget. States are decoded against the sample program of
// tests/vm/state_sample.h, whose content hash the seeds carry.
//
// Built as a libFuzzer binary with -DRFLOW_FUZZ=ON (clang), and linked into
// state_fuzz_test (state_mutation_driver.cpp) in every build.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "state_sample.h"
#include "vm/state_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rflow::vm;
  // Built once and never changed: every run decodes against the same module.
  static const std::shared_ptr<const Program> program = testing::stateSampleProgram();
  if (program == nullptr) std::abort();
  if (size > 1024 * 1024) return 0;
  Options options;
  options.max_instructions = 100'000;
  auto decoded = decodeState(program, std::span(data, size), options);
  if (!std::holds_alternative<Instance>(decoded)) return 0;
  Instance instance = std::get<Instance>(std::move(decoded));
  const auto again = encodeState(instance);
  const auto* bytes = std::get_if<std::vector<uint8_t>>(&again);
  if (bytes == nullptr || !std::equal(bytes->begin(), bytes->end(), data, data + size) ||
      bytes->size() != size)
    std::abort();
  for (int step = 0; step < 8 && !instance.finished(); ++step) {
    std::vector<Resumption> answers;
    for (const PendingRequest& p : instance.pending())
      answers.push_back({p.branch, HostError{"connector", "fuzz"}});
    if (instance.resume(std::move(answers))) std::abort();
    (void)instance.run();
  }
  return 0;
}
