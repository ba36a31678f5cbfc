// Deployments and the list of deployed workflows. A deployment compiles sources held in
// memory (the paths in the body are labels in diagnostics, never opened), checks the
// module against the configured connectors, and only then stores it.
#include <fmt/format.h>

#include "bytecode/write.h"
#include "diagnostics/render.h"
#include "driver/build.h"
#include "driver/docs.h"
#include "engine/program_cache.h"
#include "runtime/contract_diff.h"
#include "service/service.h"
#include "service/views.h"
#include "vm/print.h"

namespace rflow::service {

using nlohmann::json;

namespace {

// A path as a label: short, printable, relative, and free of `..` so that diagnostics
// cannot be made to look like they come from elsewhere.
std::optional<std::string> pathProblem(const std::string& path) {
  if (path.empty()) return "a file path is empty";
  if (path.size() > 512) return "a file path is longer than 512 bytes";
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) return "a file path contains a control character";
  }
  if (path.front() == '/' || path.find("..") != std::string::npos)
    return fmt::format("`{}`: use a relative path without `..` (it only labels diagnostics)", path);
  return std::nullopt;
}

}  // namespace

json Service::modelWarnings(const bytecode::Module& module) const {
  json out = json::array();
  if (!models_) return out;
  // The models stay current: an enum that lost a member only makes classify pass over
  // that label, and a person decides where it was the best guess.
  for (const bytecode::Classifier& c : module.classifiers) {
    const std::string& name = module.strings[c.name];
    const auto model = models_->current(name);
    if (!model) continue;
    const classifier::LabelCheck check =
        classifier::checkLabels(*model, runtime::enumMembers(module, c.labels));
    if (check.error)
      out.push_back(fmt::format(
          "classifier `{}`: its current model {} no longer fits the enum ({}); classify passes "
          "over that label until a model trained for the new enum is put (PUT "
          "/v1/classifiers/{}/model)",
          vm::declaredName(name), model->hash().substr(0, 12), *check.error,
          vm::declaredName(name)));
  }
  return out;
}

Outcome Service::deploy(const json& body, const std::string& by) {
  if (!body.is_object() || !body.contains("files") || !body["files"].is_object())
    return ApiError{ApiError::Code::kBadRequest,
                    "the body must be {\"files\": {\"path.rflow\": \"source text\", …}}"};
  for (const auto& [key, value] : body.items()) {
    if (key != "files")
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`{}`: unknown member; a deployment has only `files`", key)};
  }
  const json& files = body["files"];
  if (files.empty())
    return ApiError{ApiError::Code::kBadRequest, "`files`: give at least one .rflow file"};
  if (files.size() > source::kMaxProjectFiles)
    return ApiError{ApiError::Code::kBadRequest,
                    fmt::format("`files`: at most {} files", source::kMaxProjectFiles)};
  source::SourceSet sources;
  for (const auto& [path, text] : files.items()) {
    if (auto problem = pathProblem(path))
      return ApiError{ApiError::Code::kBadRequest, "`files`: " + *problem};
    if (!text.is_string())
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`files.{}`: expected the source text as a string", path)};
    sources.add(path, text.get<std::string>());
  }
  compiler::BuildResult built = compiler::buildSources(sources);
  // toJson gives {"diagnostics": […], "errors": n, "warnings": n}; the API lists them.
  json diagnostics =
      diagnostics::toJson(built.check.diagnostics, built.check.sources)["diagnostics"];
  if (!built.module) {
    size_t errors = 0;
    for (const auto& d : built.check.diagnostics)
      errors += d.severity == diagnostics::Severity::kError ? 1 : 0;
    return ApiError{ApiError::Code::kBadRequest,
                    fmt::format("the project has {} error{}; nothing was deployed", errors,
                                errors == 1 ? "" : "s"),
                    json{{"diagnostics", std::move(diagnostics)}}};
  }
  if (auto problems = connectors_.checkModule(*built.module); !problems.empty()) {
    std::string text;
    for (const std::string& p : problems)
      text += (text.empty() ? "" : "; ") + p;
    return ApiError{ApiError::Code::kBadRequest,
                    "the project and the service's connectors do not match, so nothing was "
                    "deployed: " +
                        text,
                    json{{"diagnostics", std::move(diagnostics)}}};
  }
  // What breaks the callers of the version deployed now (docs/integration.md): reported,
  // not refused — the instances on the old version keep running on it, and the caller
  // decided to deploy (`rflow build --deny-breaking` is where to refuse).
  json breaking = json::array();
  if (const auto current = engine_.currentProgram()) {
    for (const runtime::ContractChange& change :
         runtime::diffContracts(current->module(), *built.module)) {
      if (change.breaking && change.inbound)
        breaking.push_back(json{{"where", change.where}, {"what", change.what}});
    }
  }
  json cluster;  // what the cluster's deployment log added, when there is one
  std::string version;
  runtime::DocTable docs = compiler::collectDocs(built.check.program);
  if (publish_) {
    std::vector<uint8_t> bytes = bytecode::writeModule(*built.module);
    const auto v = engine::versionOfModule(bytes);
    if (!v)
      return ApiError{ApiError::Code::kBadRequest,
                      "the compiled project does not load as a module; nothing was deployed"};
    version = *v;
    Outcome published = publish_(std::move(bytes), version, by, docs);
    if (auto* error = std::get_if<ApiError>(&published)) return *error;
    cluster = std::get<json>(std::move(published));
  } else {
    auto deployed = engine_.deploy(bytecode::writeModule(*built.module));
    if (auto* error = std::get_if<engine::EngineError>(&deployed)) return fromEngine(*error);
    version = std::get<std::string>(deployed);
  }
  setDocs(version, std::move(docs));
  json names = json::array();
  for (const bytecode::Workflow& w : built.module->workflows)
    names.push_back(built.module->strings[w.name]);
  json answer{{"version", version},
              {"workflows", std::move(names)},
              {"diagnostics", std::move(diagnostics)},
              {"warnings", modelWarnings(*built.module)},
              {"breaking", std::move(breaking)}};
  if (cluster.is_object()) answer.update(cluster);
  return answer;
}

void Service::setDocs(std::string version, runtime::DocTable docs) {
  auto shared = std::make_shared<const runtime::DocTable>(std::move(docs));
  std::lock_guard lock(docs_mutex_);
  docs_version_ = std::move(version);
  docs_ = std::move(shared);
}

std::optional<Service::Contract> Service::contract() const {
  auto program = engine_.currentProgram();
  if (!program) return std::nullopt;
  Contract out{program, engine::versionOf(*program), nullptr};
  {
    std::lock_guard lock(docs_mutex_);
    if (docs_version_ == out.version) out.docs = docs_;
  }
  if (out.docs || !docs_source_) return out;
  // Asked outside the lock: a cluster node may read its deployment log.
  out.docs = docs_source_(out.version);
  if (out.docs) {
    std::lock_guard lock(docs_mutex_);
    docs_version_ = out.version;
    docs_ = out.docs;
  }
  return out;
}

Outcome Service::workflows() const {
  const auto program = engine_.currentProgram();
  json items = json::array();
  if (!program) return json{{"version", nullptr}, {"items", std::move(items)}};
  const bytecode::Module& m = program->module();
  const std::string version = *engine_.currentVersion();
  for (uint32_t i = 0; i < m.workflows.size(); ++i)
    items.push_back(workflowJson(m, i, version));
  return json{{"version", version}, {"items", std::move(items)}};
}

}  // namespace rflow::service
