// Code generation end to end: the examples build into a module that verifies, survives
// a write/load round trip and refuses every corrupted byte; the size limits of the
// module format are reported as diagnostics.
#include <gtest/gtest.h>

#include <string>

#include "bytecode/disasm.h"
#include "bytecode/read.h"
#include "bytecode/verify.h"
#include "bytecode/write.h"
#include "driver/build.h"

namespace rflow {
namespace {

compiler::BuildResult buildText(const std::string& text) {
  source::SourceSet sources;
  sources.add("t.rflow", text);
  return compiler::buildSources(sources);
}

std::string describe(const compiler::BuildResult& r) {
  std::string out;
  for (const auto& d : r.check.diagnostics)
    out += std::string(d.code()) + " " + d.message + "\n";
  return out;
}

TEST(Codegen, ExamplesBuildVerifyAndRoundTrip) {
  const std::vector<std::string> paths{std::string(RFLOW_SOURCE_DIR) + "/examples"};
  compiler::BuildResult r = compiler::buildPaths(paths);
  ASSERT_TRUE(r.ok()) << describe(r);
  bytecode::Module& module = *r.module;
  EXPECT_FALSE(bytecode::verifyModule(module).has_value());
  EXPECT_EQ(module.workflows.size(), 9u);  // store issues: TriageIssue spawns ResolveIssue
  EXPECT_GE(module.tests.size(), 10u);

  const std::vector<uint8_t> bytes = bytecode::writeModule(module);
  const bytecode::LoadResult loaded = bytecode::loadModule(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.module(), module);
  // Building twice gives the same bytes: the module's hash is its version.
  compiler::BuildResult again = compiler::buildPaths(paths);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(bytecode::writeModule(*again.module), bytes);
}

constexpr const char* kSmall = R"(module small
record Order { id: string, total: money }
role Buyer "Buyer"
connector erp { fn post(o: Order) -> string }
fn double(m: money) -> money = m * 2
workflow Buy(o: Order) -> string {
  owner "ops"
  let ok = approval "Pay {o.id}?" { assign Buyer; amount double(o.total); due 1d; escalate after 4h to Buyer }
  if not ok.approved {
    fail "rejected"
  }
  return erp.post(o) timeout 30s
}
test "buys" {
  mock erp.post(o) => "R-{o.id}"
  let run = start Buy(Order { id: "1", total: 5.00 USD })
  approve run.task by user("ana")
  expect run.result == "R-1"
}
)";

TEST(Codegen, EveryFlippedByteOfABuiltModuleIsRefused) {
  compiler::BuildResult r = buildText(kSmall);
  ASSERT_TRUE(r.ok()) << describe(r);
  const std::vector<uint8_t> bytes = bytecode::writeModule(*r.module);
  ASSERT_LT(bytes.size(), 8000u) << "keep the module small: every byte is tried";
  size_t loaded_without_hash = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0xFF;
    const bytecode::LoadResult checked = bytecode::loadModule(bad);
    EXPECT_FALSE(checked.ok()) << "byte " << i << " flipped was accepted";
    if (!checked.ok()) {
      EXPECT_FALSE(checked.error().message.empty());
    }
    // Without the hash the structure alone must hold: anything that loads is verified
    // and can be listed.
    const bytecode::LoadResult unchecked = bytecode::loadModule(bad, {.check_hash = false});
    if (unchecked.ok()) {
      ++loaded_without_hash;
      EXPECT_FALSE(bytecode::verifyModule(unchecked.module()).has_value());
      EXPECT_FALSE(bytecode::disassemble(unchecked.module()).empty());
    }
  }
  // Most flips break the structure (a string's bytes may legitimately change).
  EXPECT_LT(loaded_without_hash, bytes.size() / 2);
}

TEST(Codegen, EveryTruncationOfABuiltModuleIsRefused) {
  compiler::BuildResult r = buildText(kSmall);
  ASSERT_TRUE(r.ok()) << describe(r);
  const std::vector<uint8_t> bytes = bytecode::writeModule(*r.module);
  for (size_t n = 0; n < bytes.size(); ++n) {
    const bytecode::LoadResult loaded =
        bytecode::loadModule(std::span<const uint8_t>(bytes.data(), n), {.check_hash = false});
    EXPECT_FALSE(loaded.ok()) << "a module cut to " << n << " bytes was accepted";
  }
}

TEST(Codegen, TooManyLocalsIsADiagnosticNotABrokenModule) {
  // E0500: one body needing more local slots than a module can address.
  std::string text = "module big\nfn many() -> int {\n";
  for (uint32_t i = 0; i <= bytecode::kMaxSlots; ++i)
    text += "  let v" + std::to_string(i) + " = 1\n";
  text += "  return 1\n}\n";
  const compiler::BuildResult r = buildText(text);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.check.diagnostics.size(), 1u) << describe(r);
  EXPECT_EQ(r.check.diagnostics[0].code(), "E0500");
  EXPECT_NE(r.check.diagnostics[0].message.find("`big.many` is too large to compile"),
            std::string::npos)
      << r.check.diagnostics[0].message;
}

TEST(Codegen, WarningsDoNotStopABuildUnlessDenied) {
  const std::string text = "module w\nworkflow NoOwner() {\n  note \"hi\"\n}\n";
  EXPECT_TRUE(buildText(text).ok());
  source::SourceSet sources;
  sources.add("t.rflow", text);
  compiler::CheckOptions deny;
  deny.deny_warnings = true;
  const compiler::BuildResult denied = compiler::buildSources(sources, deny);
  EXPECT_FALSE(denied.ok());
  ASSERT_EQ(denied.check.errors, 1u);
  EXPECT_EQ(denied.check.diagnostics[0].code(), "W0001");
}

TEST(Codegen, AWaitPlaceKeepsTheCalendarItsDurationWasDeclaredIn) {
  const compiler::BuildResult r = buildText(R"(module t
role Clerk "Clerk"
signal Go { n: int }
calendar Store {
  zone "Europe/Berlin"
  open mon-fri 08:00-20:00
}
calendar Office {
  open mon-fri 09:00-17:00
}
workflow W(at: time) {
  owner "ops"
  let a = approval "due in a calendar" {
    assign Clerk
    due 4h in Store
    escalate after 2h in Office to Clerk
  }
  let b = approval "only an escalation in one" {
    assign Clerk
    due 4h
    escalate after 1h to Clerk
    escalate after 2h in Office to Clerk
  }
  let c = approval "plain" {
    assign Clerk
    due 4h
  }
  sleep 8h in Store
  sleep until at
  let g = await Go timeout 1d in Office
  let h = await Go timeout 1d
  let later = business_add(now(), 4h, Store) - now()
  sleep later
}
)");
  ASSERT_TRUE(r.ok()) << describe(r);
  const bytecode::Module& m = *r.module;
  std::vector<std::string> calendars;
  for (const bytecode::WaitPlace& p : m.waits)
    calendars.push_back(
        p.calendar ? m.strings[*p.calendar].substr(0, m.strings[*p.calendar].find(';')) : "-");
  // A task's `due` first, else its first escalation in a calendar; `sleep until` and a
  // duration computed with business_add before the wait name none.
  EXPECT_EQ(calendars,
            (std::vector<std::string>{"Store", "Office", "-", "Store", "-", "Office", "-", "-"}));
  // It round-trips through the file.
  bytecode::Module copy = m;
  const bytecode::LoadResult loaded = bytecode::loadModule(bytecode::writeModule(copy));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.module().waits, m.waits);
}

}  // namespace
}  // namespace rflow
