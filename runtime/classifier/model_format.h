// The byte layout of a fastText 0.9.2 supervised model (.bin, or quantized .ftz), checked
// before fastText sees it. fastText's loader trusts its input: a truncated dictionary
// entry makes it loop forever, a huge count allocates whatever it says, a zero bucket
// divides by zero. checkModelBytes walks the whole file the way fastText will read it and
// refuses anything fastText could not load safely, so that Model::load can hand only
// checked bytes to fastText. Internal to rflow_classifier.
//
// Invariants of an accepted file (besides the field-by-field checks in model_format.cpp):
// every count and size is bounded by the bytes that follow it; every index fastText
// computes at predict time (word ids, subword and word-n-gram buckets, pruned rows,
// product-quantizer codes) falls inside the matrix it indexes; every weight is finite;
// and the file ends exactly where the output matrix does. Integers are little-endian, as
// fastText writes them on the machines rflow runs on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rflow::classifier::detail {

inline constexpr int32_t kFastTextMagic = 793712314;
inline constexpr int32_t kFastTextVersion = 12;
inline constexpr std::string_view kLabelPrefix = "__label__";

// What the checks learned on the way, for the Model to keep.
struct ModelLayout {
  int32_t dim = 0;
  bool quantized = false;
  int64_t words = 0;
  std::vector<std::string> labels;  // without kLabelPrefix, in the dictionary's order
};

// The layout of a loadable model, or a message saying what is wrong and at which byte.
std::variant<ModelLayout, std::string> checkModelBytes(std::string_view bytes);

}  // namespace rflow::classifier::detail
