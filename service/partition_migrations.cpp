// Migrations and versions in a cluster (docs/cluster.md "Migrations across partitions"):
// POST /v1/migrations and GET /v1/versions asked of every partition, in-process for this
// node's own and one hop for the others', and the answers merged.
//
// A migration moves the waiting instances of each partition in that partition's own
// steps, so across partitions it cannot be one atomic change. What the front door does
// instead: a dry run on every partition first (the same body with "dry_run": true). Only
// when every partition answered it, and the request is not itself a dry run, does it ask
// each partition to migrate. So an owner that cannot be reached, or a partition the `to`
// version has not reached yet, stops the migration before anything moved. A partition
// that fails between the two rounds leaves the others moved: the 503 says which moved
// and which did not, and sending the same request again moves the rest (what moved is
// no longer on `from`).
#include <fmt/format.h>

#include <map>
#include <set>

#include "service/gather_replies.h"
#include "service/partition_router.h"

namespace rflow::service {

using nlohmann::json;

namespace {

constexpr std::string_view kMigrationsRoute = "/v1/migrations";
constexpr std::string_view kVersionsRoute = "/v1/versions";

HttpReply unavailable(std::string message, std::string_view route) {
  return routed(errorReply({ApiError::Code::kUnavailable, std::move(message)}), route);
}

int64_t countOf(const json& doc, std::string_view field) {
  const auto it = doc.find(field);
  return it != doc.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// The partitions' reports as one: `moved` and each place's `waiting` added up, `left`
// one after another. Every partition compares the same two versions, so their places
// are the same list; a partition whose list differs is named instead.
std::variant<json, std::string> mergeReports(const std::vector<json>& docs) {
  json merged = docs.front();
  int64_t moved = 0;
  json left = json::array();
  for (size_t p = 0; p < docs.size(); ++p) {
    const json& doc = docs[p];
    moved += countOf(doc, "moved");
    if (doc.contains("left") && doc["left"].is_array())
      for (const json& item : doc["left"])
        left.push_back(item);
    if (p == 0) continue;
    const json& places = doc.value("places", json::array());
    json& into = merged["places"];
    if (!into.is_array() || !places.is_array() || places.size() != into.size())
      return fmt::format("partition {} lists other places than partition 0", p);
    for (size_t i = 0; i < places.size(); ++i) {
      if (places[i].value("place", "") != into[i].value("place", "") ||
          places[i].value("ordinal", int64_t{-1}) != into[i].value("ordinal", int64_t{-1}))
        return fmt::format("partition {} lists other places than partition 0", p);
      into[i]["waiting"] = countOf(into[i], "waiting") + countOf(places[i], "waiting");
    }
  }
  merged["moved"] = moved;
  merged["left"] = std::move(left);
  merged["partitions"] = docs.size();
  return merged;
}

// The request's body as the first round sends it ("dry_run": true; a body that is not a
// JSON object as it came, which every partition refuses the same way), and whether the
// request is itself a dry run (dry_run is true unless false).
struct FirstRound {
  std::string body;
  bool only = true;  // a dry run: the first round is the answer
};

FirstRound firstRoundOf(const std::string& body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {body, true};
  const auto it = doc.find("dry_run");
  // A dry_run that is no boolean is sent as it came, for the 400 one node gives.
  if (it != doc.end() && !it->is_boolean()) return {body, true};
  const bool dry = it == doc.end() || it->get<bool>();
  doc["dry_run"] = true;
  return {doc.dump(), dry};
}

}  // namespace

HttpReply PartitionRouter::migrateEveryPartition(const HttpRequest& request) const {
  constexpr std::string_view kNothingMoved =
      "a migration in a cluster runs on every partition or on none, and nothing was moved. "
      "Send it again once the partition answers";
  FirstRound first = firstRoundOf(request.body);
  auto checked = askEveryPartition(request, {.form = "",
                                             .body = std::move(first.body),
                                             .what = "take part in the migration",
                                             .then = kNothingMoved});
  if (auto* reply = std::get_if<HttpReply>(&checked))
    return routed(std::move(*reply), kMigrationsRoute);
  if (first.only) {
    auto merged = mergeReports(std::get<std::vector<json>>(checked));
    if (auto* problem = std::get_if<std::string>(&merged))
      return unavailable(fmt::format("{}: its deployments differ; {}", *problem, kNothingMoved),
                         kMigrationsRoute);
    return jsonAnswer(std::get<json>(merged), kMigrationsRoute);
  }

  // Every partition can take part: each migrates its own instances.
  std::vector<json> done;
  std::vector<std::string> moved_on, failed;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    HttpReply reply = toPartition(p, request);
    json doc = reply.status == 200 ? json::parse(reply.body, nullptr, false) : json();
    if (doc.is_object()) {
      moved_on.push_back(fmt::format("{} ({} moved)", p, countOf(doc, "moved")));
      done.push_back(std::move(doc));
    } else {
      failed.push_back(fmt::format("{} ({}: {})", p, reply.status, messageOf(reply)));
    }
  }
  if (!failed.empty())
    return unavailable(
        fmt::format(
            "the migration ran on partitions {} but not on {}. What moved stays on the "
            "new version; send the same request again to move the rest",
            moved_on.empty() ? std::string("none") : fmt::format("{}", fmt::join(moved_on, ", ")),
            fmt::join(failed, ", ")),
        kMigrationsRoute);
  auto merged = mergeReports(done);
  if (auto* problem = std::get_if<std::string>(&merged))
    return unavailable(fmt::format("the migration ran on every partition, but {}", *problem),
                       kMigrationsRoute);
  return jsonAnswer(std::get<json>(merged), kMigrationsRoute);
}

HttpReply PartitionRouter::gatherVersions(const HttpRequest& request) const {
  auto asked = askEveryPartition(
      request, {.form = "",
                .body = {},
                .what = "list its versions",
                .then = "a version's live instances are counted on every partition or on "
                        "none. Ask again once it answers"});
  if (auto* reply = std::get_if<HttpReply>(&asked))
    return routed(std::move(*reply), kVersionsRoute);
  // A version's live instances are every partition's added up, and it is current when it
  // is every partition's current (while a deployment reaches the partitions, none is).
  std::map<std::string, int64_t> live;
  std::set<std::string> currents;
  for (const json& doc : std::get<std::vector<json>>(asked)) {
    const json& current = doc.value("current", json());
    currents.insert(current.is_string() ? current.get<std::string>() : std::string());
    for (const json& item : doc.value("items", json::array())) {
      if (!item.is_object() || !item.contains("version") || !item["version"].is_string()) continue;
      live[item["version"].get<std::string>()] += countOf(item, "live");
    }
  }
  const std::string common = currents.size() == 1 ? *currents.begin() : std::string();
  json items = json::array();
  for (const auto& [version, count] : live)
    items.push_back({{"version", version}, {"live", count}, {"current", version == common}});
  return jsonAnswer(
      json{{"current", common.empty() ? json(nullptr) : json(common)}, {"items", std::move(items)}},
      kVersionsRoute);
}

}  // namespace rflow::service
