// Where the time goes (GET /v1/insights/stages) and the at-risk forecast (GET
// /v1/insights/at-risk), from the engine's stage figures (engine/stage_insights.h): the
// cost of a request depends on the stages and the waits open now, never on history.
#include <fmt/format.h>

#include "base/time_text.h"
#include "service/service.h"
#include "service/views.h"

namespace rflow::service {

using nlohmann::json;

namespace {

json msOrNull(const std::optional<int64_t>& ms) {
  return ms ? json(*ms) : json(nullptr);
}

ApiError unreadable(const store::Status& status) {
  return ApiError{ApiError::Code::kUnavailable,
                  "the stage figures cannot be read: " + status.message()};
}

}  // namespace

Outcome Service::stages(const std::optional<std::string>& workflow,
                        const std::optional<std::string>& by,
                        const std::optional<std::string>& value) const {
  if (!workflow || workflow->empty())
    return ApiError{ApiError::Code::kBadRequest,
                    "`workflow`: expected the name of a workflow (\"ThreeWayMatch\")"};
  if (by.has_value() != value.has_value())
    return ApiError{ApiError::Code::kBadRequest,
                    by ? "`value`: the stages of one tracked value need it (`by=region&value=EU`)"
                       : "`by`: name the tracked dimension `value` is of (`by=region&value=EU`)"};
  std::optional<std::string> qualified = workflow;
  std::optional<engine::StageFilter> filter;
  if (by) {
    auto tracked = trackedDimension(*workflow, *by, "by");
    if (auto* error = std::get_if<ApiError>(&tracked)) return std::move(*error);
    qualified = std::move(std::get<std::string>(tracked));
    filter = engine::StageFilter{*by, *value};
  }
  const int64_t now = engine_.clock().now();
  auto found = engine_.stages(qualified, filter);
  if (!found.ok()) return unreadable(found.status());
  int64_t all = 0;
  json stages = json::array();
  for (const engine::StageInsight& s : found.value()) {
    all += s.total;
    stages.push_back(
        {{"stage", s.stage},
         {"workflow", s.workflow},
         {"entered", s.entered},
         {"open", s.open},
         {"oldest_open", timeOrNull(s.oldest_open_since)},
         {"oldest_open_age_ms", s.oldest_open_since ? json(now - *s.oldest_open_since) : json()},
         {"oldest_open_calendar",
          s.oldest_open_calendar.empty() ? json(nullptr) : json(s.oldest_open_calendar)},
         {"oldest_open_business_age_ms", msOrNull(s.oldest_open_business_age)},
         {"time_in_stage_ms",
          {{"count", s.ended},
           {"p50", msOrNull(s.p50)},
           {"p95", msOrNull(s.p95)},
           {"max", s.ended > 0 ? json(s.max) : json(nullptr)}}},
         {"total_ms", s.total},
         {"share", s.share}});
  }
  json out{{"workflow", *workflow},
           {"now", base::formatTime(now)},
           {"total_ms", all},
           {"stages", std::move(stages)}};
  if (filter) {
    out["by"] = filter->dimension;
    out["value"] = filter->value;
  }
  return out;
}

Outcome Service::atRisk(const std::optional<std::string>& workflow) const {
  const int64_t now = engine_.clock().now();
  auto found = engine_.atRisk(workflow);
  if (!found.ok()) return unreadable(found.status());
  json instances = json::array();
  for (const engine::AtRiskInstance& r : found.value()) {
    instances.push_back({{"id", r.instance},
                         {"workflow", r.workflow},
                         {"stage", r.stage},
                         {"started", base::formatTime(r.started)},
                         {"elapsed_ms", r.elapsed},
                         {"calendar", r.calendar.empty() ? json(nullptr) : json(r.calendar)},
                         {"elapsed_business_ms", msOrNull(r.elapsed_business)},
                         {"predicted_end", base::formatTime(r.predicted_end)},
                         {"sla_end", base::formatTime(r.sla_end)},
                         {"history", r.history}});
  }
  return json{{"now", base::formatTime(now)},
              {"min_history", engine::kAtRiskMinHistory},
              {"instances", std::move(instances)}};
}

}  // namespace rflow::service
