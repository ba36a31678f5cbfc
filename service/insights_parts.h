// The insights answers (GET /v1/insights, /v1/insights/stages, /v1/insights/at-risk) as
// mergeable parts, and the public answers computed from them (docs/cluster.md
// "Insights"). One node computes its parts and renders them here; a cluster's front door
// (partition_insights.cpp) gathers every partition's parts, adds them together
// (engine/insights_merge.h) and renders them with the same functions, so there is one
// place where quantiles, shares, rankings, trends and forecasts are computed.
//
// Between nodes the parts travel as JSON (the internal form of each route, asked with
// `Rflow-Insights-Form: parts`, or `forecast` for the second round of at-risk); the
// decoders refuse a document that is not one, naming what is wrong.
//
// Invariants:
//   - Every figure in the parts adds exactly: counts, sums, histogram buckets, maxima,
//     oldest times. Nothing that does not (a quantile, a share, a rank) is in them.
//   - A node's circuit breakers are the node's, not a partition's: a cluster keeps one
//     node's once (PartitionRouter) and adds different nodes' by connector.
#pragma once

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/dimension_insights.h"
#include "engine/metrics.h"
#include "engine/stage_insights.h"
#include "runtime/circuit_breaker.h"

namespace rflow::service {

// The header that asks a partition for the internal form of an insights route.
inline constexpr std::string_view kInsightsFormHeader = "Rflow-Insights-Form";
inline constexpr std::string_view kPartsForm = "parts";        // the route's mergeable parts
inline constexpr std::string_view kForecastForm = "forecast";  // at-risk under a given forecast

// Open tasks by age, as the answers and /metrics name the buckets (metrics.h).
inline constexpr std::array<std::string_view, 4> kTaskAgeNames = {"<1h", "1-4h", "4-24h", ">24h"};

// GET /v1/insights.
struct InsightsParts {
  engine::Insights insights;
  std::vector<engine::ClassifierQuality> classifiers;
  std::vector<runtime::BreakerView> breakers;
  bool writable = true;
  int64_t stalled_work = 0;
  // With `by`: the figures per tracked value, before ranking.
  struct By {
    engine::DimensionQuery query;
    std::optional<std::string> period;                 // as asked ("7d")
    std::map<std::string, std::string> measure_kinds;  // declared measure -> "money", …
    engine::DimensionParts parts;
  };
  std::optional<By> by;
};
void mergeParts(InsightsParts& to, const InsightsParts& from);
nlohmann::json insightsJson(const InsightsParts& parts);  // the public answer
nlohmann::json partsJson(const InsightsParts& parts);
std::variant<InsightsParts, std::string> insightsPartsOf(const nlohmann::json& doc);

// GET /v1/insights/stages.
struct StagesParts {
  std::string workflow;  // as asked
  std::optional<engine::StageFilter> filter;
  int64_t now = 0;
  engine::StageParts parts;
};
void mergeParts(StagesParts& to, const StagesParts& from);
nlohmann::json stagesJson(const StagesParts& parts);
nlohmann::json partsJson(const StagesParts& parts);
std::variant<StagesParts, std::string> stagesPartsOf(const nlohmann::json& doc);

// GET /v1/insights/at-risk, first round: what the forecast rests on (engine::forecastOf).
struct ForecastParts {
  std::vector<engine::StageFigures> figures;
};
nlohmann::json partsJson(const ForecastParts& parts);
std::variant<ForecastParts, std::string> forecastPartsOf(const nlohmann::json& doc);
nlohmann::json forecastJson(const engine::Forecast& forecast);
std::variant<engine::Forecast, std::string> forecastOf(const nlohmann::json& doc);

// Second round, and one node's whole answer: the waits at risk under one forecast.
struct AtRiskParts {
  int64_t now = 0;
  std::vector<engine::AtRiskInstance> instances;  // engine::orderAtRisk's order
};
void mergeParts(AtRiskParts& to, const AtRiskParts& from);
nlohmann::json atRiskJson(const AtRiskParts& parts);
nlohmann::json partsJson(const AtRiskParts& parts);
std::variant<AtRiskParts, std::string> atRiskPartsOf(const nlohmann::json& doc);

}  // namespace rflow::service
