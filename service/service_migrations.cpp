// POST /v1/migrations and GET /v1/versions (service.h): the request's checks and the
// answers' shape; the moving itself is Engine::migrate (runtime/engine/migrations.cpp).
#include <fmt/format.h>

#include "service/service.h"

namespace rflow::service {

namespace {

using nlohmann::json;

ApiError badField(std::string_view field, std::string_view expected) {
  return {ApiError::Code::kBadRequest, fmt::format("`{}`: expected {}", field, expected)};
}

json reportJson(const engine::MigrationReport& r) {
  json places = json::array();
  for (const engine::MigrationPlace& p : r.places) {
    json place = {{"place", p.place},       {"kind", p.kind},   {"stage", p.stage},
                  {"ordinal", p.ordinal},   {"maps", p.maps},   {"waiting", p.waiting}};
    if (!p.maps) place["reason"] = p.reason;
    places.push_back(std::move(place));
  }
  json left = json::array();
  for (const engine::MigrationLeft& l : r.left)
    left.push_back({{"instance", l.instance}, {"reason", l.reason}});
  return {{"workflow", r.workflow}, {"from", r.from},   {"to", r.to},
          {"dry_run", r.dry_run},   {"moved", r.moved}, {"places", std::move(places)},
          {"left", std::move(left)}};
}

}  // namespace

Outcome Service::migrate(const Caller& caller, const json& body) {
  if (!body.is_object())
    return ApiError{ApiError::Code::kBadRequest,
                    "the body: expected an object like {\"from\": \"<version>\", \"to\": "
                    "\"<version>\", \"workflow\": \"Purchase\", \"dry_run\": true}"};
  engine::MigrationRequest request;
  request.by = caller.name;
  bool has_from = false, has_to = false, has_workflow = false;
  for (const auto& [name, value] : body.items()) {
    if (name == "from" || name == "to" || name == "workflow") {
      if (!value.is_string() || value.get<std::string>().empty())
        return badField(name, name == "workflow" ? "a workflow's name" : "a version (hex)");
      (name == "from" ? request.from : name == "to" ? request.to : request.workflow) =
          value.get<std::string>();
      (name == "from" ? has_from : name == "to" ? has_to : has_workflow) = true;
    } else if (name == "dry_run") {
      if (!value.is_boolean()) return badField(name, "true or false");
      request.dry_run = value.get<bool>();
    } else {
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`{}`: unknown field; a migration has from, to, workflow and "
                                  "dry_run (optional, true unless false)",
                                  name)};
    }
  }
  for (const auto& [present, field] :
       {std::pair{has_from, "from"}, std::pair{has_to, "to"}, std::pair{has_workflow, "workflow"}}) {
    if (!present)
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`{}`: required (GET /v1/versions lists the versions)", field)};
  }
  auto report = engine_.migrate(request);
  if (auto* error = std::get_if<engine::EngineError>(&report)) return fromEngine(*error);
  return reportJson(std::get<engine::MigrationReport>(report));
}

Outcome Service::versions() const {
  auto found = engine_.versionsInUse();
  if (!found) return fromEngine(found.error());
  const std::optional<std::string> current = engine_.currentVersion();
  json items = json::array();
  for (const auto& [version, live] : *found)
    items.push_back({{"version", version}, {"live", live}, {"current", version == current}});
  return json{{"current", current ? json(*current) : json(nullptr)}, {"items", std::move(items)}};
}

}  // namespace rflow::service
