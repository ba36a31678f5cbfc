// Insights in a cluster (docs/cluster.md "Insights"): the front door asks every partition
// for the mergeable parts of the answer (insights_parts.h; in-process for its own, one
// hop for the others'), adds them and renders them with the code one node uses. At-risk
// takes two rounds: every partition's stage history first, from which the forecast is
// computed once, then every partition's waits at risk under that forecast.
//
// A partition that cannot answer fails the whole answer with a 503 naming it: figures
// silently missing a partition would look complete. A 4xx (a bad parameter, a bad token)
// is every partition's same answer, passed on as one node gives it.
#include <fmt/format.h>

#include "engine/insights_merge.h"
#include "service/gather_replies.h"
#include "service/insights_parts.h"
#include "service/partition_router.h"

namespace rflow::service {

using nlohmann::json;

namespace {

HttpReply unavailable(uint32_t partition, std::string_view why,
                      std::string_view what = "give its insights",
                      std::string_view then =
                          "the figures of a cluster are of every partition "
                          "or none. Ask again once it answers") {
  return routed(
      errorReply({ApiError::Code::kUnavailable,
                  fmt::format("partition {} cannot {}: {}; {}", partition, what, why, then)}),
      "(gather)");
}

template <typename Parts, typename Decode>
std::variant<std::vector<Parts>, HttpReply> decodeAll(const std::vector<json>& docs,
                                                      Decode decode) {
  std::vector<Parts> out;
  for (size_t p = 0; p < docs.size(); ++p) {
    auto parts = decode(docs[p]);
    if (auto* problem = std::get_if<std::string>(&parts))
      return unavailable(static_cast<uint32_t>(p), *problem);
    out.push_back(std::move(std::get<Parts>(parts)));
  }
  return out;
}

}  // namespace

std::variant<std::vector<json>, HttpReply> PartitionRouter::askEveryPartition(
    const HttpRequest& request, const Asking& asking, std::vector<std::string>* nodes) const {
  HttpRequest hop = request;
  hop.insights_form = std::string(asking.form);
  hop.body = asking.body;
  std::vector<json> out;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    if (nodes) {
      const PartitionTarget target = directory_.target(p);
      const auto* remote = std::get_if<RemoteTarget>(&target);
      nodes->push_back(remote ? remote->base_url : std::string());
    }
    HttpReply reply = toPartition(p, hop);
    // The request's own fault (a parameter, the token): every partition says the same, so
    // the first partition's 4xx is the answer. A 4xx after others answered 200 is this
    // partition's alone (a deployment that has not reached it yet): named below.
    if (reply.status / 100 == 4 && reply.status != 421 && out.empty())
      return routed(std::move(reply), "(gather)");
    if (reply.status != 200) {
      // Those of the hop (no owner, not reachable, a 421 passed on) name the partition
      // already.
      const std::string message = messageOf(reply);
      if (message.find(fmt::format("partition {} ", p)) != std::string::npos) return reply;
      const bool alone = reply.status / 100 == 4 && reply.status != 421;
      return unavailable(p,
                         fmt::format("it answered {}: {}{}", reply.status, message,
                                     alone ? " (the partitions before it did not: a deployment "
                                             "may not have reached it yet)"
                                           : ""),
                         asking.what, asking.then);
    }
    json doc = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object())
      return unavailable(p, "it answered with something that is not JSON", asking.what,
                         asking.then);
    out.push_back(std::move(doc));
  }
  return out;
}

HttpReply PartitionRouter::gatherInsights(const GatherInsights& insights,
                                          const HttpRequest& request) const {
  using Kind = GatherInsights::Kind;
  std::vector<std::string> nodes;
  auto asked = askEveryPartition(request, {.form = kPartsForm, .body = {}}, &nodes);
  if (auto* reply = std::get_if<HttpReply>(&asked)) return std::move(*reply);
  const std::vector<json>& docs = std::get<std::vector<json>>(asked);

  if (insights.kind == Kind::kSummary) {
    auto decoded = decodeAll<InsightsParts>(docs, insightsPartsOf);
    if (auto* reply = std::get_if<HttpReply>(&decoded)) return std::move(*reply);
    auto& all = std::get<std::vector<InsightsParts>>(decoded);
    // Circuit breakers are a node's, and each of its partitions reports them: one node's
    // once.
    for (size_t p = 1; p < all.size(); ++p) {
      if (std::find(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(p), nodes[p]) !=
          nodes.begin() + static_cast<std::ptrdiff_t>(p))
        all[p].breakers.clear();
      mergeParts(all[0], all[p]);
    }
    return jsonAnswer(insightsJson(all[0]), "/v1/insights");
  }
  if (insights.kind == Kind::kStages) {
    auto decoded = decodeAll<StagesParts>(docs, stagesPartsOf);
    if (auto* reply = std::get_if<HttpReply>(&decoded)) return std::move(*reply);
    auto& all = std::get<std::vector<StagesParts>>(decoded);
    for (size_t p = 1; p < all.size(); ++p)
      mergeParts(all[0], all[p]);
    return jsonAnswer(stagesJson(all[0]), "/v1/insights/stages");
  }
  // At-risk: the forecast rests on every partition's history, merged.
  auto history = decodeAll<ForecastParts>(docs, forecastPartsOf);
  if (auto* reply = std::get_if<HttpReply>(&history)) return std::move(*reply);
  auto& figures = std::get<std::vector<ForecastParts>>(history);
  for (size_t p = 1; p < figures.size(); ++p)
    engine::mergeStageFigures(figures[0].figures, figures[p].figures);
  const engine::Forecast forecast = engine::forecastOf(figures[0].figures);
  auto listed =
      askEveryPartition(request, {.form = kForecastForm, .body = forecastJson(forecast).dump()});
  if (auto* reply = std::get_if<HttpReply>(&listed)) return std::move(*reply);
  auto decoded = decodeAll<AtRiskParts>(std::get<std::vector<json>>(listed), atRiskPartsOf);
  if (auto* reply = std::get_if<HttpReply>(&decoded)) return std::move(*reply);
  auto& all = std::get<std::vector<AtRiskParts>>(decoded);
  for (size_t p = 1; p < all.size(); ++p)
    mergeParts(all[0], all[p]);
  return jsonAnswer(atRiskJson(all[0]), "/v1/insights/at-risk");
}

}  // namespace rflow::service
