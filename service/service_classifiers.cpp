// The classifier list and model uploads (intelligence.md §1): which model answers each
// classifier of the current deployment, how well it does, and replacing it.
#include <fmt/format.h>

#include "base/time_text.h"
#include "service/service.h"
#include "service/views.h"
#include "vm/print.h"

namespace rflow::service {

using nlohmann::json;

namespace {

json modelJson(const classifier::Model& model, const std::optional<runtime::CurrentModel>& kept) {
  json out = {{"hash", model.hash()},
              {"short", model.hash().substr(0, 12)},
              {"bytes", model.bytes().size()},
              {"quantized", model.quantized()},
              {"labels", model.labels()},
              {"source", nullptr},
              {"since", nullptr}};
  // The store's record describes this model only when it names the same file (a model
  // from rflow.toml that `rflow run` loaded has none).
  if (kept && kept->hash == model.hash()) {
    out["source"] = kept->source;
    out["since"] = base::formatTime(kept->since);
  }
  return out;
}

}  // namespace

Outcome Service::classifiers() const {
  json items = json::array();
  const auto program = engine_.currentProgram();
  if (!program) return json{{"classifiers", std::move(items)}};
  const bytecode::Module& m = program->module();
  const std::vector<engine::ClassifierQuality> quality = engine_.classifierQuality();
  for (uint32_t i = 0; i < m.classifiers.size(); ++i) {
    const bytecode::Classifier& c = m.classifiers[i];
    const std::string& name = m.strings[c.name];
    json entry = {{"name", name},
                  {"declared", vm::declaredName(name)},
                  {"labels", runtime::enumMembers(m, c.labels)},
                  {"threshold", c.threshold.digits},
                  {"model", nullptr}};
    const auto model = models_ ? models_->current(name) : nullptr;
    if (model) {
      std::optional<runtime::CurrentModel> kept;
      if (model_store_) {
        auto current = model_store_->current(name);
        if (!current.ok())
          return ApiError{ApiError::Code::kUnavailable, current.status().message()};
        kept = current.value();
      }
      entry["model"] = modelJson(*model, kept);
    }
    int64_t examples = 0;
    json per_model = json::array();
    for (const engine::ClassifierQuality& q : quality) {
      if (q.classifier != name) continue;
      examples += q.learned;
      per_model.push_back(classifierQualityJson(q));
    }
    entry["examples"] = examples;
    entry["quality"] = std::move(per_model);
    items.push_back(std::move(entry));
  }
  return json{{"classifiers", std::move(items)}};
}

Outcome Service::putModel(std::string_view name, std::string_view bytes) {
  if (!models_ || !model_store_)
    return ApiError{ApiError::Code::kConflict, "this service keeps no classifier models"};
  const auto program = engine_.currentProgram();
  if (!program)
    return ApiError{ApiError::Code::kNotFound,
                    "nothing is deployed yet, so there is no classifier; POST /v1/deployments "
                    "first"};
  const bytecode::Module& m = program->module();
  auto found = runtime::findClassifier(m, name);
  if (auto* problem = std::get_if<std::string>(&found))
    return ApiError{ApiError::Code::kNotFound, *problem + " (GET /v1/classifiers lists them)"};
  if (bytes.empty())
    return ApiError{ApiError::Code::kBadRequest,
                    "the body is empty: send the model file's bytes (curl --data-binary "
                    "@model.ftz), as `rflow train` wrote it"};
  const uint32_t index = std::get<uint32_t>(found);
  std::string warning;
  auto model = runtime::modelFromBytes(bytes, m, index, &warning);
  if (auto* problem = std::get_if<std::string>(&model))
    return ApiError{ApiError::Code::kBadRequest, *problem + "; the current model is unchanged"};
  const std::string& qualified = m.strings[m.classifiers[index].name];
  store::Status installed = model_store_->install(
      qualified, std::get<std::shared_ptr<const classifier::Model>>(std::move(model)),
      runtime::kSourceUpload, engine_.clock().now());
  if (!installed.ok())
    return ApiError{
        ApiError::Code::kUnavailable,
        "the model was not kept, and the current one is unchanged: " + installed.message()};
  Outcome listed = classifiers();
  if (auto* error = std::get_if<ApiError>(&listed)) return std::move(*error);
  for (json& entry : std::get<json>(listed)["classifiers"]) {
    if (entry["name"] != qualified) continue;
    entry["warnings"] = warning.empty() ? json::array() : json::array({warning});
    return std::move(entry);
  }
  return ApiError{ApiError::Code::kConflict,
                  "the deployment changed while the model was put; GET /v1/classifiers"};
}

}  // namespace rflow::service
