// A loaded fastText classifier: the model file's bytes, their SHA-256, its labels, and
// predictions on normalized text. The model layer under rflow's `classifier`, `classify`
// and `learn` (spec intelligence.md §1); fastText itself stays behind a pimpl, so no
// fastText header reaches code that includes this one.
//
// Invariants of a Model: bytes() passed detail::checkModelBytes before fastText read them
// (a malformed, truncated or hostile file is an error value from load, never a crash, a
// hang or a huge allocation); hash() is the SHA-256 of bytes(); labels() are the model's
// labels without "__label__", unique, in the model's order; a Model is immutable after
// load, so predict() may run on many threads at once. A moved-from Model may only be
// destroyed or assigned to.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rflow::classifier {

struct Prediction {
  std::string label;  // a member name, without "__label__"
  double confidence;  // in [0, 1]
  bool operator==(const Prediction&) const = default;
};

class Model {
 public:
  // Checks the bytes of a fastText 0.9 supervised model (.bin, or quantized .ftz) and
  // loads them; errors say what is wrong and at which byte. Loading allocates at most a
  // small multiple of the file's size, so callers that take files from outside bound
  // their size.
  static std::variant<Model, std::string> load(std::string_view bytes);
  static std::variant<Model, std::string> loadFile(const std::filesystem::path& path);

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const std::vector<std::string>& labels() const;

  // The k most likely labels for `text` (normalized here, see text.h), most likely first,
  // ties in the model's label order. Confidences lie in [0, 1] and sum to at most 1 over
  // all labels (one-vs-all models' scores are scaled down when they add up to more).
  // Empty when k is 0 or the text gives the model nothing to go on: no tokens after
  // normalization, or only words it has never seen and (with no subwords) cannot place.
  std::vector<Prediction> predict(std::string_view text, size_t k = 2) const;

  const std::string& hash() const;   // 64 lower-case hex digits: SHA-256 of bytes()
  const std::string& bytes() const;  // exactly the model file
  bool quantized() const;            // a .ftz (product-quantized input matrix)
  int dimension() const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A model's labels against the members of the enum it classifies into.
struct LabelCheck {
  // A label that is not a member, named (with "did you mean" when one is close): the
  // model must be refused.
  std::optional<std::string> error;
  // Members the model never predicts: worth a warning, not a refusal.
  std::vector<std::string> missing;
};
LabelCheck checkLabels(const Model& model, std::span<const std::string> members);

}  // namespace rflow::classifier
