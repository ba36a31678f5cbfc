// Training through fastText, and the defaults for short texts (train.h).
#include "runtime/classifier/train.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <set>

#include "runtime/classifier/fasttext_engine.h"
#include "runtime/classifier/model_format.h"
#include "runtime/classifier/temp_file.h"
#include "runtime/classifier/text.h"

namespace rflow::classifier {

TrainOptions defaultTrainOptions() {
  // The initializers of TrainOptions, where the measurements behind them are.
  return TrainOptions{};
}

namespace {

std::optional<std::string> checkOptions(const TrainOptions& o) {
  const auto range = [](std::string_view name, double v, double lo,
                        double hi) -> std::optional<std::string> {
    if (std::isfinite(v) && v >= lo && v <= hi) return std::nullopt;
    return std::string(name) + " is " + std::to_string(v) + "; it must be between " +
           std::to_string(lo) + " and " + std::to_string(hi);
  };
  for (auto error :
       {range("epoch", o.epoch, 1, 10000), range("lr", o.lr, 1e-6, 10),
        range("dim", o.dim, 1, 1024), range("word_ngrams", o.word_ngrams, 1, 16),
        range("minn", o.minn, 0, 10), range("maxn", o.maxn, 0, 10),
        range("bucket", o.bucket, 0, 100'000'000), range("min_count", o.min_count, 1, 1'000'000),
        range("threads", o.threads, 1, 256), range("cutoff", o.cutoff, 0, INT32_MAX),
        range("dsub", o.dsub, 1, 1024)}) {
    if (error) return "training option " + *error;
  }
  if (o.bucket == 0 && (o.maxn > 0 || o.word_ngrams > 1))
    return "training option bucket is 0, but character or word n-grams need buckets";
  return std::nullopt;
}

// The training file: one `__label__X normalized text` line per example; or why not.
std::optional<std::string> trainingLines(std::span<const Example> examples, std::string& lines) {
  if (examples.empty()) return "there are no examples to train on";
  std::set<std::string_view> labels;
  for (size_t i = 0; i < examples.size(); ++i) {
    const Example& e = examples[i];
    const std::string where = "example " + std::to_string(i + 1);
    if (e.label.empty()) return where + " has no label";
    for (const char c : e.label) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0')
        return where + ": the label `" + e.label + "` holds whitespace";
    }
    const std::string text = normalize(e.text);
    if (text.empty()) return where + " (" + e.label + ") has no text";
    labels.insert(e.label);
    lines += detail::kLabelPrefix;
    lines += e.label;
    lines += ' ';
    lines += text;
    lines += '\n';
  }
  if (labels.size() < 2) {
    return "all examples have the label `" + std::string(*labels.begin()) +
           "`: a classifier needs examples of at least two labels";
  }
  return std::nullopt;
}

fasttext::loss_name lossName(Loss loss) {
  switch (loss) {
    case Loss::kHierarchicalSoftmax:
      return fasttext::loss_name::hs;
    case Loss::kOneVsAll:
      return fasttext::loss_name::ova;
    case Loss::kSoftmax:
      break;
  }
  return fasttext::loss_name::softmax;
}

// Serializes fastText's per-thread progress calls into one rising sequence.
class Progress {
 public:
  explicit Progress(const std::function<void(double, double)>& report) : report_(report) {}

  void update(double progress) {
    if (!report_) return;
    std::lock_guard lock(mutex_);
    progress = std::clamp(progress, 0.0, 1.0);
    if (progress < last_ + 0.01) return;
    last_ = progress;
    call(progress, std::numeric_limits<double>::quiet_NaN());
  }

  void finish(double loss) {
    if (!report_) return;
    std::lock_guard lock(mutex_);
    call(1.0, loss);
  }

 private:
  // An exception would end the process inside a fastText thread; the callback only
  // observes training, so what it throws is dropped.
  void call(double progress, double loss) {
    try {
      report_(progress, loss);
    } catch (...) {
    }
  }

  const std::function<void(double, double)>& report_;
  std::mutex mutex_;
  double last_ = -1;
};

}  // namespace

double meanLabelLoss(const Model& model, std::span<const Example> examples) {
  if (examples.empty()) return std::numeric_limits<double>::quiet_NaN();
  // Below the smallest confidence fastText reports, so a label it never predicts
  // costs a large but finite amount.
  constexpr double kFloor = 1e-5;
  double total = 0;
  const size_t k = model.labels().size();
  for (const Example& e : examples) {
    double p = 0;
    for (const Prediction& prediction : model.predict(e.text, k))
      if (prediction.label == e.label) p = prediction.confidence;
    total -= std::log(std::max(p, kFloor));
  }
  return total / static_cast<double>(examples.size());
}

std::variant<Model, std::string> train(std::span<const Example> examples,
                                       const TrainOptions& options) {
  if (auto error = checkOptions(options)) return *error;
  std::string lines;
  if (auto error = trainingLines(examples, lines)) return *error;

  auto data = detail::TempFile::create(".txt");
  if (auto* error = std::get_if<std::string>(&data)) return *error;
  const detail::TempFile& data_file = std::get<detail::TempFile>(data);
  if (!data_file.write(lines))
    return "cannot write the training data to " + data_file.path().string();
  auto saved = detail::TempFile::create(".bin");
  if (auto* error = std::get_if<std::string>(&saved)) return *error;
  const detail::TempFile& model_file = std::get<detail::TempFile>(saved);

  fasttext::Args args;
  args.input = data_file.path().string();
  args.model = fasttext::model_name::sup;
  args.loss = lossName(options.loss);
  args.epoch = options.epoch;
  args.lr = options.lr;
  args.dim = options.dim;
  args.wordNgrams = options.word_ngrams;
  args.minn = options.minn;
  args.maxn = options.maxn;
  // As the fastText CLI does: without n-grams the buckets would be rows nothing reads.
  args.bucket = options.word_ngrams <= 1 && options.maxn == 0 ? 0 : options.bucket;
  args.minCount = options.min_count;
  args.thread = options.threads;
  args.seed = options.seed;
  args.verbose = 0;

  Progress progress(options.on_progress);
  double loss = std::numeric_limits<double>::quiet_NaN();
  try {
    detail::Engine engine;
    engine.train(args, [&](float p, float, double, double, int64_t) { progress.update(p); });
    if (options.quantize) {
      fasttext::Args qargs = args;
      qargs.qout = false;  // the output matrix has one row per label: nothing to gain
      qargs.retrain = false;
      qargs.cutoff = static_cast<size_t>(options.cutoff);
      qargs.qnorm = options.qnorm;
      qargs.dsub = static_cast<size_t>(options.dsub);
      engine.quantize(qargs);
    }
    engine.saveModel(model_file.path().string());
    loss = engine.lastLoss();
  } catch (const std::exception& e) {
    return std::string("fastText could not train the model: ") + e.what();
  }
  const auto bytes = model_file.read();
  if (!bytes) return "cannot read the trained model back from " + model_file.path().string();
  auto model = Model::load(*bytes);
  if (auto* error = std::get_if<std::string>(&model))
    return "the trained model does not load: " + *error;
  // fastText keeps the loss of its first thread only, and that thread may see no example
  // at all when the data is small and another thread takes every token: then 0/0.
  if (!std::isfinite(loss)) loss = meanLabelLoss(std::get<Model>(model), examples);
  progress.finish(loss);
  return model;
}

}  // namespace rflow::classifier
