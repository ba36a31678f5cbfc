// Model loading, prediction and label checks (model.h).
#include "runtime/classifier/model.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <system_error>

#include "base/suggest.h"
#include "runtime/classifier/fasttext_engine.h"
#include "runtime/classifier/model_format.h"
#include "runtime/classifier/temp_file.h"
#include "runtime/classifier/text.h"

namespace rflow::classifier {

namespace {

std::string sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest fails only when OpenSSL cannot allocate its context (bytecode/hash.cpp).
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xF]);
  }
  return out;
}

// fastText reports log(p + 1e-5) (loss.h's std_log); this is p again.
constexpr double kLogEpsilon = 1e-5;

}  // namespace

struct Model::Impl {
  std::string bytes;
  std::string hash;
  detail::ModelLayout layout;
  detail::Engine engine;
  int32_t eos = -1;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

std::variant<Model, std::string> Model::load(std::string_view bytes) {
  try {
    auto checked = detail::checkModelBytes(bytes);
    if (auto* error = std::get_if<std::string>(&checked)) return std::move(*error);
    auto impl = std::make_unique<Impl>();
    impl->bytes = std::string(bytes);
    impl->hash = sha256Hex(impl->bytes);
    impl->layout = std::get<detail::ModelLayout>(std::move(checked));
    detail::ViewBuffer buffer(impl->bytes);
    std::istream in(&buffer);
    impl->engine.loadChecked(in);
    impl->eos = impl->engine.getWordId("</s>");
    return Model(std::move(impl));
  } catch (const std::exception& e) {
    return std::string("fastText could not load the model: ") + e.what();
  }
}

std::variant<Model, std::string> Model::loadFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return path.string() + ": no such model file" + (ec ? " (" + ec.message() + ")" : "");
  detail::FileRead file = detail::readWholeFile(path);
  if (!file.ok()) return path.string() + ": " + file.error;
  const std::string& bytes = file.bytes;
  auto loaded = load(bytes);
  if (auto* error = std::get_if<std::string>(&loaded)) return path.string() + ": " + *error;
  return loaded;
}

const std::vector<std::string>& Model::labels() const {
  return impl_->layout.labels;
}
const std::string& Model::hash() const {
  return impl_->hash;
}
const std::string& Model::bytes() const {
  return impl_->bytes;
}
bool Model::quantized() const {
  return impl_->layout.quantized;
}
int Model::dimension() const {
  return impl_->layout.dim;
}

// Safe on many threads at once: fastText 0.9.2's FastText::predict and
// Dictionary::getLine are const and keep their scratch (Model::State: hidden and output
// vectors) on the caller's stack; the loss's lookup tables are built at load and only
// read; the stream and its buffer here are the caller's own.
std::vector<Prediction> Model::predict(std::string_view text, size_t k) const {
  if (k == 0) return {};
  std::string line = normalize(text);
  if (line.empty()) return {};
  // The end of line is a token of its own ("</s>") in every training line; predicting
  // without it would give the model a text shaped unlike any it learned from.
  line.push_back('\n');
  const auto& labels = impl_->layout.labels;
  std::vector<double> confidence(labels.size(), 0.0);
  try {
    detail::ViewBuffer buffer(line);
    std::istream in(&buffer);
    std::vector<int32_t> words, line_labels;
    impl_->engine.getDictionary()->getLine(in, words, line_labels);
    if (std::all_of(words.begin(), words.end(), [&](int32_t w) { return w == impl_->eos; }))
      return {};
    // All labels, so that their confidences can be checked to add up to at most 1.
    fasttext::Predictions scored;
    impl_->engine.predict(static_cast<int32_t>(labels.size()), words, scored, 0.0);
    for (const auto& [log_p, id] : scored) {
      if (id < 0 || static_cast<size_t>(id) >= labels.size()) continue;
      const double p = std::exp(static_cast<double>(log_p)) - kLogEpsilon;
      confidence[id] = std::isfinite(p) ? std::clamp(p, 0.0, 1.0) : 0.0;
    }
  } catch (const std::exception&) {
    // Only an allocation failure can get here: checked models index nothing out of
    // range. No prediction lets the human path take over.
    return {};
  }
  double total = 0;
  for (const double p : confidence)
    total += p;
  // Softmax and hierarchical softmax share one unit of probability; one-vs-all scores are
  // independent sigmoids, which may add up to more, and are scaled down to share it too.
  if (total > 1.0) {
    for (double& p : confidence)
      p /= total;
  }
  std::vector<size_t> order(labels.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return confidence[a] > confidence[b]; });
  order.resize(std::min(k, order.size()));
  std::vector<Prediction> out;
  out.reserve(order.size());
  for (const size_t i : order)
    out.push_back(Prediction{labels[i], confidence[i]});
  return out;
}

LabelCheck checkLabels(const Model& model, std::span<const std::string> members) {
  LabelCheck check;
  std::vector<std::string_view> candidates(members.begin(), members.end());
  const auto isMember = [&](std::string_view name) {
    return std::find(candidates.begin(), candidates.end(), name) != candidates.end();
  };
  std::string error;
  for (const std::string& label : model.labels()) {
    if (isMember(label)) continue;
    if (!error.empty()) error += "; ";
    error += "the model's label `" + label + "` is not a member of the enum";
    if (auto close = base::closestMatch(label, candidates))
      error += " (did you mean `" + *close + "`?)";
  }
  if (!error.empty()) check.error = std::move(error);
  for (const std::string& member : members) {
    const auto& labels = model.labels();
    if (std::find(labels.begin(), labels.end(), member) == labels.end())
      check.missing.push_back(member);
  }
  return check;
}

}  // namespace rflow::classifier
