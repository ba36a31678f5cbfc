// Figures per tracked dimension (intelligence.md §2, docs/insights.md): the `by` and
// `period` parameters of GET /v1/insights, and which workflow and dimension a request
// names. Everything is read from the engine's daily counters per tracked value
// (engine/dimension_insights.h): the cost grows with days and values, not instances.
#include <fmt/format.h>

#include <algorithm>

#include "base/suggest.h"
#include "base/time_text.h"
#include "runtime/duration_text.h"
#include "service/service.h"
#include "service/views.h"

namespace rflow::service {

using nlohmann::json;

namespace {

// A span longer than this asks for more history than the dashboard shows.
constexpr int64_t kMaxPeriodDays = 366;

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

std::variant<std::string, ApiError> Service::trackedDimension(std::string_view workflow,
                                                              std::string_view dimension,
                                                              std::string_view param) const {
  const auto program = engine_.currentProgram();
  if (!program)
    return ApiError{ApiError::Code::kNotFound,
                    "nothing is deployed yet; POST /v1/deployments first"};
  const bytecode::Module& m = program->module();
  auto found = engine::findWorkflow(m, workflow);
  if (auto* error = std::get_if<engine::EngineError>(&found)) return fromEngine(*error);
  const uint32_t w = std::get<uint32_t>(found);
  std::vector<std::string_view> tracked;
  if (const bytecode::WorkflowFigures* figures = bytecode::figuresOf(m, w)) {
    for (const bytecode::Figure& t : figures->tracks)
      tracked.push_back(m.strings[t.name]);
  }
  if (std::find(tracked.begin(), tracked.end(), dimension) != tracked.end())
    return std::string(m.strings[m.workflows[w].name]);
  std::string message =
      fmt::format("`{}`: workflow `{}` tracks no dimension `{}`", param, workflow, dimension);
  if (auto close = base::closestMatch(dimension, tracked))
    message += fmt::format("; did you mean `{}`?", *close);
  else if (tracked.empty())
    message += " (it has no `track` clause)";
  else
    message += fmt::format("; it tracks {}", fmt::join(tracked, ", "));
  return ApiError{ApiError::Code::kBadRequest, std::move(message)};
}

std::variant<InsightsParts::By, ApiError> Service::insightsBy(
    const std::optional<std::string>& workflow, const std::string& by,
    const std::optional<int64_t>& since, const std::optional<std::string>& period,
    int64_t now) const {
  if (!workflow || workflow->empty())
    return ApiError{ApiError::Code::kBadRequest,
                    "`by`: figures by a tracked dimension are of one workflow; add `workflow=…`"};
  auto qualified = trackedDimension(*workflow, by, "by");
  if (auto* error = std::get_if<ApiError>(&qualified)) return std::move(*error);
  engine::DimensionQuery query;
  query.workflow = std::get<std::string>(qualified);
  query.dimension = by;
  const int64_t today = floorDiv(now, engine::kDayMs);
  std::optional<int64_t> days;
  if (period) {
    auto parsed = runtime::parseDurationText(*period);
    const int64_t* ms = std::get_if<int64_t>(&parsed);
    if (!ms || *ms <= 0 || *ms % engine::kDayMs != 0 || *ms / engine::kDayMs > kMaxPeriodDays)
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`period`: expected whole days from 1d to {}d (\"7d\"), got "
                                  "\"{}\"; figures by a tracked value are kept per day",
                                  kMaxPeriodDays, *period)};
    days = *ms / engine::kDayMs;
  }
  // The span is whole UTC days. With a period: the `period` days from `since`, or the
  // last `period` days up to today (today so far included); without: from `since`'s day.
  if (days && since) {
    query.from_day = floorDiv(*since, engine::kDayMs);
    query.to_day = query.from_day + *days;
  } else if (days) {
    query.to_day = today + 1;
    query.from_day = query.to_day - *days;
  } else {
    query.from_day = floorDiv(since.value_or(now - 7 * engine::kDayMs), engine::kDayMs);
    query.to_day = today + 1;
  }
  query.compare = days.has_value();
  InsightsParts::By out;
  const auto program = engine_.currentProgram();
  const bytecode::Module& m = program->module();
  if (auto w = engine::findWorkflow(m, query.workflow); std::holds_alternative<uint32_t>(w)) {
    if (const bytecode::WorkflowFigures* declared = bytecode::figuresOf(m, std::get<uint32_t>(w)))
      for (const bytecode::Figure& f : declared->measures)
        out.measure_kinds[std::string(m.strings[f.name])] = measureKind(m.types[f.type].tag);
  }
  out.parts = engine_.dimensionParts(query);
  out.query = std::move(query);
  out.period = period;
  return out;
}

}  // namespace rflow::service
