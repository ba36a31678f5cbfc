// A bounded, deterministic fuzz run of the state decoder for the ordinary test suite:
// seeds are the sample instance's states at each of its stops and the committed samples
// in tests/vm/v<N>/, mutated with a fixed random seed for a fixed number of runs (most
// mutations past the header, which only ever gives a header error), plus hand-made
// pathological inputs (huge counts, deep nesting, long varints). A crash, hang or failed
// round trip fails the test; an input that ever failed is kept in
// tests/vm/fuzz_regressions/ and replayed first.
//
// RFLOW_FUZZ_RUNS overrides the number of mutated runs (default 20000).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "fuzz_files.h"
#include "state_sample.h"
#include "vm/state_codec.h"

namespace {

namespace fs = std::filesystem;
using namespace rflow::vm;

using rflow::fuzz::Bytes;
using rflow::fuzz::readAll;
using rflow::fuzz::readFile;
using rflow::fuzz::run;

Bytes encode(const Instance& instance) {
  auto encoded = encodeState(instance);
  if (const auto* bytes = std::get_if<Bytes>(&encoded)) return *bytes;
  ADD_FAILURE() << std::get<std::string>(encoded);
  return {};
}

// The sample's states: waiting on three branches, on one (branch 2 answered), and at
// the note after the Join raised.
std::vector<Bytes> sampleStates() {
  const auto program = rflow::vm::testing::stateSampleProgram();
  std::vector<Bytes> out;
  Instance instance = rflow::vm::testing::stateSampleInstance(program);
  out.push_back(encode(instance));
  const uint32_t approval = *program->recordIndex("rflow.Approval");
  EXPECT_EQ(
      instance.resume({{2, Value::record(approval, {Value::boolean(false), Value::enumMember(0, 1),
                                                    Value::string("bob"), Value::string(""),
                                                    Value::integer(0), Value::list({})})}}),
      std::nullopt);
  (void)instance.run();
  out.push_back(encode(instance));
  EXPECT_EQ(instance.resume({{1, Value::integer(3)}}), std::nullopt);
  (void)instance.run();
  out.push_back(encode(instance));
  return out;
}

void putVarint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

// Values on the edges of varints, counts, ids and pcs.
constexpr uint64_t kInteresting[] = {0,      1,       2,          3,          4,
                                     0x7F,   0x80,    0xFF,       0x3FFF,     0x4000,
                                     0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF, ~0ull};

Bytes mutate(Bytes bytes, std::mt19937& rng) {
  const auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  const size_t count = 1 + pick(4);
  for (size_t i = 0; i < count; ++i) {
    const size_t at = bytes.size() > kStateHeaderBytes && pick(16) != 0
                          ? kStateHeaderBytes + pick(bytes.size() - kStateHeaderBytes + 1)
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
                    bytes.begin() + static_cast<ptrdiff_t>(std::min(bytes.size(), at + pick(8))));
        break;
      case 5: {  // duplicate a range (a value, a frame, a branch …) somewhere else
        const size_t end = std::min(bytes.size(), at + pick(48));
        const Bytes piece(bytes.begin() + static_cast<ptrdiff_t>(at),
                          bytes.begin() + static_cast<ptrdiff_t>(end));
        const size_t to = pick(bytes.size() + 1);
        bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(to), piece.begin(), piece.end());
        break;
      }
      case 6:  // truncate
        bytes.resize(at);
        break;
      default:  // a small number (a status, a value code, an index)
        if (at < bytes.size()) bytes[at] = static_cast<uint8_t>(pick(16));
    }
  }
  return bytes;
}

TEST(StateFuzz, RegressionInputs) {
  for (const Bytes& input : readAll(fs::path(RFLOW_VM_SAMPLES) / "fuzz_regressions"))
    run(input);
}

TEST(StateFuzz, PathologicalInputs) {
  const Bytes seed = sampleStates()[0];
  const Bytes header(seed.begin(), seed.begin() + static_cast<ptrdiff_t>(kStateHeaderBytes));
  // Huge numbers at every position after the header.
  for (size_t at = kStateHeaderBytes; at < seed.size(); ++at) {
    for (uint64_t n : {uint64_t{0xFFFFFFFF}, uint64_t{1} << 40, ~uint64_t{0}}) {
      Bytes b(seed.begin(), seed.begin() + static_cast<ptrdiff_t>(at));
      putVarint(b, n);
      b.insert(b.end(), seed.begin() + static_cast<ptrdiff_t>(at), seed.end());
      run(b);
    }
  }
  // A main line waiting in sample.fetch (function 0, at its CallConnector, pc 3) whose
  // parameter is a list nested a million deep.
  Bytes deep = header;
  deep.insert(deep.end(), {1, 1, 1, 0, 0, 1, 1, 0, 3});
  for (int i = 0; i < 1'000'000; ++i)
    deep.insert(deep.end(), {9, 1});
  run(deep);
  const auto program = rflow::vm::testing::stateSampleProgram();
  auto decoded = decodeState(program, deep);
  ASSERT_TRUE(std::holds_alternative<StateError>(decoded));
  EXPECT_EQ(std::get<StateError>(decoded).message, "values nest more than 512 levels deep");
  // Varints of every length up to 12 bytes of 0xFF after the header.
  for (size_t n = 1; n <= 12; ++n) {
    Bytes b = header;
    b.insert(b.end(), n, 0xFF);
    run(b);
  }
  // A state of 10,000 branches that all claim the main line as parent.
  Bytes many = header;
  putVarint(many, 0);
  putVarint(many, 20'000);
  putVarint(many, 10'000);
  for (uint64_t id = 0; id < 10'000; ++id) {
    putVarint(many, id);
    putVarint(many, id == 0 ? 0 : 1);
    many.push_back(id == 0 ? 2 : 3);
    if (id == 0) many.insert(many.end(), {1, 1, 0x40, 0});
  }
  run(many);
}

TEST(StateFuzz, MutatedSeeds) {
  std::vector<Bytes> seeds = sampleStates();
  for (const Bytes& sample : readAll(fs::path(RFLOW_VM_SAMPLES), ".rfst"))
    seeds.push_back(sample);
  size_t runs = 20000;
  if (const char* env = std::getenv("RFLOW_FUZZ_RUNS")) runs = std::stoul(env);
  std::mt19937 rng(20261127);
  const auto program = rflow::vm::testing::stateSampleProgram();
  size_t decoded = 0;
  for (size_t i = 0; i < runs; ++i) {
    const Bytes input = mutate(seeds[i % seeds.size()], rng);
    run(input);
    decoded += std::holds_alternative<Instance>(decodeState(program, input)) ? 1 : 0;
  }
  // The mutations must reach past the decoder's first checks often enough to matter.
  EXPECT_GT(decoded, runs / 50);
  RecordProperty("decoded", static_cast<int>(decoded));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
