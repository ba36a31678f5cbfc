// Where the time goes (GET /v1/insights/stages) and the at-risk forecast (GET
// /v1/insights/at-risk), from the engine's stage figures (engine/stage_insights.h): the
// cost of a request depends on the stages and the waits open now, never on history.
#include <fmt/format.h>

#include "service/service.h"

namespace rflow::service {

using nlohmann::json;

namespace {

ApiError unreadable(const store::Status& status) {
  return ApiError{ApiError::Code::kUnavailable,
                  "the stage figures cannot be read: " + status.message()};
}

}  // namespace

std::variant<StagesParts, ApiError> Service::stagesParts(
    const std::optional<std::string>& workflow, const std::optional<std::string>& by,
    const std::optional<std::string>& value) const {
  if (!workflow || workflow->empty())
    return ApiError{ApiError::Code::kBadRequest,
                    "`workflow`: expected the name of a workflow (\"ThreeWayMatch\")"};
  if (by.has_value() != value.has_value())
    return ApiError{ApiError::Code::kBadRequest,
                    by ? "`value`: the stages of one tracked value need it (`by=region&value=EU`)"
                       : "`by`: name the tracked dimension `value` is of (`by=region&value=EU`)"};
  std::optional<std::string> qualified = workflow;
  StagesParts parts;
  parts.workflow = *workflow;
  if (by) {
    auto tracked = trackedDimension(*workflow, *by, "by");
    if (auto* error = std::get_if<ApiError>(&tracked)) return std::move(*error);
    qualified = std::move(std::get<std::string>(tracked));
    parts.filter = engine::StageFilter{*by, *value};
  }
  parts.now = engine_.clock().now();
  auto found = engine_.stageParts(qualified, parts.filter);
  if (!found.ok()) return unreadable(found.status());
  parts.parts = std::move(found.value());
  return parts;
}

Outcome Service::stages(const std::optional<std::string>& workflow,
                        const std::optional<std::string>& by,
                        const std::optional<std::string>& value) const {
  auto parts = stagesParts(workflow, by, value);
  if (auto* error = std::get_if<ApiError>(&parts)) return std::move(*error);
  return stagesJson(std::get<StagesParts>(parts));
}

ForecastParts Service::forecastParts(const std::optional<std::string>& workflow) const {
  return {engine_.stageFigures(workflow)};
}

std::variant<AtRiskParts, ApiError> Service::atRiskUnder(const engine::Forecast& forecast) const {
  AtRiskParts parts;
  parts.now = engine_.clock().now();
  auto found = engine_.atRisk(forecast);
  if (!found.ok()) return unreadable(found.status());
  parts.instances = std::move(found.value());
  return parts;
}

Outcome Service::atRisk(const std::optional<std::string>& workflow) const {
  auto parts = atRiskUnder(engine::forecastOf(forecastParts(workflow).figures));
  if (auto* error = std::get_if<ApiError>(&parts)) return std::move(*error);
  return atRiskJson(std::get<AtRiskParts>(parts));
}

}  // namespace rflow::service
