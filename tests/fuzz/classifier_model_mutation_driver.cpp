// A bounded, deterministic fuzz run of the classifier model loader for the ordinary test
// suite: seeds are the committed tiny models in tests/classifier/samples/ (quantized and
// not), mutated with a fixed random seed for a fixed number of runs, at the byte level
// and field-wise (an interesting integer written over a 4- or 8-byte field of the header
// and dictionary, where counts and sizes live), plus hand-made pathological inputs. A
// crash, hang or failed check of the target fails the test; an input that ever failed is
// kept in tests/classifier/fuzz_regressions/ and replayed first.
//
// RFLOW_FUZZ_RUNS overrides the number of mutated runs (default 20000, about a second).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "fuzz_files.h"

namespace {

namespace fs = std::filesystem;
using rflow::fuzz::Bytes;
using rflow::fuzz::readAll;
using rflow::fuzz::readFile;
using rflow::fuzz::run;

// The header, the args block and the dictionary's counts: where a changed integer
// changes what fastText allocates or indexes.
constexpr size_t kFieldsEnd = 92;

constexpr uint64_t kInteresting[] = {
    0,          1,          2,           3,      4,         7,          8,
    255,        256,        0x7FFF,      0x8000, 0xFFFF,    0x10000,    0x7FFFFFFF,
    0x80000000, 0xFFFFFFFF, 0x100000000, ~0ull,  ~0ull - 1, 1ull << 40, 1ull << 62};

Bytes mutate(Bytes bytes, std::mt19937& rng) {
  const auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  const size_t count = 1 + pick(3);
  for (size_t i = 0; i < count; ++i) {
    // Half the mutations land in the header and dictionary, where most checks are.
    const size_t limit = pick(2) == 0 ? std::min(bytes.size(), size_t{1024}) : bytes.size();
    const size_t at = pick(limit + 1);
    switch (pick(7)) {
      case 0:  // flip a bit
        if (at < bytes.size()) bytes[at] ^= static_cast<uint8_t>(1u << pick(8));
        break;
      case 1:  // a random byte
        if (at < bytes.size()) bytes[at] = static_cast<uint8_t>(pick(256));
        break;
      case 2: {  // an interesting integer over a 4- or 8-byte field
        const size_t width = pick(2) == 0 ? 4 : 8;
        const size_t field = (pick(kFieldsEnd / 4)) * 4;
        const uint64_t v = kInteresting[pick(std::size(kInteresting))];
        for (size_t k = 0; k < width && field + k < bytes.size(); ++k)
          bytes[field + k] = static_cast<uint8_t>(v >> (8 * k));
        break;
      }
      case 3:  // delete a range
        bytes.erase(bytes.begin() + static_cast<ptrdiff_t>(at),
                    bytes.begin() + static_cast<ptrdiff_t>(std::min(bytes.size(), at + pick(16))));
        break;
      case 4: {  // duplicate a range
        const size_t end = std::min(bytes.size(), at + pick(64));
        const Bytes piece(bytes.begin() + static_cast<ptrdiff_t>(at),
                          bytes.begin() + static_cast<ptrdiff_t>(end));
        const size_t to = pick(bytes.size() + 1);
        bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(to), piece.begin(), piece.end());
        break;
      }
      case 5:  // truncate
        bytes.resize(at);
        break;
      default:  // a NUL removed or added: dictionary words end with one
        if (at < bytes.size()) bytes[at] = bytes[at] == 0 ? 'x' : 0;
    }
  }
  return bytes;
}

template <typename T>
void put(Bytes& bytes, size_t at, T value) {
  if (at + sizeof(T) <= bytes.size()) std::memcpy(bytes.data() + at, &value, sizeof(T));
}

TEST(ClassifierModelFuzz, RegressionInputs) {
  for (const Bytes& input : readAll(RFLOW_CLASSIFIER_REGRESSIONS))
    run(input);
}

TEST(ClassifierModelFuzz, PathologicalInputs) {
  const std::vector<Bytes> seeds = readAll(RFLOW_CLASSIFIER_SAMPLES);
  ASSERT_GE(seeds.size(), 2u);
  // Nothing, a lone header, the header of another format.
  run({});
  Bytes header(8, 0);
  put<int32_t>(header, 0, 793712314);
  put<int32_t>(header, 4, 12);
  run(header);
  for (const Bytes& seed : seeds) {
    // Every count and size of the header and dictionary at every edge value.
    for (size_t field = 0; field < kFieldsEnd; field += 4) {
      for (const uint64_t v : kInteresting) {
        Bytes b = seed;
        put<uint32_t>(b, field, static_cast<uint32_t>(v));
        run(b);
        b = seed;
        put<uint64_t>(b, field, v);
        run(b);
      }
    }
    // A dictionary whose words never end: every NUL after the header turned into 'x'.
    Bytes no_nul = seed;
    std::replace(no_nul.begin() + kFieldsEnd, no_nul.end(), uint8_t{0}, uint8_t{'x'});
    run(no_nul);
    // A megabyte of 0xFF after the header.
    Bytes ones(seed.begin(), seed.begin() + kFieldsEnd);
    ones.resize(1 << 20, 0xFF);
    run(ones);
  }
}

TEST(ClassifierModelFuzz, MutatedSeeds) {
  const std::vector<Bytes> seeds = readAll(RFLOW_CLASSIFIER_SAMPLES);
  ASSERT_GE(seeds.size(), 2u);
  size_t runs = 20000;
  if (const char* env = std::getenv("RFLOW_FUZZ_RUNS")) runs = std::stoul(env);
  std::mt19937 rng(20261205);
  for (size_t i = 0; i < runs; ++i)
    run(mutate(seeds[i % seeds.size()], rng));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
