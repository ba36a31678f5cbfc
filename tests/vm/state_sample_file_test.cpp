// Format compatibility of suspended instances: real encoded states live in
// tests/vm/v<N>/ (state.rfst, with the module it runs on, state_module.bin) and are
// decoded and run to their end here forever. A file is written once per state format
// version and never edited afterwards: when the version goes up, the old files stay and
// must keep decoding (while kMinStateFormatVersion allows), and a new v<N>/ joins them.
//
// RFLOW_UPDATE_SAMPLES=1 ./build/tests/vm_tests --gtest_filter='VmStateSampleFile.*'
// (re)writes the current version's files from testing::stateSample().
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "bytecode/read.h"
#include "bytecode/write.h"
#include "state_sample.h"
#include "vm/state_codec.h"

namespace rflow::vm::testing {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExpectedResult =
    "fail: no stock at S1 (37.50 USD, 0.075, [5, 2, 3], {a: 5, b: 2})";

fs::path sampleDir(uint16_t version) {
  return fs::path(RFLOW_VM_SAMPLES) / ("v" + std::to_string(version));
}

std::vector<uint8_t> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const fs::path& path, const std::vector<uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

TEST(VmStateSampleFile, EveryReadableVersionDecodesAndFinishes) {
  size_t found = 0;
  // Each state version's sample, and beside it (module_format_N/) the same state written
  // when modules had format N: a module read from its file keeps the hash its states
  // name, whichever format it has.
  std::vector<fs::path> dirs;
  for (uint32_t v = kMinStateFormatVersion; v <= kMaxStateFormatVersion; ++v) {
    const fs::path dir = sampleDir(static_cast<uint16_t>(v));
    dirs.push_back(dir);
    if (fs::exists(dir))
      for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_directory()) dirs.push_back(entry.path());
  }
  for (const fs::path& dir : dirs) {
    if (!fs::exists(dir / "state.rfst")) continue;
    ++found;
    const bytecode::LoadResult module = bytecode::loadModule(readFile(dir / "state_module.bin"));
    ASSERT_TRUE(module.ok()) << module.error().message;
    auto loaded = Program::load(module.module());
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Program>>(loaded));
    const auto program = std::get<std::shared_ptr<const Program>>(loaded);
    const std::vector<uint8_t> bytes = readFile(dir / "state.rfst");
    ASSERT_EQ(stateModuleHash(bytes), std::optional(program->module().content_hash));
    auto decoded = decodeState(program, bytes);
    ASSERT_TRUE(std::holds_alternative<Instance>(decoded))
        << std::get<StateError>(decoded).message << " at " << std::get<StateError>(decoded).offset;
    Instance instance = std::get<Instance>(std::move(decoded));
    const std::vector<PendingRequest> pending = instance.pending();
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].branch, 1u);
    EXPECT_EQ(pending[0].line, 30u);
    EXPECT_EQ(std::get<effect::Connector>(pending[0].request).args.at(0).asString(), "S1");
    EXPECT_EQ(pending[1].branch, 2u);
    EXPECT_EQ(pending[1].line, 15u);
    EXPECT_EQ(std::get<effect::Approval>(pending[1].request).request.recordFields()[0].asString(),
              "Reorder S1");
    EXPECT_EQ(finishStateSample(instance), kExpectedResult);
  }
  EXPECT_GE(found, 1u) << "no sample state below " << RFLOW_VM_SAMPLES;
}

TEST(VmStateSampleFile, CurrentVersionIsWhatTheEncoderWrites) {
  StateSample sample = stateSample();
  const std::vector<uint8_t> module_bytes = bytecode::writeModule(sample.module);
  const auto program = stateSampleProgram();
  ASSERT_NE(program, nullptr);
  Instance instance = stateSampleInstance(program);
  auto encoded = encodeState(instance);
  ASSERT_TRUE(std::holds_alternative<std::vector<uint8_t>>(encoded));
  const std::vector<uint8_t>& state = std::get<std::vector<uint8_t>>(encoded);
  const fs::path dir = sampleDir(kStateFormatVersion);
  if (const char* update = std::getenv("RFLOW_UPDATE_SAMPLES"); update && *update == '1') {
    writeFile(dir / "state_module.bin", module_bytes);
    writeFile(dir / "state.rfst", state);
  }
  EXPECT_EQ(readFile(dir / "state_module.bin"), module_bytes)
      << "the sample module changed: if that is deliberate and the state format version is "
      << "unchanged, rewrite the files with RFLOW_UPDATE_SAMPLES=1";
  EXPECT_EQ(readFile(dir / "state.rfst"), state)
      << "encodeState(sample) differs from " << dir / "state.rfst"
      << ": if the change is deliberate and the state format version is unchanged, rewrite it "
      << "with RFLOW_UPDATE_SAMPLES=1; if the format changed, raise kStateFormatVersion";
  EXPECT_EQ(finishStateSample(instance), kExpectedResult);
}

}  // namespace
}  // namespace rflow::vm::testing
