// The writer and the loader: round trips, determinism, the content hash, and what the
// loader says about files that are not well-formed modules (truncated, corrupted byte
// by byte, hand-made bad encodings, limits).
#include <gtest/gtest.h>

#include "bytecode/disasm.h"
#include "bytecode/hash.h"
#include "bytecode/operands.h"
#include "bytecode/read.h"
#include "bytecode/write.h"
#include "bytecode_sample.h"

namespace rflow::bytecode {
namespace {

using testing::oneFunctionModule;
using testing::sampleModule;

std::vector<uint8_t> write(Module m) {
  return writeModule(m);
}

// ---- hand-made encodings -------------------------------------------------------------

void putVarint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

std::vector<uint8_t> bytes(std::initializer_list<uint64_t> varints) {
  std::vector<uint8_t> out;
  for (uint64_t v : varints)
    putVarint(out, v);
  return out;
}

struct RawSection {
  uint64_t kind;
  std::vector<uint8_t> payload;
};

// A module file made of `sections` as given (count, kind, length, payload), with a
// correct header and hash, so that only what the test breaks is broken.
std::vector<uint8_t> rawModule(const std::vector<RawSection>& sections,
                               std::vector<uint8_t> trailer = {}) {
  std::vector<uint8_t> body;
  putVarint(body, sections.size());
  for (const RawSection& s : sections) {
    putVarint(body, s.kind);
    putVarint(body, s.payload.size());
    body.insert(body.end(), s.payload.begin(), s.payload.end());
  }
  body.insert(body.end(), trailer.begin(), trailer.end());
  std::vector<uint8_t> out(kMagic.begin(), kMagic.end());
  out.insert(out.end(), {1, 0, 0, 0});
  const Sha256 hash = sha256(body);
  out.insert(out.end(), hash.begin(), hash.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Sets bytes [12, 44) to the hash of everything after them.
void rehash(std::vector<uint8_t>& file) {
  const Sha256 hash = sha256(std::span(file).subspan(kHeaderBytes));
  std::copy(hash.begin(), hash.end(), file.begin() + 12);
}

std::string loadError(std::span<const uint8_t> file, bool check_hash = true) {
  const LoadResult r = loadModule(file, {.check_hash = check_hash});
  if (r.ok()) return "(loaded)";
  return r.error().message;
}

// ---- round trips -----------------------------------------------------------------------

TEST(BytecodeLoad, RoundTripGivesTheSameModuleAndBytes) {
  for (Module m : {sampleModule(), oneFunctionModule(), Module{}}) {
    const std::vector<uint8_t> first = writeModule(m);
    LoadResult loaded = loadModule(first);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded.module(), m);
    Module again = std::move(loaded).module();
    EXPECT_EQ(writeModule(again), first);
    EXPECT_EQ(again.content_hash, m.content_hash);
  }
}

TEST(BytecodeLoad, WriterIsDeterministic) {
  EXPECT_EQ(write(sampleModule()), write(sampleModule()));
  Module a = sampleModule();
  Module b = sampleModule();
  b.constants[1].value = int64_t{43};
  EXPECT_NE(writeModule(a), writeModule(b));
  EXPECT_NE(a.content_hash, b.content_hash);
}

TEST(BytecodeLoad, ContentHashCoversEverythingAfterIt) {
  Module m = sampleModule();
  const std::vector<uint8_t> file = writeModule(m);
  const Sha256 expected = sha256(std::span(file).subspan(kHeaderBytes));
  EXPECT_EQ(m.content_hash, expected);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), file.begin() + 12));
  EXPECT_EQ(hashHex(m.content_hash).size(), 64u);
}

TEST(BytecodeLoad, HeaderLayout) {
  const std::vector<uint8_t> file = write(Module{});
  ASSERT_GE(file.size(), kHeaderBytes);
  EXPECT_TRUE(std::equal(kMagic.begin(), kMagic.end(), file.begin()));
  EXPECT_EQ(file[8], kFormatVersion);
  EXPECT_EQ(file[9], 0);
  EXPECT_EQ(file[10], 0);
  EXPECT_EQ(file[11], 0);
  EXPECT_EQ(file[kHeaderBytes], 18);  // every section, even empty
}

// ---- truncation and corruption -------------------------------------------------------

TEST(BytecodeLoad, EveryTruncationFailsCleanly) {
  const std::vector<uint8_t> file = write(sampleModule());
  for (size_t n = 0; n < file.size(); ++n) {
    const std::span<const uint8_t> cut = std::span(file).first(n);
    EXPECT_FALSE(loadModule(cut).ok()) << n;
    const LoadResult unchecked = loadModule(cut, {.check_hash = false});
    ASSERT_FALSE(unchecked.ok()) << n;
    EXPECT_LE(unchecked.error().offset, n);
  }
}

TEST(BytecodeLoad, EveryFlippedByteIsRefused) {
  for (const Module& m : {sampleModule(), oneFunctionModule()}) {
    const std::vector<uint8_t> file = write(m);
    for (size_t i = 0; i < file.size(); ++i) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xFF}}) {
        std::vector<uint8_t> bad = file;
        bad[i] ^= mask;
        EXPECT_FALSE(loadModule(bad).ok()) << "byte " << i << " ^ " << int{mask};
        // Without the hash some flips give another valid module (a different constant);
        // none may crash, and a module that loads must also disassemble.
        const LoadResult unchecked = loadModule(bad, {.check_hash = false});
        if (unchecked.ok()) (void)disassemble(unchecked.module());
      }
    }
  }
}

TEST(BytecodeLoad, ChangingTheHashFieldIsRefused) {
  std::vector<uint8_t> file = write(oneFunctionModule());
  file[20] ^= 0x80;
  EXPECT_EQ(loadError(file),
            "the module is corrupt: its content hash does not match (it was "
            "changed or cut short after it was built)");
  EXPECT_EQ(loadModule(file).error().offset, 12u);
  EXPECT_TRUE(loadModule(file, {.check_hash = false}).ok());
}

// ---- the header ----------------------------------------------------------------------

TEST(BytecodeLoad, HeaderMessages) {
  const std::vector<uint8_t> good = write(oneFunctionModule());
  EXPECT_EQ(loadError({}), "the file is empty, not an rflow module");
  const std::string text = "module retail.x\n";
  EXPECT_EQ(loadError(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())),
            "the file is not an rflow module (wrong magic bytes)");
  EXPECT_EQ(loadError(std::span(good).first(3)),
            "the module is truncated: it ends inside its header (3 of 44 bytes)");
  EXPECT_EQ(loadError(std::span(good).first(20)),
            "the module is truncated: it ends inside its header (20 of 44 bytes)");

  std::vector<uint8_t> newer = good;
  newer[8] = 7;
  EXPECT_EQ(loadError(newer),
            "the module was built by a newer rflow (format version 7; this rflow reads 1 to 6)");
  EXPECT_EQ(loadModule(newer).error().offset, 8u);
  std::vector<uint8_t> older = good;
  older[8] = 0;
  EXPECT_EQ(loadError(older),
            "the module was built by an older rflow (format version 0; this rflow reads 1 to 6)");
  std::vector<uint8_t> flagged = good;
  flagged[10] = 1;
  EXPECT_EQ(loadError(flagged),
            "the module uses features this rflow does not know (header flags 0x0001)");
}

TEST(BytecodeLoad, SlaCalendarIsPartOfFormatFourOnly) {
  // The sample's workflow counts its sla in a calendar (present bit 16). Written as
  // format 4 it loads; the same bytes claiming format 3 cannot hold that bit.
  std::vector<uint8_t> bytes = write(testing::sampleModule());
  ASSERT_EQ(loadError(bytes), "(loaded)");
  bytes[8] = 3;
  EXPECT_NE(loadError(bytes).find("present parts 0x1f has unknown bits"), std::string::npos)
      << loadError(bytes);
}

TEST(BytecodeLoad, WaitCalendarIsPartOfFormatSixOnly) {
  // The sample's approval place has a calendar: format 6 writes a presence byte after each
  // place's live variables, which a module claiming format 5 does not have room for.
  const Module sample = testing::sampleModule();
  std::vector<uint8_t> bytes = write(sample);
  const LoadResult six = loadModule(bytes);
  ASSERT_TRUE(six.ok()) << six.error().message;
  ASSERT_TRUE(six.module().waits[1].calendar);
  EXPECT_EQ(six.module().strings[*six.module().waits[1].calendar],
            sample.strings[*sample.waits[1].calendar]);
  bytes[8] = 5;
  EXPECT_FALSE(loadModule(bytes).ok());
  // A presence byte other than 0 or 1 is refused with where it is.
  Module no_calendars = sample;
  for (WaitPlace& p : no_calendars.waits)
    p.calendar.reset();
  std::vector<uint8_t> plain = write(no_calendars);
  ASSERT_EQ(loadError(plain), "(loaded)");
  // The last byte of the waits section (the last section) is the last place's presence byte.
  ASSERT_EQ(plain.back(), 0);
  plain.back() = 2;
  rehash(plain);
  EXPECT_NE(loadError(plain).find("present 2 is neither 0 nor 1"), std::string::npos)
      << loadError(plain);
}

// ---- sections --------------------------------------------------------------------------

TEST(BytecodeLoad, MissingSectionsAreEmpty) {
  const LoadResult r = loadModule(rawModule({}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.module().strings.size(), 0u);
  const LoadResult strings_only = loadModule(rawModule({{1, bytes({2, 1, 'a', 1, 'b'})}}));
  ASSERT_TRUE(strings_only.ok()) << strings_only.error().message;
  EXPECT_EQ(strings_only.module().strings, (std::vector<std::string>{"a", "b"}));
}

TEST(BytecodeLoad, SectionOrderAndKinds) {
  EXPECT_EQ(loadError(rawModule({{1, bytes({0})}, {1, bytes({0})}})),
            "section `strings` appears twice");
  EXPECT_EQ(loadError(rawModule({{2, bytes({0})}, {1, bytes({0})}})),
            "section `strings` comes after section `types`: sections must be in order");
  EXPECT_EQ(loadError(rawModule({{19, bytes({0})}})),
            "section kind 19 is not known to this rflow (the module needs a newer rflow)");
  // Wait places came with format 5: a module that claims an older format cannot hold them.
  EXPECT_EQ(loadError(rawModule({{18, bytes({0})}})),
            "section `waits` is not part of format version 1");
  EXPECT_EQ(loadError(rawModule({{0, bytes({0})}})),
            "section kind 0 is not known to this rflow (the module needs a newer rflow)");
  // Optional sections (kind >= 1000) are skipped, whatever they hold.
  const LoadResult optional =
      loadModule(rawModule({{1, bytes({1, 1, 'x'})}, {1000, {0xFF, 0xFF, 0xFF}}, {1001, {}}}));
  ASSERT_TRUE(optional.ok()) << optional.error().message;
  EXPECT_EQ(optional.module().strings, std::vector<std::string>{"x"});
}

TEST(BytecodeLoad, SectionLengthsAreExact) {
  EXPECT_EQ(loadError(rawModule({{1, bytes({1, 1, 'a', 7})}})),
            "section `strings`: 1 byte after its last entry");
  EXPECT_EQ(loadError(rawModule({{1, bytes({2, 1, 'a'})}})),
            "section `strings` entry 1: string runs past the end of the section");
  EXPECT_EQ(loadError(rawModule({}, {9, 9})), "2 bytes after the last section");
  // A length that runs past the end of the file.
  std::vector<uint8_t> file = rawModule({{1, bytes({1, 1, 'a'})}});
  file[kHeaderBytes + 2] = 50;
  rehash(file);
  EXPECT_EQ(loadError(file),
            "section `strings` runs past the end of the file (50 bytes long, 3 left)");
  // The section count promises more sections than there are.
  std::vector<uint8_t> more = rawModule({{1, bytes({0})}});
  more[kHeaderBytes] = 3;
  rehash(more);
  EXPECT_EQ(loadError(more), "a section kind runs past the end of the file");
}

TEST(BytecodeLoad, Varints) {
  // 0x80 0x00 is zero with a redundant byte.
  EXPECT_EQ(loadError(rawModule({{1, {0x80, 0x00}}})),
            "section `strings`: entry count is a number written with redundant bytes");
  // Eleven bytes.
  std::vector<uint8_t> eleven(10, 0x80);
  eleven.push_back(0x01);
  EXPECT_EQ(loadError(rawModule({{1, eleven}})),
            "section `strings`: entry count is too large for a 64-bit number");
  std::vector<uint8_t> huge(9, 0xFF);
  huge.push_back(0x01);  // 2^64 - 1: a valid varint, far more than 32 bits
  EXPECT_EQ(loadError(rawModule({{1, huge}})),
            "section `strings`: entry count is 18446744073709551615, more than 32 bits can hold");
  std::vector<uint8_t> over(9, 0xFF);
  over.push_back(0x02);
  EXPECT_EQ(loadError(rawModule({{1, over}})),
            "section `strings`: entry count is too large for a 64-bit number");
}

TEST(BytecodeLoad, CountsAreCheckedBeforeAnythingIsReserved) {
  // Four billion strings in five bytes: refused before a vector is sized.
  EXPECT_EQ(loadError(rawModule({{1, bytes({4'000'000'000})}})),
            "section `strings`: entry count is 4000000000, more than the 0 bytes left in the "
            "section can hold");
  EXPECT_EQ(loadError(rawModule({{7, bytes({1, 0, 0, 1'000'000, 0, 0, 0, 0, 0, 0})}})),
            "section `functions` entry 0: parameter count is 1000000, more than the 6 bytes left "
            "in the section can hold");
  // A function whose code is longer than what is left.
  EXPECT_EQ(loadError(rawModule({{7, bytes({1, 0, 0, 0, 0, 0, 0, 500, 1, 2})}})),
            "section `functions` entry 0: code runs past the end of the section");
}

TEST(BytecodeLoad, UnknownEnumValuesAndFlags) {
  EXPECT_EQ(loadError(rawModule({{2, bytes({1, 42})}})),
            "section `types` entry 0: type tag 42 is not known to this rflow");
  EXPECT_EQ(loadError(rawModule({{6, bytes({1, 0, 9})}})),
            "section `constants` entry 0: constant kind 9 is not known to this rflow");
  EXPECT_EQ(loadError(rawModule({{6, bytes({1, 0, 1, 2})}})),
            "section `constants` entry 0: bool value must be 0 or 1, not 2");
  EXPECT_EQ(loadError(rawModule({{3, bytes({1, 0, 0, 1, 0, 0, 5})}})),
            "section `records` entry 0: field default marker must be 0 or 1, not 5");
  EXPECT_EQ(loadError(rawModule({{8, bytes({1, 0, 0, 0, 0, 0x10})}})),
            "section `workflows` entry 0: present parts 0x10 has unknown bits");
}

TEST(BytecodeLoad, VerifierErrorsPointAtTheInstruction) {
  Module m = oneFunctionModule();
  m.functions[0].code = {
      static_cast<uint8_t>(Opcode::kConstInt), 1, 0, 0, 0, static_cast<uint8_t>(Opcode::kAddInt),
      static_cast<uint8_t>(Opcode::kReturn)};
  m.functions[0].max_stack = 2;
  const std::vector<uint8_t> file = writeModule(m);
  const LoadResult r = loadModule(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "section `functions` entry 0 (`test.f`): at 0005 AddInt: needs 2 values on the "
            "stack, but there are 1");
  ASSERT_LT(r.error().offset, file.size());
  EXPECT_EQ(file[r.error().offset], static_cast<uint8_t>(Opcode::kAddInt));
}

// ---- limits ----------------------------------------------------------------------------

TEST(BytecodeLoad, DeepTypesAreRefusedWithoutRecursion) {
  Module m;
  m.types.push_back(Type{TypeTag::kInt});
  for (uint32_t i = 0; i < 100'000; ++i)
    m.types.push_back(Type{TypeTag::kList, i});
  const std::vector<uint8_t> file = writeModule(m);
  const LoadResult r = loadModule(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "section `types` entry 512: the type nests more than 512 types deep");

  Module ok;
  ok.types.push_back(Type{TypeTag::kInt});
  for (uint32_t i = 0; i + 1 < kMaxTypeDepth; ++i)
    ok.types.push_back(Type{TypeTag::kList, i});
  EXPECT_TRUE(loadModule(writeModule(ok)).ok());
}

TEST(BytecodeLoad, CyclicTypesAreRefused) {
  Module m;
  m.types = {Type{TypeTag::kInt}, Type{TypeTag::kList, 1}};  // list<list<list<…>>>
  EXPECT_EQ(loadError(write(m)),
            "section `types` entry 1: the type contains itself (types may refer to themselves "
            "only through records)");
}

TEST(BytecodeLoad, DeepConstantsAreRefused) {
  // record R { next: R? }: constant i is R { next: constant i - 1 }, nesting i deep.
  Module m;
  m.strings = {"R", "next"};
  m.types = {Type{TypeTag::kRecord, 0, 0}, Type{TypeTag::kOptional, 0}};
  m.records = {Record{0, RecordKind::kRecord, {Field{1, 1, std::nullopt}}}};
  m.constants.push_back(Constant{1, std::monostate{}});
  for (uint32_t i = 1; i <= kMaxConstantDepth + 1; ++i) {
    Constant& c = m.constants.emplace_back();
    c.type = 1;
    c.value = AggregateConstant{{i - 1}};
  }
  EXPECT_EQ(loadError(write(m)),
            "section `constants` entry 513: the constant nests more than 512 deep");
  m.constants.pop_back();
  EXPECT_EQ(loadError(write(m)), "(loaded)");
}

TEST(BytecodeLoad, LongCodeLoadsInLinearTime) {
  Module m = oneFunctionModule();
  std::vector<uint8_t>& code = m.functions[0].code;
  code.clear();
  // 200,000 alternating pushes and pops, each Jump to the next instruction.
  for (int i = 0; i < 200'000; ++i) {
    code.insert(code.end(), {static_cast<uint8_t>(Opcode::kConstTrue),
                             static_cast<uint8_t>(Opcode::kJumpIfFalse), 0, 0, 0, 0});
  }
  code.insert(code.end(), {static_cast<uint8_t>(Opcode::kConstInt), 0, 0, 0, 0,
                           static_cast<uint8_t>(Opcode::kReturn)});
  const LoadResult r = loadModule(writeModule(m));
  EXPECT_TRUE(r.ok()) << r.error().message;
}

}  // namespace
}  // namespace rflow::bytecode
