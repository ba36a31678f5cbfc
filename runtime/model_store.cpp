// Keeping classifier models in the store (model_store.h).
#include "runtime/model_store.h"

#include <fmt/format.h>

#include <charconv>

#include "vm/print.h"

namespace rflow::runtime {

namespace {

using store::Column;

std::string key(std::string_view kind, std::string_view name) {
  std::string out(kind);
  out += '\0';
  out += name;
  return out;
}

std::string encodeCurrent(const CurrentModel& c) {
  std::string out = c.hash;
  out += '\0';
  out += c.source;
  out += '\0';
  out += std::to_string(c.since);
  return out;
}

std::optional<CurrentModel> decodeCurrent(std::string_view value) {
  const size_t a = value.find('\0');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = value.find('\0', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  CurrentModel out;
  out.hash = std::string(value.substr(0, a));
  out.source = std::string(value.substr(a + 1, b - a - 1));
  const std::string_view since = value.substr(b + 1);
  const auto [end, ec] = std::from_chars(since.data(), since.data() + since.size(), out.since);
  if (ec != std::errc() || end != since.data() + since.size() || out.hash.size() != 64)
    return std::nullopt;
  return out;
}

}  // namespace

std::variant<std::shared_ptr<const classifier::Model>, std::string> modelFromBytes(
    std::string_view bytes, const bytecode::Module& module, uint32_t index, std::string* warning) {
  const bytecode::Classifier& c = module.classifiers[index];
  const std::string_view name = vm::declaredName(module.strings[c.name]);
  auto loaded = classifier::Model::load(bytes);
  if (auto* problem = std::get_if<std::string>(&loaded))
    return fmt::format("this is not a model classifier `{}` can use: {}", name, *problem);
  auto model =
      std::make_shared<const classifier::Model>(std::get<classifier::Model>(std::move(loaded)));
  const std::vector<std::string> members = enumMembers(module, c.labels);
  const classifier::LabelCheck check = classifier::checkLabels(*model, members);
  if (check.error)
    return fmt::format(
        "this is not a model for classifier `{}`: {}; train one for its enum with `rflow train "
        "{}`",
        name, *check.error, name);
  if (warning && !check.missing.empty()) {
    std::string missing;
    for (const std::string& m : check.missing)
      missing += (missing.empty() ? "" : ", ") + m;
    *warning = fmt::format(
        "the model never predicts {} (it was trained without examples of them); texts about "
        "them go to a person",
        missing);
  }
  return model;
}

store::Result<std::optional<CurrentModel>> ModelStore::current(std::string_view classifier) const {
  auto value = store_.get(Column::kMeta, key("model-current", classifier));
  if (!value.ok()) return value.status();
  if (!value.value()) return std::optional<CurrentModel>();
  auto decoded = decodeCurrent(*value.value());
  if (!decoded)
    return store::Status::failure(fmt::format(
        "the store's record of classifier `{}`'s current model is damaged; put the model "
        "again (PUT /v1/classifiers/{}/model)",
        classifier, classifier));
  return decoded;
}

store::Status ModelStore::install(const std::string& classifier,
                                  std::shared_ptr<const classifier::Model> model,
                                  std::string_view source, int64_t at) {
  std::lock_guard lock(install_mu_);
  store::Batch batch;
  batch.put(Column::kMeta, key("model", model->hash()), model->bytes());
  batch.put(Column::kMeta, key("model-current", classifier),
            encodeCurrent({model->hash(), std::string(source), at}));
  if (source == kSourceConfig)
    batch.put(Column::kMeta, key("model-config", classifier), model->hash());
  if (store::Status written = store_.commit(batch); !written.ok()) return written;
  registry_.set(classifier, std::move(model));
  return {};
}

ModelLoadReport ModelStore::restore(const bytecode::Module& module, int64_t now) {
  ModelLoadReport report;
  for (uint32_t i = 0; i < module.classifiers.size(); ++i) {
    const std::string& name = module.strings[module.classifiers[i].name];
    const std::shared_ptr<const classifier::Model> configured = registry_.current(name);
    auto noted = store_.get(Column::kMeta, key("model-config", name));
    auto stored = current(name);
    if (!noted.ok() || !stored.ok()) {
      report.errors.push_back((noted.ok() ? stored.status() : noted.status()).message());
      continue;
    }
    // A config model the service has not seen yet: the operator just named or changed it.
    if (configured && noted.value() != configured->hash()) {
      if (store::Status s = install(name, configured, kSourceConfig, now); !s.ok())
        report.errors.push_back(s.message());
      continue;
    }
    const std::optional<CurrentModel>& current_model = stored.value();
    if (!current_model) continue;
    if (configured && current_model->hash == configured->hash()) continue;
    // The config no longer names the model it once made current: take it away, as the
    // operator did. An uploaded model stays until another replaces it.
    if (!configured && current_model->source == kSourceConfig) {
      store::Batch batch;
      batch.remove(Column::kMeta, key("model-current", name));
      batch.remove(Column::kMeta, key("model-config", name));
      if (store::Status s = store_.commit(batch); !s.ok()) report.errors.push_back(s.message());
      continue;
    }
    auto bytes = store_.get(Column::kMeta, key("model", current_model->hash));
    if (!bytes.ok()) {
      report.errors.push_back(bytes.status().message());
      continue;
    }
    if (!bytes.value()) {
      report.warnings.push_back(fmt::format(
          "classifier `{}`: the store names model {} as current but does not hold it; put a "
          "model again (PUT /v1/classifiers/{}/model)",
          vm::declaredName(name), current_model->hash.substr(0, 12), vm::declaredName(name)));
      continue;
    }
    std::string warning;
    auto model = modelFromBytes(*bytes.value(), module, i, &warning);
    if (auto* problem = std::get_if<std::string>(&model)) {
      report.warnings.push_back(fmt::format(
          "the stored model {} of classifier `{}` is left out, so a person decides until a new "
          "one is put: {}",
          current_model->hash.substr(0, 12), vm::declaredName(name), *problem));
      continue;
    }
    if (!warning.empty())
      report.warnings.push_back(
          fmt::format("classifier `{}`: {}", vm::declaredName(name), warning));
    registry_.set(name, std::get<std::shared_ptr<const classifier::Model>>(std::move(model)));
  }
  return report;
}

}  // namespace rflow::runtime
