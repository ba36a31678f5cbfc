// Format compatibility: real encoded modules live in tests/bytecode/v<N>/ and are decoded
// here forever. A file is written once per format version and never edited afterwards:
// when the format version goes up, the old files stay and must keep loading (while
// kMinFormatVersion allows), and a new v<N>/sample.rfc joins them.
//
// RFLOW_UPDATE_SAMPLES=1 ./build/tests/bytecode_tests --gtest_filter='BytecodeSampleFile.*'
// (re)writes the current version's sample from testing::sampleModule().
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "bytecode/disasm.h"
#include "bytecode/liveness.h"
#include "bytecode/names.h"
#include "bytecode/read.h"
#include "bytecode/write.h"
#include "bytecode_sample.h"

namespace rflow::bytecode {
namespace {

namespace fs = std::filesystem;

fs::path samplePath(uint16_t version) {
  return fs::path(RFLOW_BYTECODE_SAMPLES) / ("v" + std::to_string(version)) / "sample.rfc";
}

std::vector<uint8_t> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// What every version's sample holds, whatever the encoding.
void checkSampleContent(const Module& m) {
  ASSERT_EQ(m.workflows.size(), 1u);
  const Workflow& w = m.workflows[0];
  EXPECT_EQ(m.strings[w.name], "retail.replenishment.Reorder");
  ASSERT_EQ(w.params.size(), 2u);
  EXPECT_EQ(m.strings[w.params[0].name], "store");
  EXPECT_EQ(typeName(m, w.params[0].type), "retail.common.Store");
  EXPECT_EQ(typeName(m, w.result), "int");
  EXPECT_EQ(functionName(m, w.body), "retail.replenishment.Reorder");
  ASSERT_TRUE(w.key && w.sla && w.breach && w.owner);
  EXPECT_EQ(m.functions[*w.key].kind, FunctionKind::kWorkflowKey);
  EXPECT_EQ(m.strings[*w.owner], "retail.common.StoreManager");

  EXPECT_EQ(opName(m, 0), "retail.systems.wms.availability");
  EXPECT_EQ(opName(m, 1), "retail.systems.wms.reserve");

  ASSERT_GE(m.constants.size(), 25u);
  EXPECT_EQ(typeName(m, m.constants[5].type), "money");
  const auto& money = std::get<MoneyConstant>(m.constants[5].value);
  EXPECT_EQ(money.amount, "1000.00");
  EXPECT_EQ(std::string(money.currency.begin(), money.currency.end()), "USD");
  EXPECT_EQ(std::get<int64_t>(m.constants[3].value), 1'709'283'600'000);
  EXPECT_EQ(std::get<DecimalConstant>(m.constants[24].value).digits, "-12.50");
  EXPECT_EQ(std::get<AggregateConstant>(m.constants[14].value).elements,
            (std::vector<ConstantId>{6, 13, 0}));
  EXPECT_EQ(m.records[0].fields[2].default_value, std::optional<ConstantId>(0));

  ASSERT_EQ(m.policies.size(), 1u);
  EXPECT_EQ(m.policies[0].kind, PolicyKind::kApproval);
  ASSERT_EQ(m.triggers.size(), 1u);
  EXPECT_EQ(m.strings[m.triggers[0].source], "LowStock");
  ASSERT_EQ(m.tests.size(), 1u);
  EXPECT_EQ(m.strings[m.tests[0].title], "reorders when stock is low");
  EXPECT_EQ(m.tests[0].line, 50u);

  // The code of retail.replenishment.reorder_qty, through the listing.
  const std::string listing = disassemble(m);
  EXPECT_NE(listing.find("  #1 fn retail.replenishment.reorder_qty(int, int) -> int\n"
                         "    file retail/replenishment.rflow, max_stack 2, locals ()\n"
                         "    ; line 14\n"
                         "    0000  LoadLocal 0\n"
                         "    0003  LoadLocal 1\n"
                         "    0006  LtInt\n"
                         "    0007  JumpIfFalse -> 0025\n"
                         "    ; line 15\n"
                         "    0012  LoadLocal 1\n"
                         "    0015  LoadLocal 0\n"
                         "    0018  NegInt\n"
                         "    0019  Call retail.replenishment.add\n"
                         "    0024  Return\n"
                         "    ; line 17\n"
                         "    0025  ConstInt 0\n"
                         "    0030  Return\n"),
            std::string::npos)
      << listing;
}

TEST(BytecodeSampleFile, EveryReadableVersionDecodes) {
  size_t found = 0;
  for (uint32_t v = kMinFormatVersion; v <= kMaxFormatVersion; ++v) {
    const fs::path path = samplePath(static_cast<uint16_t>(v));
    if (!fs::exists(path)) continue;
    ++found;
    const std::vector<uint8_t> bytes = readFile(path);
    const LoadResult r = loadModule(bytes);
    ASSERT_TRUE(r.ok()) << path << ": " << r.error().message;
    checkSampleContent(r.module());
    // Figures and stages came with format 3, the sla calendar with 4; older modules load
    // without them.
    const Module& m = r.module();
    if (v < 4) {
      EXPECT_FALSE(m.workflows[0].sla_calendar);
    } else {
      ASSERT_TRUE(m.workflows[0].sla_calendar);
      EXPECT_EQ(m.strings[*m.workflows[0].sla_calendar],
                "StoreHours;Europe/Berlin;1 08:00-20:00,6 09:00-18:00;2026-12-24");
    }
    if (v < 5) {
      EXPECT_TRUE(m.waits.empty());
    } else {
      // Wait places came with format 5: each at its wait instruction, with what the body's
      // liveness says is live after it.
      ASSERT_EQ(m.waits.size(), 3u);
      // A place's calendar came with format 6.
      if (v < 6) {
        for (const WaitPlace& p : m.waits)
          EXPECT_FALSE(p.calendar);
      } else {
        EXPECT_FALSE(m.waits[0].calendar);
        ASSERT_TRUE(m.waits[1].calendar);
        EXPECT_EQ(m.strings[*m.waits[1].calendar],
                  "StoreHours;Europe/Berlin;1 08:00-20:00,6 09:00-18:00;2026-12-24");
        EXPECT_FALSE(m.waits[2].calendar);
      }
      EXPECT_EQ(m.waits[1].kind, WaitPlaceKind::kApproval);
      EXPECT_EQ(m.strings[m.waits[1].stage], "big reorder review");
      EXPECT_EQ(m.waits[1].flags, kWaitInTry);
      EXPECT_EQ(m.strings[m.waits[2].stage], "Delivered");
      const Liveness liveness(m.functions[m.workflows[0].body]);
      for (const WaitPlace& p : m.waits) {
        std::vector<uint32_t> slots;
        for (const LiveLocal& l : p.live)
          slots.push_back(l.slot);
        EXPECT_EQ(slots, liveness.liveAfter(p.pc)) << "place at " << p.pc;
      }
    }
    if (v < 3) {
      EXPECT_TRUE(m.figures.empty());
      EXPECT_TRUE(m.stages.empty());
      continue;
    }
    const WorkflowFigures* figures = figuresOf(m, 0);
    ASSERT_NE(figures, nullptr);
    ASSERT_EQ(figures->tracks.size(), 1u);
    EXPECT_EQ(m.strings[figures->tracks[0].name], "sku");
    EXPECT_EQ(figures->tracks[0].function, m.workflows[0].key);
    ASSERT_EQ(figures->measures.size(), 1u);
    EXPECT_EQ(typeName(m, figures->measures[0].type), "int");
    EXPECT_FALSE(figures->measures[0].function);
    ASSERT_EQ(m.stages.size(), 1u);
    const std::string* stage = stageOf(m, m.stages[0].data_type);
    ASSERT_NE(stage, nullptr);
    EXPECT_EQ(*stage, "big reorder review");
  }
  EXPECT_GE(found, 6u) << "the samples of formats 1 to 6 belong below " << RFLOW_BYTECODE_SAMPLES;
}

TEST(BytecodeSampleFile, CurrentVersionIsWhatTheWriterWrites) {
  Module m = testing::sampleModule();
  const std::vector<uint8_t> written = writeModule(m);
  const fs::path path = samplePath(kFormatVersion);
  if (const char* update = std::getenv("RFLOW_UPDATE_SAMPLES"); update && *update == '1') {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(written.data()),
               static_cast<std::streamsize>(written.size()));
  }
  const std::vector<uint8_t> bytes = readFile(path);
  EXPECT_EQ(bytes, written) << path << " differs from writeModule(sampleModule()): if the change "
                            << "is deliberate and the format version is unchanged, rewrite it "
                            << "with RFLOW_UPDATE_SAMPLES=1";
  const LoadResult r = loadModule(bytes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.module(), m);
}

}  // namespace
}  // namespace rflow::bytecode
