// `rflow train Name [PATH] --data FILE… [--from DATA_DIR] -o MODEL [--validate 0.1]
// [--target-precision 0.9] [--no-quantize] [--seed N]` (intelligence.md §1): trains a
// model for classifier Name of the project at PATH from labelled files and/or the
// examples `learn` stored in a data directory, holds a stratified share back to measure
// it, writes it, and prints what a process owner needs to choose the threshold: examples
// per label, validation accuracy, threshold -> precision / coverage, and the threshold
// that meets the target precision. Exit 0 when the model was written, 1 otherwise (and
// then nothing was written).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

#include "cli/classifier_target.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "engine/classify.h"
#include "runtime/classifier/evaluate.h"
#include "runtime/classifier/examples_file.h"
#include "runtime/classifier/text.h"
#include "runtime/classifier/train.h"
#include "store/store.h"

namespace rflow::cli {

namespace {

namespace fs = std::filesystem;
using classifier::Example;

struct TrainCommandOptions {
  std::string name;
  std::string path = ".";
  std::vector<std::string> data;
  std::string from;
  std::string output;
  double validate = 0.1;
  double target_precision = 0.9;
  bool no_quantize = false;
  uint64_t seed = 0;
};

// The examples `learn` stored in `data_dir`, checked like a file's: a label that is not a
// member is refused (the enum changed since), a text with nothing to learn from skipped.
std::variant<std::vector<Example>, std::string> learnedExamples(const std::string& data_dir,
                                                                const ClassifierTarget& target) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec))
    return fmt::format(
        "--from {}: there is no data directory there; give the --data directory of the rflow "
        "serve or rflow run that learned the examples",
        data_dir);
  auto opened = store::Store::open(data_dir);
  if (auto* problem = std::get_if<std::string>(&opened))
    return fmt::format("--from {}: {}", data_dir, *problem);
  const auto store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  auto found = engine::learnedExamples(*store, target.qualified);
  std::vector<Example> out;
  if (found.notFound()) return out;  // nothing learned yet
  if (!found) return fmt::format("--from {}: {}", data_dir, found.error().message);
  for (engine::LearnedExample& e : *found) {
    if (std::find(target.members.begin(), target.members.end(), e.label) == target.members.end())
      return fmt::format(
          "--from {}: an example learned by instance {} has label `{}`, which is not a member of "
          "{} any more: train from files, or relabel it",
          data_dir, e.instance, e.label, target.enum_name);
    if (classifier::normalize(e.text).empty()) continue;
    out.push_back({std::move(e.text), std::move(e.label)});
  }
  return out;
}

void printCounts(const std::vector<Example>& train, const std::vector<Example>& validate,
                 const ClassifierTarget& target) {
  std::map<std::string, std::pair<size_t, size_t>> counts;
  for (const Example& e : train)
    ++counts[e.label].first;
  for (const Example& e : validate)
    ++counts[e.label].second;
  std::cout << fmt::format("examples per label ({} for training, {} for validation):\n",
                           train.size(), validate.size());
  for (const std::string& member : target.members) {
    const auto it = counts.find(member);
    if (it == counts.end()) {
      std::cout << fmt::format("  {:<20} none: the model will never predict it\n", member);
      continue;
    }
    std::cout << fmt::format("  {:<20} {:>6} {:>6}\n", member, it->second.first, it->second.second);
  }
}

void printEvaluation(const classifier::Model& model, const std::vector<Example>& validate,
                     const ClassifierTarget& target, double target_precision) {
  const classifier::Evaluation ev = classifier::evaluate(model, validate);
  std::cout << fmt::format("validation accuracy: {:.4f} on {} examples\n", ev.accuracy,
                           ev.examples);
  std::cout << "threshold  precision  coverage  labelled\n";
  for (const classifier::ThresholdRow& row : ev.table)
    std::cout << fmt::format("     {:.2f}     {:.4f}    {:.4f}  {:>8}\n", row.threshold,
                             row.precision, row.coverage, row.labelled);
  const AtThreshold declared = scoreAt(model, validate, target.threshold);
  std::cout << fmt::format("declared threshold {}: precision {:.4f}, coverage {:.4f}\n",
                           target.threshold_text, declared.precision(), declared.coverage());
  if (auto best = classifier::suggestThreshold(ev, target_precision))
    std::cout << fmt::format(
        "suggested threshold for precision {:.2f}: {:.2f} (precision {:.4f}, coverage {:.4f})\n",
        target_precision, best->threshold, best->precision, best->coverage);
  else
    std::cout << fmt::format(
        "no threshold reaches precision {:.2f} on the validation share: more examples, or a "
        "lower --target-precision\n",
        target_precision);
}

int runTrain(const TrainCommandOptions& o) {
  if (o.data.empty() && o.from.empty())
    return commandFailed(
        "train",
        "nothing to train on: give labelled files with --data FILE… and/or --from DATA_DIR");
  if (!(o.validate >= 0 && o.validate < 1))
    return commandFailed(
        "train",
        fmt::format("--validate {}: expected a share from 0 to below 1, like 0.1", o.validate));
  if (!(o.target_precision > 0 && o.target_precision <= 1))
    return commandFailed(
        "train", fmt::format("--target-precision {}: expected a share above 0 up to 1, like 0.9",
                             o.target_precision));
  if (auto problem = checkOutputPath(o.output)) return commandFailed("train", *problem);

  auto found = findClassifier(o.path, o.name, "train");
  if (auto* code = std::get_if<int>(&found)) return *code;
  const ClassifierTarget& target = std::get<ClassifierTarget>(found);

  std::vector<Example> examples;
  for (const std::string& file : o.data) {
    auto read = classifier::readExamples(file, std::span<const std::string>(target.members));
    if (auto* problem = std::get_if<std::string>(&read))
      return commandFailed(
          "train", fmt::format("{} (the labels of {} are the members of {}: {})", *problem,
                               target.name, target.enum_name, fmt::join(target.members, ", ")));
    auto& got = std::get<std::vector<Example>>(read);
    examples.insert(examples.end(), std::make_move_iterator(got.begin()),
                    std::make_move_iterator(got.end()));
  }
  if (!o.from.empty()) {
    auto learned = learnedExamples(o.from, target);
    if (auto* problem = std::get_if<std::string>(&learned)) return commandFailed("train", *problem);
    auto& got = std::get<std::vector<Example>>(learned);
    std::cerr << fmt::format("rflow train: {} examples learned in {}\n", got.size(), o.from);
    examples.insert(examples.end(), std::make_move_iterator(got.begin()),
                    std::make_move_iterator(got.end()));
  }
  if (examples.empty())
    return commandFailed(
        "train", o.from.empty()
                     ? "there are no examples to train on: the files have a header but no rows; "
                       "add rows `text,label`"
                     : "there are no examples to train on: the files have no rows and nothing "
                       "was learned in " +
                           o.from + "; add rows `text,label`");

  const classifier::Split split = classifier::stratifiedSplit(examples, o.validate, o.seed);
  printCounts(split.train, split.validate, target);

  classifier::TrainOptions options = classifier::defaultTrainOptions();
  options.quantize = !o.no_quantize;
  options.seed = static_cast<int>(o.seed & 0x7fffffff);
  // Progress is for a person watching; logs and pipes get only the result.
  const bool terminal = ::isatty(2) == 1;
  if (terminal) {
    options.on_progress = [last = -1](double progress, double loss) mutable {
      const int percent = static_cast<int>(progress * 100);
      if (percent == last) return;
      last = percent;
      if (std::isfinite(loss))
        std::cerr << fmt::format("\rtraining: {:3}%  loss {:.4f}", percent, loss) << std::flush;
      else
        std::cerr << fmt::format("\rtraining: {:3}%", percent) << std::flush;
    };
  }
  auto trained = classifier::train(split.train, options);
  if (terminal) std::cerr << "\n";
  if (auto* problem = std::get_if<std::string>(&trained))
    return commandFailed("train", "training failed: " + *problem);
  const classifier::Model& model = std::get<classifier::Model>(trained);

  if (!split.validate.empty())
    printEvaluation(model, split.validate, target, o.target_precision);
  else
    std::cout << "no validation share (--validate 0): accuracy not measured\n";

  if (auto problem = writeFileAtomically(o.output, model.bytes()))
    return commandFailed("train", *problem);
  std::cout << fmt::format("wrote {} ({}, {:.2f} MB, labels {}, model {})\n", o.output,
                           model.quantized() ? "quantized" : "not quantized",
                           double(model.bytes().size()) / 1e6, fmt::join(model.labels(), ", "),
                           model.hash().substr(0, 12));
  return 0;
}

}  // namespace

void addTrainCommand(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<TrainCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model for a classifier from labelled examples and measure it");
  cmd->add_option("name", o->name, "The classifier (its declared or qualified name)")->required();
  cmd->add_option("path", o->path, "The project: a directory or one .rflow file (default .)");
  cmd->add_option("--data", o->data,
                  "Labelled examples: CSV with a header `text,label`, or JSON Lines "
                  "{\"text\",\"label\"} (.jsonl); repeatable");
  cmd->add_option("--from", o->from, "Also the examples `learn` stored in this data directory");
  cmd->add_option("-o,--output", o->output, "The model file to write (.ftz, or .bin)")->required();
  cmd->add_option("--validate", o->validate,
                  "Share of each label held back to measure the model (default 0.1)");
  cmd->add_option("--target-precision", o->target_precision,
                  "Suggest the threshold that reaches this precision (default 0.9)");
  cmd->add_flag("--no-quantize", o->no_quantize,
                "Write the full model (.bin, ~100x larger) instead of a quantized one");
  cmd->add_option("--seed", o->seed, "Seed of the split and of training (default 0)");
  cmd->callback([o, &run] { run = [o] { return runTrain(*o); }; });
}

}  // namespace rflow::cli
