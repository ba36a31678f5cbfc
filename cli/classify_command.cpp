// `rflow classify Name [PATH] --model MODEL [TEXT… | --data FILE]` (intelligence.md §1):
// what a model says of texts, judged by the threshold classifier Name declares — the
// same answer `classify` gives at run time, before the model is deployed. With a
// labelled file: accuracy, and precision and coverage at the declared threshold.
//
// PATH is optional before the texts: the first word after Name is the project when it
// is a directory or a .rflow file, else it is the first text (and the project is `.`).
// With neither texts nor --data, texts are read from stdin, one a line.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/classifier_target.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "runtime/classifier/evaluate.h"
#include "runtime/classifier/examples_file.h"
#include "runtime/model_registry.h"

namespace rflow::cli {

namespace {

namespace fs = std::filesystem;

struct ClassifyOptions {
  std::string name;
  std::vector<std::string> words;  // [PATH] TEXT…
  std::string model;
  std::string data;
};

bool isProject(const std::string& word) {
  std::error_code ec;
  return fs::is_directory(word, ec) || (word.ends_with(".rflow") && fs::is_regular_file(word, ec));
}

void printPrediction(const classifier::Model& model, const ClassifierTarget& target,
                     const std::string& text) {
  const auto top = model.predict(text, 2);
  if (top.empty()) {
    std::cout << fmt::format(
        "-\t0.0000\t-\t0.0000\tno prediction (nothing in it the model "
        "knows)\t{}\n",
        text);
    return;
  }
  const classifier::Prediction none{"-", 0};
  const classifier::Prediction& second = top.size() > 1 ? top[1] : none;
  const bool labelled = top[0].confidence >= target.threshold;
  std::cout << fmt::format("{}\t{:.4f}\t{}\t{:.4f}\t{} {}\t{}\n", top[0].label, top[0].confidence,
                           second.label, second.confidence,
                           labelled ? "labelled: reaches" : "below threshold",
                           target.threshold_text, text);
}

int runClassify(const ClassifyOptions& o) {
  std::string path = ".";
  std::vector<std::string> texts = o.words;
  if (!texts.empty() && isProject(texts.front())) {
    path = texts.front();
    texts.erase(texts.begin());
  }
  if (!texts.empty() && !o.data.empty())
    return commandFailed("classify", "give texts or --data FILE, not both");

  auto found = findClassifier(path, o.name, "classify");
  if (auto* code = std::get_if<int>(&found)) return *code;
  const ClassifierTarget& target = std::get<ClassifierTarget>(found);

  std::string warning;
  auto loaded = runtime::loadModelFor(o.model, target.name, target.members, &warning);
  if (auto* problem = std::get_if<std::string>(&loaded)) return commandFailed("classify", *problem);
  if (!warning.empty()) std::cerr << "rflow classify: warning: " << warning << "\n";
  const classifier::Model& model = *std::get<std::shared_ptr<const classifier::Model>>(loaded);

  if (!o.data.empty()) {
    auto read = classifier::readExamples(o.data, std::span<const std::string>(target.members));
    if (auto* problem = std::get_if<std::string>(&read)) return commandFailed("classify", *problem);
    const auto& examples = std::get<std::vector<classifier::Example>>(read);
    if (examples.empty())
      return commandFailed("classify", o.data + ": there are no examples in it, only a header");
    const classifier::Evaluation ev = classifier::evaluate(model, examples);
    const AtThreshold at = scoreAt(model, examples, target.threshold);
    std::cout << fmt::format("accuracy: {:.4f} on {} examples\n", ev.accuracy, ev.examples);
    std::cout << fmt::format(
        "at the declared threshold {}: precision {:.4f}, coverage {:.4f} ({} of {} labelled, the "
        "rest to a person)\n",
        target.threshold_text, at.precision(), at.coverage(), at.labelled, at.examples);
    return 0;
  }
  if (texts.empty()) {
    for (std::string line; std::getline(std::cin, line);)
      if (!line.empty()) texts.push_back(line);
  }
  std::cout << "label\tconfidence\trunner_up\tconfidence\tthreshold\ttext\n";
  for (const std::string& text : texts)
    printPrediction(model, target, text);
  return 0;
}

}  // namespace

void addClassifyCommand(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<ClassifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "classify", "Show what a classifier model says of texts, or how it does on labelled data");
  cmd->add_option("name", o->name, "The classifier (its declared or qualified name)")->required();
  cmd->add_option("words", o->words,
                  "[PATH] TEXT…: the project (a directory or .rflow file; default .), then the "
                  "texts (default: lines of stdin)");
  cmd->add_option("--model", o->model, "The model file (.ftz or .bin)")->required();
  cmd->add_option("--data", o->data,
                  "Labelled examples (CSV `text,label` or .jsonl) to measure the model on");
  cmd->callback([o, &run] { run = [o] { return runClassify(*o); }; });
}

}  // namespace rflow::cli
