// Loading, holding and asking classifier models (model_registry.h).
#include "runtime/model_registry.h"

#include <fmt/format.h>

#include "base/suggest.h"
#include "vm/print.h"

namespace rflow::runtime {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::variant<uint32_t, std::string> findClassifier(const bytecode::Module& module,
                                                   std::string_view wanted) {
  std::vector<uint32_t> by_short;
  std::vector<std::string_view> declared;
  for (uint32_t i = 0; i < module.classifiers.size(); ++i) {
    const std::string& name = module.strings[module.classifiers[i].name];
    if (name == wanted) return i;
    if (vm::declaredName(name) == wanted) by_short.push_back(i);
    declared.push_back(vm::declaredName(name));
  }
  if (by_short.size() == 1) return by_short.front();
  if (by_short.size() > 1)
    return fmt::format(
        "`{}` names several classifiers of the project: use the qualified name, "
        "like `{}`",
        wanted, module.strings[module.classifiers[by_short.front()].name]);
  std::string message = fmt::format("the project declares no classifier `{}`", wanted);
  if (auto close = base::closestMatch(wanted, declared))
    message += fmt::format(": did you mean `{}`?", *close);
  else if (declared.empty())
    message += "; declare it with `classifier Name -> Enum { … }`";
  return message;
}

std::vector<std::string> enumMembers(const bytecode::Module& module, uint32_t index) {
  std::vector<std::string> out;
  if (index >= module.enums.size()) return out;
  for (const bytecode::StringId member : module.enums[index].members)
    out.push_back(module.strings[member]);
  return out;
}

std::variant<std::shared_ptr<const classifier::Model>, std::string> loadModelFor(
    const std::filesystem::path& path, std::string_view classifier_name,
    const std::vector<std::string>& members, std::string* warning) {
  auto loaded = classifier::Model::loadFile(path);
  // loadFile's messages already start with the path.
  if (auto* problem = std::get_if<std::string>(&loaded))
    return fmt::format("the model of classifier `{}` cannot be loaded: {}", classifier_name,
                       *problem);
  auto model =
      std::make_shared<const classifier::Model>(std::get<classifier::Model>(std::move(loaded)));
  const classifier::LabelCheck check = classifier::checkLabels(*model, members);
  if (check.error)
    return fmt::format(
        "{}: this is not a model for classifier `{}`: {}; its labels are {} and the enum's "
        "members are {} (train one with `rflow train`)",
        path.string(), classifier_name, *check.error, joined(model->labels()), joined(members));
  if (warning && !check.missing.empty())
    *warning = fmt::format(
        "{}: the model of classifier `{}` never predicts {} (it was trained without examples "
        "of them); texts about them go to a person",
        path.string(), classifier_name, joined(check.missing));
  return model;
}

std::optional<std::string> ModelLoadReport::failure() const {
  if (errors.empty()) return std::nullopt;
  std::string out = "the classifier models cannot be loaded, so nothing was started:";
  for (const std::string& e : errors)
    out += "\n  " + e;
  return out;
}

ModelLoadReport ModelRegistry::load(const bytecode::Module& module, const Config& config) {
  ModelLoadReport report;
  std::map<std::string, std::shared_ptr<const classifier::Model>, std::less<>> loaded;
  const std::string file = configName(config);
  for (const ClassifierConfig& entry : config.classifiers) {
    const std::string where = fmt::format("{}:{}:{}: `classifiers.{}`", file, entry.pos.line,
                                          entry.pos.column, entry.name);
    auto found = findClassifier(module, entry.name);
    if (auto* problem = std::get_if<std::string>(&found)) {
      report.errors.push_back(fmt::format("{}: {}", where, *problem));
      continue;
    }
    const bytecode::Classifier& c = module.classifiers[std::get<uint32_t>(found)];
    const std::string& qualified = module.strings[c.name];
    if (loaded.contains(qualified)) {
      report.errors.push_back(fmt::format(
          "{}: classifier `{}` is configured twice (by its short and its qualified name): keep "
          "one table",
          where, qualified));
      continue;
    }
    std::string warning;
    auto model = loadModelFor(entry.model, vm::declaredName(qualified),
                              enumMembers(module, c.labels), &warning);
    if (auto* problem = std::get_if<std::string>(&model)) {
      report.errors.push_back(fmt::format("{}: {}", where, *problem));
      continue;
    }
    if (!warning.empty()) report.warnings.push_back(std::move(warning));
    loaded.emplace(qualified, std::get<std::shared_ptr<const classifier::Model>>(std::move(model)));
  }
  if (report.errors.empty()) {
    std::lock_guard lock(mu_);
    models_ = std::move(loaded);
  }
  return report;
}

void ModelRegistry::set(const std::string& classifier_name,
                        std::shared_ptr<const classifier::Model> model) {
  std::lock_guard lock(mu_);
  if (model)
    models_[classifier_name] = std::move(model);
  else
    models_.erase(classifier_name);
}

std::shared_ptr<const classifier::Model> ModelRegistry::current(
    std::string_view classifier_name) const {
  std::lock_guard lock(mu_);
  const auto it = models_.find(classifier_name);
  return it == models_.end() ? nullptr : it->second;
}

std::optional<engine::ModelAnswer> ModelRegistry::classify(std::string_view classifier_name,
                                                           std::string_view text) {
  // Predict outside the lock: the shared_ptr keeps the model alive if set() replaces it.
  const std::shared_ptr<const classifier::Model> model = current(classifier_name);
  if (!model) return std::nullopt;
  engine::ModelAnswer answer;
  answer.model = model->hash();
  for (classifier::Prediction& p : model->predict(text, 2))
    answer.top.push_back({std::move(p.label), p.confidence});
  return answer;
}

}  // namespace rflow::runtime
