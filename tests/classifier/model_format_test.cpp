// Model::load on bytes that are not a good model: every truncation, flipped bytes at
// every offset, huge counts, wrong headers and settings. Each must be an error value
// naming the byte, never a crash, a hang or a huge allocation; and the committed samples
// must decode.
//
// RFLOW_WRITE_CLASSIFIER_SAMPLES=1 ./classifier_tests --gtest_filter='Samples.*' writes
// tests/classifier/samples/tiny.{ftz,bin} again from the test data (see samples/README.md).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "classifier_test_util.h"
#include "runtime/classifier/model.h"

namespace rflow::classifier {
namespace {

using testing::readFile;
using testing::samplesDir;

// Offsets fixed by the format: magic, version, then the 56-byte args block, then the
// dictionary's header.
constexpr size_t kDim = 8, kWordNgrams = 28, kLoss = 32, kModelKind = 36, kBucket = 40, kMaxn = 48,
                 kDictSize = 64, kDictWords = 68, kDictLabels = 72, kDictPrune = 84,
                 kFirstEntry = 92;

template <typename T>
void put(std::string& bytes, size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

template <typename T>
T get(const std::string& bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// Where the dictionary ends (the quantized-input flag), walking its entries.
size_t afterDictionary(const std::string& bytes) {
  const int32_t size = get<int32_t>(bytes, kDictSize);
  size_t at = kFirstEntry;
  for (int32_t i = 0; i < size; ++i)
    at = bytes.find('\0', at) + 1 + 8 + 1;
  const int64_t prune = get<int64_t>(bytes, kDictPrune);
  return at + (prune > 0 ? 8 * static_cast<size_t>(prune) : 0);
}

std::string loadError(const std::string& bytes) {
  auto loaded = Model::load(bytes);
  if (auto* error = std::get_if<std::string>(&loaded)) return *error;
  return "(loaded)";
}

// Bytes that load must give sane predictions; bytes that do not must say where.
void expectSafe(const std::string& bytes, const std::string& what) {
  auto loaded = Model::load(bytes);
  if (auto* error = std::get_if<std::string>(&loaded)) {
    EXPECT_TRUE(error->starts_with("at byte ")) << what << ": " << *error;
    return;
  }
  const Model& model = std::get<Model>(loaded);
  EXPECT_FALSE(model.labels().empty()) << what;
  for (std::string_view text : {"the freezer is warm", "", "price!!", "zzzz qqqq"}) {
    double total = 0;
    for (const Prediction& p : model.predict(text, 100)) {
      EXPECT_TRUE(p.confidence >= 0 && p.confidence <= 1) << what << ": " << p.confidence;
      total += p.confidence;
    }
    EXPECT_LE(total, 1.0 + 1e-9) << what;
  }
}

const std::string& tinyFtz() {
  static const std::string bytes = readFile(samplesDir() / "tiny.ftz");
  return bytes;
}

const std::string& tinyBin() {
  static const std::string bytes = readFile(samplesDir() / "tiny.bin");
  return bytes;
}

TEST(Samples, Regenerate) {
  if (std::getenv("RFLOW_WRITE_CLASSIFIER_SAMPLES") == nullptr)
    GTEST_SKIP() << "set RFLOW_WRITE_CLASSIFIER_SAMPLES=1 to write the samples again";
  for (const auto& [name, model] : {std::pair{"tiny.ftz", &testing::quantizedModel()},
                                    std::pair{"tiny.bin", &testing::denseModel()}}) {
    std::ofstream(samplesDir() / name, std::ios::binary)
        .write(model->bytes().data(), static_cast<std::streamsize>(model->bytes().size()));
  }
}

TEST(Samples, TheCommittedTinyModelsDecode) {
  for (const std::string* bytes : {&tinyFtz(), &tinyBin()}) {
    auto loaded = Model::load(*bytes);
    ASSERT_TRUE(std::holds_alternative<Model>(loaded)) << std::get<std::string>(loaded);
    const Model& model = std::get<Model>(loaded);
    EXPECT_EQ(model.quantized(), bytes == &tinyFtz());
    EXPECT_EQ(model.dimension(), 8);
    EXPECT_EQ(model.hash().size(), 64u);
    std::vector<std::string> labels = model.labels();
    std::sort(labels.begin(), labels.end());
    EXPECT_EQ(labels, (std::vector<std::string>{"Damage", "Pricing", "Refrigeration", "Staffing"}));
    EXPECT_EQ(model.predict("freezer is warm")[0].label, "Refrigeration");
    EXPECT_EQ(model.predict("forklift hit the racking")[0].label, "Damage");
  }
  EXPECT_LT(tinyFtz().size(), 16u * 1024);
}

TEST(Validation, EveryTruncationIsAnError) {
  for (const std::string* bytes : {&tinyFtz(), &tinyBin()}) {
    for (size_t n = 0; n < bytes->size(); ++n) {
      const std::string error = loadError(bytes->substr(0, n));
      ASSERT_TRUE(error.starts_with("at byte ")) << n << ": " << error;
    }
  }
  EXPECT_EQ(loadError(""),
            "at byte 0: the file is 0 bytes long, too short for a fastText model (its header "
            "alone is 8 bytes)");
  EXPECT_EQ(loadError(tinyFtz().substr(0, kFirstEntry) + std::string(1000, 'x')),
            "at byte 92: dictionary entry 0 of " +
                std::to_string(get<int32_t>(tinyFtz(), kDictSize)) +
                " runs to the end of the file without the NUL byte that ends its word; the "
                "model is truncated");
}

TEST(Validation, FlippedBytesAtEveryOffset) {
  for (const std::string* bytes : {&tinyFtz(), &tinyBin()}) {
    // Every offset of the header, args and dictionary; a stride through the matrices,
    // whose bytes are weights and codes.
    const size_t dense_part = afterDictionary(*bytes) + 64;
    for (size_t at = 0; at < bytes->size(); at += at < dense_part ? 1 : 7) {
      for (const uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::string flipped = *bytes;
        flipped[at] = static_cast<char>(flipped[at] ^ mask);
        expectSafe(flipped, "byte " + std::to_string(at) + " ^ " + std::to_string(mask));
      }
    }
  }
}

TEST(Validation, HeaderAndArgs) {
  std::string b = tinyFtz();
  put<int32_t>(b, 0, 0x12345678);
  EXPECT_TRUE(loadError(b).starts_with("at byte 0: this is not a fastText model")) << loadError(b);
  for (const int32_t version : {11, 13, -1}) {
    b = tinyFtz();
    put<int32_t>(b, 4, version);
    EXPECT_EQ(loadError(b), "at byte 4: fastText file format version " + std::to_string(version) +
                                " is not supported; only version 12 (fastText 0.9) is. Retrain "
                                "the model with fastText 0.9");
  }
  b = tinyFtz();
  put<int32_t>(b, kDim, 0);
  EXPECT_EQ(loadError(b), "at byte 8: the dimension (dim) is 0; it must be between 1 and 1024");
  put<int32_t>(b, kDim, 1 << 30);
  EXPECT_TRUE(loadError(b).starts_with("at byte 8: the dimension (dim) is 1073741824"));
  b = tinyFtz();
  put<int32_t>(b, kLoss, 2);
  EXPECT_TRUE(loadError(b).starts_with("at byte 32: the model was trained with negative sampling"));
  put<int32_t>(b, kLoss, 9);
  EXPECT_EQ(loadError(b), "at byte 32: the loss is 9; it must be between 1 and 4");
  b = tinyFtz();
  put<int32_t>(b, kModelKind, 2);
  EXPECT_TRUE(loadError(b).starts_with("at byte 36: this is a word-vector model (skipgram)"));
  b = tinyFtz();
  put<int32_t>(b, kBucket, 0);
  EXPECT_TRUE(loadError(b).starts_with("at byte 40: the bucket count is 0 but the model uses"));
  put<int32_t>(b, kBucket, -5);
  EXPECT_TRUE(loadError(b).starts_with("at byte 40: the bucket count is -5"));
  b = tinyFtz();
  put<int32_t>(b, kMaxn, 1000);
  EXPECT_EQ(loadError(b), "at byte 48: maxn is 1000; it must be between 0 and 10");
  b = tinyFtz();
  put<int32_t>(b, kWordNgrams, 0);
  EXPECT_EQ(loadError(b), "at byte 28: wordNgrams is 0; it must be between 1 and 16");
}

TEST(Validation, HugeCountsInTheDictionary) {
  std::string b = tinyFtz();
  const int32_t labels = get<int32_t>(b, kDictLabels);
  put<int32_t>(b, kDictSize, INT32_MAX);
  put<int32_t>(b, kDictWords, INT32_MAX - labels);
  EXPECT_TRUE(
      loadError(b).starts_with("at byte 64: the dictionary claims 2147483647 entries, "
                               "but only "))
      << loadError(b);
  b = tinyFtz();
  put<int32_t>(b, kDictSize, INT32_MAX);
  EXPECT_TRUE(
      loadError(b).starts_with("at byte 64: the dictionary's size 2147483647 is not its "
                               "words plus its labels"))
      << loadError(b);
  b = tinyFtz();
  put<int32_t>(b, kDictLabels, 0);
  EXPECT_EQ(loadError(b), "at byte 72: the dictionary has no labels: it cannot classify");
  b = tinyFtz();
  put<int64_t>(b, kDictPrune, INT64_MAX);
  EXPECT_TRUE(
      loadError(b).starts_with("at byte 84: the dictionary claims 9223372036854775807 "
                               "pruned n-grams"))
      << loadError(b);
  b = tinyFtz();
  put<int64_t>(b, kDictPrune, -7);
  EXPECT_EQ(loadError(b), "at byte 84: the dictionary's pruning size is -7");
  // The first entry's count, and a word marked as a label.
  b = tinyFtz();
  const size_t count_at = b.find('\0', kFirstEntry) + 1;
  put<int64_t>(b, count_at, INT64_MAX);
  EXPECT_TRUE(
      loadError(b).starts_with("at byte " + std::to_string(count_at) + ": dictionary entry 0 of"))
      << loadError(b);
  b = tinyFtz();
  put<int8_t>(b, count_at + 8, 1);
  EXPECT_NE(loadError(b).find("has type 1 where fastText keeps words (type 0)"), std::string::npos)
      << loadError(b);
}

TEST(Validation, MatricesAndTheEnd) {
  // Dense: the input matrix's rows, a NaN weight; a pruned dictionary without quantization.
  std::string b = tinyBin();
  const size_t flag = afterDictionary(b);
  ASSERT_EQ(b[flag], 0);
  put<int64_t>(b, flag + 1, int64_t{1} << 62);
  EXPECT_TRUE(loadError(b).starts_with("at byte " + std::to_string(flag + 1) +
                                       ": the input matrix is 4611686018427387904 x 8"))
      << loadError(b);
  b = tinyBin();
  put<float>(b, flag + 17 + 4 * 5, std::nanf(""));
  EXPECT_EQ(loadError(b), "at byte " + std::to_string(flag + 17 + 20) +
                              ": a weight of the input matrix is not a finite number");
  b = tinyBin();
  put<int64_t>(b, kDictPrune, 0);
  EXPECT_TRUE(loadError(b).find("the dictionary is pruned but the input matrix is not quantized") !=
              std::string::npos)
      << loadError(b);
  // Quantized: the code size against the rows, the product quantizer's shape.
  b = tinyFtz();
  const size_t qflag = afterDictionary(b);
  ASSERT_EQ(b[qflag], 1);
  const size_t codesize_at = qflag + 1 + 1 + 16;
  put<int32_t>(b, codesize_at, INT32_MAX);
  EXPECT_TRUE(loadError(b).starts_with("at byte " + std::to_string(codesize_at) +
                                       ": the input matrix claims 2147483647 bytes of codes"))
      << loadError(b);
  b = tinyFtz();
  const size_t pq_at = codesize_at + 4 + static_cast<size_t>(get<int32_t>(b, codesize_at));
  put<int32_t>(b, pq_at + 8, 3);  // dsub 3 with 4 sub-quantizers does not split 8
  EXPECT_TRUE(loadError(b).starts_with("at byte " + std::to_string(pq_at) +
                                       ": the product quantizer of the input matrix has"))
      << loadError(b);
  // Something after the end, or two models in one file.
  EXPECT_EQ(loadError(tinyFtz() + "x"),
            "at byte " + std::to_string(tinyFtz().size()) +
                ": 1 bytes follow the end of the model (the file is " +
                std::to_string(tinyFtz().size() + 1) +
                " bytes long; is it two files, or was something appended?)");
  EXPECT_TRUE(
      loadError(tinyFtz() + tinyFtz()).starts_with("at byte " + std::to_string(tinyFtz().size())));
}

TEST(Validation, OtherLossesLoad) {
  // hs and ova read the same layout; the confidences must still add up to at most 1.
  for (const int32_t loss : {1, 4}) {
    std::string b = tinyFtz();
    put<int32_t>(b, kLoss, loss);
    expectSafe(b, "loss " + std::to_string(loss));
    EXPECT_EQ(loadError(b), "(loaded)");
  }
}

}  // namespace
}  // namespace rflow::classifier
