// Checks a fastText model's bytes in the order fastText reads them (model_format.h).
// The layout follows fastText 0.9.2's FastText::loadModel: magic and version, Args::load,
// Dictionary::load, a quantized-input flag and the input matrix (DenseMatrix::load or
// QuantMatrix::load with its ProductQuantizers), the qout flag and the output matrix.
#include "runtime/classifier/model_format.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <set>

namespace rflow::classifier::detail {

namespace {

// Bounds wider than any real classifier needs and narrow enough that fastText's
// in-memory form stays within a small multiple of the file's size: dim sizes the vectors
// of every prediction, and maxn the subwords fastText precomputes for every word.
constexpr int32_t kMaxDim = 1024;
constexpr int32_t kMaxWordNgrams = 16;
constexpr int32_t kMaxCharNgram = 10;
constexpr int32_t kMaxLabels = 100000;
// Word and label counts feed the hierarchical softmax's Huffman tree, whose unbuilt nodes
// stand at 1e15: a larger count would make it pick a node it has not built yet.
constexpr int64_t kMaxCount = int64_t{1} << 40;
// fastText's entry types (dictionary.h).
constexpr int8_t kWordEntry = 0;
constexpr int8_t kLabelEntry = 1;
// fastText's loss_name and model_name values (args.h).
// fastText's loss_name values; softmax (3) lies between and is accepted like hs and ova.
constexpr int32_t kLossHs = 1, kLossNs = 2, kLossOva = 4;
constexpr int32_t kModelSupervised = 3;
// fastText's ProductQuantizer: 8-bit codes, 256 centroids per sub-quantizer.
constexpr int64_t kCentroids = 256;
// A dictionary entry is at least its NUL, an int64 count and an int8 type.
constexpr size_t kMinEntryBytes = 1 + 8 + 1;

std::string quoted(std::string_view word) {
  std::string out = "'";
  for (const char c : word.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out + (word.size() > 60 ? "…'" : "'");
}

class Checker {
 public:
  explicit Checker(std::string_view bytes) : bytes_(bytes) {}

  std::variant<ModelLayout, std::string> run() {
    if (!header() || !args() || !dictionary()) return error_;
    const size_t at = pos_;
    const auto quant_input = flag("the quantized-input flag");
    if (!quant_input) return error_;
    if (prune_size_ >= 0 && !*quant_input) {
      fail(at,
           "the dictionary is pruned but the input matrix is not quantized; fastText only "
           "writes pruned dictionaries with quantized models");
      return error_;
    }
    layout_.quantized = *quant_input;
    const int64_t input_rows = layout_.words + (prune_size_ >= 0 ? prune_size_ : bucket_);
    if (!matrix("input", *quant_input, input_rows)) return error_;
    const auto qout = flag("the quantized-output flag");
    if (!qout) return error_;
    // fastText reads the output matrix as quantized only when the input is too.
    if (!matrix("output", *quant_input && *qout, static_cast<int64_t>(layout_.labels.size())))
      return error_;
    if (pos_ != bytes_.size()) {
      fail(pos_, std::to_string(bytes_.size() - pos_) +
                     " bytes follow the end of the model (the file is " +
                     std::to_string(bytes_.size()) +
                     " bytes long; is it two files, or was something appended?)");
      return error_;
    }
    return std::move(layout_);
  }

 private:
  size_t left() const { return bytes_.size() - pos_; }

  bool fail(size_t at, std::string what) {
    error_ = "at byte " + std::to_string(at) + ": " + std::move(what);
    return false;
  }

  template <typename T>
  std::optional<T> read(std::string_view what) {
    if (left() < sizeof(T)) {
      fail(pos_, "the file ends inside " + std::string(what) + " (it needs " +
                     std::to_string(sizeof(T)) + " bytes, " + std::to_string(left()) +
                     " are left); the model is truncated");
      return std::nullopt;
    }
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  // fastText reads a bool straight into a bool: any byte but 0 or 1 is undefined.
  std::optional<bool> flag(std::string_view what) {
    const size_t at = pos_;
    const auto b = read<uint8_t>(what);
    if (!b) return std::nullopt;
    if (*b > 1) {
      fail(at, std::string(what) + " is " + std::to_string(*b) + "; it must be 0 or 1");
      return std::nullopt;
    }
    return *b == 1;
  }

  // An int32 field that must lie in [lo, hi].
  std::optional<int32_t> field(std::string_view what, int64_t lo, int64_t hi) {
    const size_t at = pos_;
    const auto v = read<int32_t>(what);
    if (!v) return std::nullopt;
    if (*v < lo || *v > hi) {
      fail(at, std::string(what) + " is " + std::to_string(*v) + "; it must be between " +
                   std::to_string(lo) + " and " + std::to_string(hi));
      return std::nullopt;
    }
    return v;
  }

  bool header() {
    if (bytes_.size() < 8) {
      return fail(0, "the file is " + std::to_string(bytes_.size()) +
                         " bytes long, too short for a fastText model (its header alone is 8 "
                         "bytes)");
    }
    const int32_t magic = *read<int32_t>("the magic number");
    if (magic != kFastTextMagic) {
      return fail(0,
                  "this is not a fastText model: it does not start with fastText's magic "
                  "number (a .bin or .ftz file written by `fasttext supervised` or "
                  "`fasttext quantize` is needed)");
    }
    const int32_t version = *read<int32_t>("the format version");
    if (version != kFastTextVersion) {
      return fail(4, "fastText file format version " + std::to_string(version) +
                         " is not supported; only version " + std::to_string(kFastTextVersion) +
                         " (fastText 0.9) is. Retrain the model with fastText 0.9");
    }
    return true;
  }

  bool args() {
    const auto dim = field("the dimension (dim)", 1, kMaxDim);
    if (!dim) return false;
    layout_.dim = *dim;
    // ws, epoch, minCount and neg only steer training; fastText never reads them when
    // it predicts.
    for (const char* name : {"ws", "epoch", "minCount", "neg"})
      if (!read<int32_t>(std::string("the training setting ") + name)) return false;
    const auto word_ngrams = field("wordNgrams", 1, kMaxWordNgrams);
    if (!word_ngrams) return false;
    const size_t loss_at = pos_;
    const auto loss = field("the loss", kLossHs, kLossOva);
    if (!loss) return false;
    if (*loss == kLossNs) {
      return fail(loss_at,
                  "the model was trained with negative sampling (-loss ns), which rflow does "
                  "not load (fastText builds a 10-million-entry table for it on every load); "
                  "retrain it with -loss softmax");
    }
    const size_t model_at = pos_;
    const auto model = read<int32_t>("the model kind");
    if (!model) return false;
    if (*model != kModelSupervised) {
      return fail(model_at, "this is a word-vector model (" +
                                std::string(*model == 1   ? "cbow"
                                            : *model == 2 ? "skipgram"
                                                          : "kind " + std::to_string(*model)) +
                                "), not a supervised classifier; train it with `fasttext "
                                "supervised`");
    }
    const size_t bucket_at = pos_;
    const auto bucket = field("the bucket count", 0, INT32_MAX);
    if (!bucket) return false;
    const auto minn = field("minn", 0, kMaxCharNgram);
    if (!minn) return false;
    const auto maxn = field("maxn", 0, kMaxCharNgram);
    if (!maxn) return false;
    // fastText hashes character and word n-grams modulo the bucket count.
    if (*bucket == 0 && (*maxn > 0 || *word_ngrams > 1)) {
      return fail(bucket_at,
                  "the bucket count is 0 but the model uses character or word n-grams, "
                  "which need buckets");
    }
    bucket_ = *bucket;
    if (!read<int32_t>("the training setting lrUpdateRate")) return false;
    const size_t t_at = pos_;
    const auto t = read<double>("the sampling threshold t");
    if (!t) return false;
    if (!std::isfinite(*t)) return fail(t_at, "the sampling threshold t is not a finite number");
    return true;
  }

  bool dictionary() {
    const size_t at = pos_;
    const auto size = read<int32_t>("the dictionary's size");
    const auto nwords = size ? read<int32_t>("the dictionary's word count") : std::nullopt;
    const auto nlabels = nwords ? read<int32_t>("the dictionary's label count") : std::nullopt;
    const auto ntokens = nlabels ? read<int64_t>("the dictionary's token count") : std::nullopt;
    const size_t prune_at = pos_;
    const auto prune = ntokens ? read<int64_t>("the dictionary's pruning size") : std::nullopt;
    if (!prune) return false;
    if (*nwords < 0 || *nlabels < 0 || *ntokens < 0)
      return fail(at, "the dictionary has a negative count of words, labels or tokens");
    if (*nlabels == 0) return fail(at + 8, "the dictionary has no labels: it cannot classify");
    if (*nlabels > kMaxLabels) {
      return fail(at + 8, "the dictionary claims " + std::to_string(*nlabels) +
                              " labels; at most " + std::to_string(kMaxLabels) + " are supported");
    }
    if (int64_t{*size} != int64_t{*nwords} + *nlabels) {
      return fail(at, "the dictionary's size " + std::to_string(*size) +
                          " is not its words plus its labels (" + std::to_string(*nwords) + " + " +
                          std::to_string(*nlabels) + ")");
    }
    if (static_cast<uint64_t>(*size) > left() / kMinEntryBytes) {
      return fail(at, "the dictionary claims " + std::to_string(*size) + " entries, but only " +
                          std::to_string(left()) + " bytes follow (an entry takes at least " +
                          std::to_string(kMinEntryBytes) + ")");
    }
    if (*prune < -1)
      return fail(prune_at, "the dictionary's pruning size is " + std::to_string(*prune));
    prune_size_ = *prune;
    layout_.words = *nwords;

    std::set<std::string_view> seen_labels;
    int64_t previous_label_count = INT64_MAX;
    for (int32_t i = 0; i < *size; ++i) {
      const size_t entry_at = pos_;
      const std::string entry =
          "dictionary entry " + std::to_string(i) + " of " + std::to_string(*size);
      const void* nul = std::memchr(bytes_.data() + pos_, '\0', left());
      if (nul == nullptr) {
        return fail(entry_at, entry +
                                  " runs to the end of the file without the NUL byte that "
                                  "ends its word; the model is truncated");
      }
      const size_t length = static_cast<const char*>(nul) - (bytes_.data() + pos_);
      const std::string_view word = bytes_.substr(pos_, length);
      pos_ += length + 1;
      const size_t count_at = pos_;
      const auto count = read<int64_t>("the count of " + entry);
      if (!count) return false;
      const size_t type_at = pos_;
      const auto type = read<int8_t>("the type of " + entry);
      if (!type) return false;
      if (*count < 1 || *count > kMaxCount) {
        return fail(count_at, entry + " (" + quoted(word) + ") has count " +
                                  std::to_string(*count) + "; it must be between 1 and 2^40");
      }
      const bool is_word = i < *nwords;
      if (*type != (is_word ? kWordEntry : kLabelEntry)) {
        return fail(type_at, entry + " (" + quoted(word) + ") has type " + std::to_string(*type) +
                                 " where fastText keeps " +
                                 (is_word ? "words (type 0)" : "labels (type 1)") +
                                 ": words come first, then labels");
      }
      if (is_word) continue;
      if (!word.starts_with(kLabelPrefix) || word.size() == kLabelPrefix.size()) {
        return fail(entry_at, entry + " is the label " + quoted(word) + ", which is not " +
                                  std::string(kLabelPrefix) + " followed by a name");
      }
      const std::string_view name = word.substr(kLabelPrefix.size());
      if (!seen_labels.insert(name).second)
        return fail(entry_at, entry + ": the label " + quoted(name) + " appears twice");
      // fastText sorts labels by count, most frequent first; its hierarchical softmax
      // builds a well-formed tree only from counts in that order.
      if (*count > previous_label_count) {
        return fail(count_at, entry + " (" + quoted(name) +
                                  ") has a larger count than the label before it; fastText "
                                  "writes labels most frequent first");
      }
      previous_label_count = *count;
      layout_.labels.emplace_back(name);
    }

    if (prune_size_ > 0) {
      if (static_cast<uint64_t>(prune_size_) > left() / 8) {
        return fail(prune_at, "the dictionary claims " + std::to_string(prune_size_) +
                                  " pruned n-grams, but only " + std::to_string(left()) +
                                  " bytes follow (each takes 8)");
      }
      for (int64_t i = 0; i < prune_size_; ++i) {
        const size_t pair_at = pos_;
        const int32_t bucket = *read<int32_t>("a pruned n-gram");
        const int32_t row = *read<int32_t>("a pruned n-gram");
        if (bucket < 0 || bucket >= bucket_ || row < 0 || row >= prune_size_) {
          return fail(pair_at, "pruned n-gram " + std::to_string(i) + " maps bucket " +
                                   std::to_string(bucket) + " to row " + std::to_string(row) +
                                   "; buckets are below " + std::to_string(bucket_) +
                                   " and rows below " + std::to_string(prune_size_));
        }
      }
    }
    return true;
  }

  // m * n floats at pos_, all finite.
  bool floats(int64_t m, int64_t n, std::string_view what) {
    const size_t at = pos_;
    if (n > 0 && static_cast<uint64_t>(m) > left() / 4 / static_cast<uint64_t>(n)) {
      return fail(at, std::string(what) + " needs " + std::to_string(m) + " x " +
                          std::to_string(n) + " floats, but only " + std::to_string(left()) +
                          " bytes follow");
    }
    const size_t count = static_cast<size_t>(m) * static_cast<size_t>(n);
    for (size_t i = 0; i < count; ++i) {
      float f;
      std::memcpy(&f, bytes_.data() + pos_ + 4 * i, 4);
      if (!std::isfinite(f))
        return fail(pos_ + 4 * i, "a weight of " + std::string(what) + " is not a finite number");
    }
    pos_ += 4 * count;
    return true;
  }

  // The rows and columns fastText will read, checked against what it will index.
  bool shape(std::string_view what, int64_t rows, size_t at) {
    const auto m = read<int64_t>("the row count of " + std::string(what));
    if (!m) return false;
    const auto n = read<int64_t>("the column count of " + std::string(what));
    if (!n) return false;
    if (*m != rows || *n != layout_.dim) {
      return fail(at, std::string(what) + " is " + std::to_string(*m) + " x " + std::to_string(*n) +
                          "; the dictionary and dimension need " + std::to_string(rows) + " x " +
                          std::to_string(layout_.dim));
    }
    return true;
  }

  // A ProductQuantizer of vectors of `dim`: 4 ints and dim * 256 centroids. Returns the
  // number of sub-quantizers, i.e. the code bytes per row.
  std::optional<int64_t> quantizer(std::string_view what, int32_t dim) {
    const size_t at = pos_;
    const auto qdim = read<int32_t>("the dimension of " + std::string(what));
    const auto nsubq =
        qdim ? read<int32_t>("the sub-quantizers of " + std::string(what)) : std::nullopt;
    const auto dsub =
        nsubq ? read<int32_t>("the sub-dimension of " + std::string(what)) : std::nullopt;
    const auto lastdsub =
        dsub ? read<int32_t>("the last sub-dimension of " + std::string(what)) : std::nullopt;
    if (!lastdsub) return std::nullopt;
    // The shape fastText's ProductQuantizer(dim, dsub) constructor gives.
    const bool ok = *qdim == dim && *dsub >= 1 && *dsub <= dim &&
                    *nsubq == (dim + *dsub - 1) / *dsub && *lastdsub == dim - (*nsubq - 1) * *dsub;
    if (!ok) {
      fail(at, std::string(what) + " has dimension " + std::to_string(*qdim) + ", " +
                   std::to_string(*nsubq) + " sub-quantizers of " + std::to_string(*dsub) +
                   " (the last " + std::to_string(*lastdsub) + "), which do not split vectors of " +
                   std::to_string(dim));
      return std::nullopt;
    }
    if (!floats(dim, kCentroids, "the centroids of " + std::string(what))) return std::nullopt;
    return *nsubq;
  }

  bool matrix(std::string_view name, bool quantized, int64_t rows) {
    const std::string what = "the " + std::string(name) + " matrix";
    const size_t at = pos_;
    if (!quantized) return shape(what, rows, at) && floats(rows, layout_.dim, what);
    const auto qnorm = flag("the norm flag of " + what);
    if (!qnorm) return false;
    const size_t shape_at = pos_;
    if (!shape(what, rows, shape_at)) return false;
    const size_t codes_at = pos_;
    const auto codesize = read<int32_t>("the code size of " + what);
    if (!codesize) return false;
    if (*codesize < 0 || static_cast<size_t>(*codesize) > left()) {
      return fail(codes_at, what + " claims " + std::to_string(*codesize) +
                                " bytes of codes, but only " + std::to_string(left()) +
                                " bytes follow");
    }
    pos_ += static_cast<size_t>(*codesize);
    const auto nsubq = quantizer("the product quantizer of " + what, layout_.dim);
    if (!nsubq) return false;
    if (*codesize != rows * *nsubq) {
      return fail(codes_at, what + " has " + std::to_string(*codesize) + " bytes of codes; " +
                                std::to_string(rows) + " rows of " + std::to_string(*nsubq) +
                                " sub-quantizers need " + std::to_string(rows * *nsubq));
    }
    if (!*qnorm) return true;
    const size_t norms_at = pos_;
    if (static_cast<uint64_t>(rows) > left()) {
      return fail(norms_at, what + " needs " + std::to_string(rows) + " norm codes, but only " +
                                std::to_string(left()) + " bytes follow");
    }
    pos_ += static_cast<size_t>(rows);
    return quantizer("the norm quantizer of " + what, 1).has_value();
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  std::string error_;
  ModelLayout layout_;
  int32_t bucket_ = 0;
  int64_t prune_size_ = -1;
};

}  // namespace

std::variant<ModelLayout, std::string> checkModelBytes(std::string_view bytes) {
  return Checker(bytes).run();
}

}  // namespace rflow::classifier::detail
