// A bounded, deterministic fuzz run of the module loader for the ordinary test suite:
// seeds are the modules the bytecode tests build and the committed samples in
// tests/bytecode/, mutated with a fixed random seed for a fixed number of runs (byte
// level, and inside one function's code so that the verifier sees well-formed files),
// plus hand-made pathological inputs (huge counts, deep types, long code). A crash, hang
// or failed round trip fails the test; an input that ever failed is kept in
// tests/bytecode/fuzz_regressions/ and replayed first.
//
// RFLOW_FUZZ_RUNS overrides the number of mutated runs (default 20000, well under a
// second).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "bytecode/write.h"
#include "bytecode_sample.h"
#include "fuzz_files.h"

namespace {

namespace fs = std::filesystem;
using namespace rflow::bytecode;

using rflow::fuzz::Bytes;
using rflow::fuzz::readAll;
using rflow::fuzz::readFile;
using rflow::fuzz::run;

Bytes write(Module m) {
  return writeModule(m);
}

void putVarint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

// A header (hash left zero: the target does not check it) and a raw body.
Bytes withHeader(const Bytes& body) {
  Bytes out(kMagic.begin(), kMagic.end());
  out.insert(out.end(), {1, 0, 0, 0});
  out.resize(kHeaderBytes, 0);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Values that sit on the edges of varints, counts and operands.
constexpr uint64_t kInteresting[] = {0,          1,          2,          0x7F,        0x80,
                                     0xFF,       0x3FFF,     0x4000,     0xFFFF,      0x10000,
                                     0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, ~0ull};

Bytes mutate(Bytes bytes, std::mt19937& rng) {
  const auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  const size_t count = 1 + pick(4);
  for (size_t i = 0; i < count; ++i) {
    // Most of a module is its header and the early sections; mutate past the header
    // more often, since bytes in it only ever give a header error.
    const size_t at = bytes.size() > kHeaderBytes && pick(8) != 0
                          ? kHeaderBytes + pick(bytes.size() - kHeaderBytes + 1)
                          : pick(bytes.size() + 1);
    switch (pick(8)) {
      case 0:  // flip a bit
        if (at < bytes.size()) bytes[at] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 1:  // a random byte
        if (at < bytes.size()) bytes[at] = static_cast<uint8_t>(pick(256));
        break;
      case 2: {  // an interesting varint over the bytes there
        Bytes v;
        putVarint(v, kInteresting[pick(std::size(kInteresting))]);
        for (size_t k = 0; k < v.size() && at + k < bytes.size(); ++k)
          bytes[at + k] = v[k];
        break;
      }
      case 3: {  // an interesting varint inserted
        Bytes v;
        putVarint(v, kInteresting[pick(std::size(kInteresting))]);
        bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(at), v.begin(), v.end());
        break;
      }
      case 4:  // delete a range
        bytes.erase(bytes.begin() + static_cast<ptrdiff_t>(at),
                    bytes.begin() + static_cast<ptrdiff_t>(std::min(bytes.size(), at + pick(16))));
        break;
      case 5: {  // duplicate a range
        const size_t end = std::min(bytes.size(), at + pick(64));
        const Bytes piece(bytes.begin() + static_cast<ptrdiff_t>(at),
                          bytes.begin() + static_cast<ptrdiff_t>(end));
        const size_t to = pick(bytes.size() + 1);
        bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(to), piece.begin(), piece.end());
        break;
      }
      case 6:  // truncate
        bytes.resize(at);
        break;
      default:  // an opcode byte
        if (at < bytes.size()) bytes[at] = static_cast<uint8_t>(pick(0xD0));
    }
  }
  return bytes;
}

// Mutates one function's code of a well-formed module and writes it again, so that the
// file decodes and the verifier's code checks are what meets the mutation.
Bytes mutateCode(Module m, std::mt19937& rng) {
  if (m.functions.empty()) return write(std::move(m));
  const auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  Function& f = m.functions[pick(m.functions.size())];
  const size_t count = 1 + pick(3);
  for (size_t i = 0; i < count && !f.code.empty(); ++i) {
    const size_t at = pick(f.code.size());
    switch (pick(4)) {
      case 0:
        f.code[at] = static_cast<uint8_t>(pick(256));
        break;
      case 1:
        f.code[at] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 2:
        f.code.erase(f.code.begin() + static_cast<ptrdiff_t>(at));
        break;
      default:
        f.max_stack = static_cast<uint32_t>(pick(6));
    }
  }
  return write(std::move(m));
}

TEST(ModuleFuzz, RegressionInputs) {
  for (const Bytes& input : readAll(fs::path(RFLOW_BYTECODE_SAMPLES) / "fuzz_regressions"))
    run(input);
}

TEST(ModuleFuzz, PathologicalInputs) {
  // Counts far beyond the bytes that follow, in every section.
  for (uint64_t kind = 1; kind <= 14; ++kind) {
    for (uint64_t n : {uint64_t{0xFFFFFFFF}, uint64_t{1} << 40, ~uint64_t{0}}) {
      Bytes body;
      putVarint(body, 1);
      putVarint(body, kind);
      Bytes payload;
      putVarint(payload, n);
      payload.resize(payload.size() + 8, 0);
      putVarint(body, payload.size());
      body.insert(body.end(), payload.begin(), payload.end());
      run(withHeader(body));
    }
  }
  // A section count of 2^64 - 1, and a million empty optional sections.
  Bytes many;
  putVarint(many, ~uint64_t{0});
  run(withHeader(many));
  Bytes optional;
  putVarint(optional, 1'000'000);
  for (uint64_t k = 0; k < 1'000'000; ++k) {
    putVarint(optional, 1000 + k);
    optional.push_back(0);
  }
  run(withHeader(optional));
  // Varints of every length up to 12 bytes of 0xFF.
  for (size_t n = 1; n <= 12; ++n)
    run(withHeader(Bytes(n, 0xFF)));
  // 200,000 nested list types and a constant chain as long.
  Module deep;
  deep.types.push_back(Type{TypeTag::kInt});
  for (uint32_t i = 0; i < 200'000; ++i)
    deep.types.push_back(Type{TypeTag::kList, i});
  run(write(deep));
  // A type cycle through 100,000 optionals.
  Module cycle;
  for (uint32_t i = 0; i < 100'000; ++i)
    cycle.types.push_back(Type{TypeTag::kOptional, (i + 1) % 100'000});
  run(write(cycle));
  // One function of a million Nops, and one of 300,000 jumps to the next instruction.
  Module nops = rflow::bytecode::testing::oneFunctionModule();
  nops.functions[0].code.assign(1'000'000, 0x00);
  nops.functions[0].code.push_back(0x06);
  nops.functions[0].code.push_back(0x17);
  run(write(nops));
  Module jumps = rflow::bytecode::testing::oneFunctionModule();
  jumps.functions[0].code.clear();
  for (int i = 0; i < 300'000; ++i)
    jumps.functions[0].code.insert(jumps.functions[0].code.end(), {0x10, 0, 0, 0, 0});
  jumps.functions[0].code.insert(jumps.functions[0].code.end(), {0x06, 0x17});
  run(write(jumps));
  // A long string shown by thousands of constants, and a huge max_stack.
  Module text = rflow::bytecode::testing::oneFunctionModule();
  text.strings.push_back(std::string(1 << 20, 'x'));
  for (int i = 0; i < 20'000; ++i)
    text.constants.push_back(Constant{3, StringId{3}});
  run(write(text));
  Module stack = rflow::bytecode::testing::oneFunctionModule();
  stack.functions[0].max_stack = 0xFFFFFFFF;
  run(write(stack));
}

TEST(ModuleFuzz, MutatedSeeds) {
  const std::vector<Module> modules = {rflow::bytecode::testing::sampleModule(),
                                       rflow::bytecode::testing::oneFunctionModule(), Module{}};
  std::vector<Bytes> seeds;
  for (const Module& m : modules)
    seeds.push_back(write(m));
  for (const Bytes& sample : readAll(fs::path(RFLOW_BYTECODE_SAMPLES) / "v1"))
    seeds.push_back(sample);
  size_t runs = 20000;
  if (const char* env = std::getenv("RFLOW_FUZZ_RUNS")) runs = std::stoul(env);
  std::mt19937 rng(20261127);
  for (size_t i = 0; i < runs; ++i) {
    if (i % 4 == 3) {
      run(mutateCode(modules[i % 2], rng));
    } else {
      run(mutate(seeds[i % seeds.size()], rng));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
