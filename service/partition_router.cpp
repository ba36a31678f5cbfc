// A cluster node's front door: where each request goes, forwarding, and lists merged
// across partitions (partition_router.h).
#include "service/partition_router.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include "base/time_text.h"
#include "engine/partition.h"
#include "runtime/wire.h"
#include "service/forward_client.h"
#include "service/gather_replies.h"
#include "service/metrics_merge.h"

namespace rflow::service {

using nlohmann::json;

namespace {

std::optional<uint32_t> parsePartition(std::string_view text) {
  uint32_t p = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return p;
}

std::string describe(const PartitionTarget& target) {
  if (std::holds_alternative<LocalTarget>(target)) return "this node";
  if (const auto* remote = std::get_if<RemoteTarget>(&target))
    return fmt::format("node {} at {} (epoch {})", remote->node.empty() ? "?" : remote->node,
                       remote->base_url, remote->epoch);
  return fmt::format("no known owner ({})", std::get<UnknownTarget>(target).why);
}

}  // namespace

PartitionRouter::PartitionRouter(const PartitionDirectory& directory, RequestLimits limits,
                                 Forwarder forward)
    : directory_(directory), limits_(limits), forward_(std::move(forward)) {
  if (!forward_) forward_ = httpForwarder();
}

size_t PartitionRouter::bodyLimit(std::string_view method, std::string_view path) const {
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    const PartitionTarget target = directory_.target(p);
    if (const auto* local = std::get_if<LocalTarget>(&target))
      return local->router->bodyLimit(method, path);
  }
  // No local route table to ask: the owner holds the body to its route's own limit.
  return std::max(limits_.max_body_bytes, limits_.max_file_bytes);
}

std::shared_ptr<Service> PartitionRouter::anyLocalService() const {
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    PartitionTarget target = directory_.target(p);
    if (auto* local = std::get_if<LocalTarget>(&target)) return std::move(local->service);
  }
  return nullptr;
}

namespace {

ApiError servesNone(std::string_view what) {
  return {ApiError::Code::kUnavailable,
          fmt::format("this node serves no partition yet, so it cannot read the deployed "
                      "workflows to place {}; send it to another node of the cluster",
                      what)};
}

}  // namespace

Destination PartitionRouter::routeKey(std::string_view workflow, std::string_view key) const {
  const std::shared_ptr<Service> service = anyLocalService();
  if (!service) return servesNone("a request by key");
  // An unknown workflow is hashed as written: its owner answers the 404, after checking
  // the token as for any other request.
  const std::string qualified =
      service->qualifiedWorkflow(workflow).value_or(std::string(workflow));
  return ToPartition{engine::partitionFor(qualified, key, directory_.count())};
}

Destination PartitionRouter::routeStart(std::string_view workflow,
                                        const HttpRequest& request) const {
  const std::shared_ptr<Service> service = anyLocalService();
  if (!service) return servesNone("a start");
  json body = nullptr;
  if (!request.body.empty()) {
    auto parsed = runtime::parseJson(request.body, limits_.max_body_bytes);
    // Not JSON: any partition answers the 400 as a single node would (token first).
    if (!std::holds_alternative<json>(parsed)) return ToAnyLocal{};
    body = std::get<json>(std::move(parsed));
  }
  auto placed = service->placement(workflow, body);
  // The arguments or the key are wrong, or nothing is deployed: a local partition answers
  // the same error (after the token check); nothing is started anywhere.
  if (std::holds_alternative<ApiError>(placed)) return ToAnyLocal{};
  const auto& placement = std::get<engine::Engine::Placement>(placed);
  const uint32_t n = directory_.count();
  if (placement.key)
    return ToPartition{engine::partitionFor(placement.workflow, *placement.key, n)};
  if (!request.idempotency_key.empty())
    return ToPartition{engine::partitionFor(placement.workflow, request.idempotency_key, n)};
  return ToPartition{next_keyless_.fetch_add(1) % n, /*any=*/true};
}

Destination PartitionRouter::route(const HttpRequest& request) const {
  const uint32_t n = directory_.count();
  if (n <= 1) return ToPartition{0};
  const std::vector<std::string_view> seg = pathSegments(request.path);
  const auto is = [&](size_t i, std::string_view text) { return seg.size() > i && seg[i] == text; };
  if (request.method == "GET" && seg.size() == 1 && (is(0, "healthz") || is(0, "readyz")))
    return NodeHealth{is(0, "readyz")};
  if (request.method == "GET" && seg.size() == 1 && is(0, "metrics")) return NodeMetrics{};
  if (!is(0, "v1")) return ToAnyLocal{};
  if ((is(1, "instances") || is(1, "tasks")) && seg.size() >= 3) {
    const auto partition = engine::partitionOfId(seg[2]);
    if (!partition || *partition >= n)
      return ApiError{ApiError::Code::kNotFound,
                      fmt::format("there is no {} {} in this cluster: its ids end in their "
                                  "partition, 0 to {} (like in-0000000042-p07)",
                                  is(1, "tasks") ? "task" : "instance", seg[2], n - 1)};
    return ToPartition{*partition};
  }
  if ((is(1, "instances") || is(1, "tasks")) && seg.size() == 2 && request.method == "GET")
    return GatherList{is(1, "tasks")};
  if (is(1, "cluster") && is(2, "partitions") && seg.size() >= 4) {
    // An owner's state for `rflow cluster verify`: answered by the partition's owner.
    const auto partition = parsePartition(seg[3]);
    if (!partition || *partition >= n)
      return ApiError{
          ApiError::Code::kNotFound,
          fmt::format("there is no partition {} in this cluster (0 to {})", seg[3], n - 1)};
    return ToPartition{*partition};
  }
  if (is(1, "keys") && seg.size() >= 4) return routeKey(seg[2], seg[3]);
  if (is(1, "workflows") && seg.size() == 4 && is(3, "instances") && request.method == "POST")
    return routeStart(seg[2], request);
  if (is(1, "deployments") && seg.size() == 2 && request.method == "POST")
    return ToEveryPartition{};
  if (is(1, "insights") && request.method == "GET") {
    using Kind = GatherInsights::Kind;
    if (seg.size() == 2) return GatherInsights{Kind::kSummary};
    if (seg.size() == 3 && is(2, "stages")) return GatherInsights{Kind::kStages};
    if (seg.size() == 3 && is(2, "at-risk")) return GatherInsights{Kind::kAtRisk};
  }
  // An event runs its triggers on a partition of this node; their keyed starts reach
  // their keys' partitions through its outbox (engine/outbox.h).
  if (is(1, "events")) return ToAnyLocal{};
  if (is(1, "migrations") && seg.size() == 2 && request.method == "POST")
    return GatherAdmin{GatherAdmin::Kind::kMigration};
  if (is(1, "versions") && seg.size() == 2 && request.method == "GET")
    return GatherAdmin{GatherAdmin::Kind::kVersions};
  const bool not_yet =
      (is(1, "admin") && is(2, "backups")) || (is(1, "classifiers") && request.method == "PUT");
  if (not_yet)
    return ApiError{ApiError::Code::kNotImplemented,
                    fmt::format("{} {} is not available in a cluster of {} partitions yet "
                                "(docs/cluster.md, \"Routing\"): backups and models need every "
                                "partition at once",
                                request.method, request.path, n)};
  return ToAnyLocal{};
}

HttpReply PartitionRouter::handle(const HttpRequest& request) const {
  if (request.forwarded) return forwarded(request);
  const Destination d = route(request);
  if (const auto* to = std::get_if<ToPartition>(&d)) return toPartition(to->partition, request);
  if (const auto* list = std::get_if<GatherList>(&d)) return gather(*list, request);
  if (const auto* insights = std::get_if<GatherInsights>(&d))
    return gatherInsights(*insights, request);
  if (const auto* admin = std::get_if<GatherAdmin>(&d))
    return admin->kind == GatherAdmin::Kind::kMigration ? migrateEveryPartition(request)
                                                        : gatherVersions(request);
  if (std::holds_alternative<ToEveryPartition>(d)) return toEveryPartition(request);
  if (std::holds_alternative<ToAnyLocal>(d)) return toAnyLocal(request);
  if (const auto* health = std::get_if<NodeHealth>(&d)) return nodeHealth(*health, request);
  if (std::holds_alternative<NodeMetrics>(d)) return nodeMetrics(request);
  return routed(errorReply(std::get<ApiError>(d)), "(cluster)");
}

HttpReply PartitionRouter::misdirected(uint32_t partition, const PartitionTarget& target) const {
  return routed(
      errorReply({ApiError::Code::kMisdirected,
                  fmt::format("partition {} is not served by this node (it knows of {}); the "
                              "node that forwarded the request has a stale owner map: send the "
                              "request again",
                              partition, describe(target))}),
      "(misdirected)");
}

HttpReply PartitionRouter::forwarded(const HttpRequest& request) const {
  // At-risk's forecast round travels as a POST (forward_client.cpp): a GET here.
  if (request.method == "POST" && request.insights_form == kForecastForm) {
    HttpRequest get = request;
    get.method = "GET";
    return forwarded(get);
  }
  // Served here or refused, never forwarded again: two nodes with stale owner maps must
  // not send a request back and forth.
  const Destination d = route(request);
  const std::optional<uint32_t> header = parsePartition(request.forwarded_partition);
  std::optional<uint32_t> partition;
  if (const auto* to = std::get_if<ToPartition>(&d)) {
    partition = to->any && header && *header < directory_.count() ? *header : to->partition;
  } else if (std::holds_alternative<GatherList>(d) || std::holds_alternative<GatherInsights>(d) ||
             std::holds_alternative<GatherAdmin>(d)) {
    // A partition's insights are only ever asked in their internal form: its public
    // answer alone would look like the cluster's.
    if (std::holds_alternative<GatherInsights>(d) && request.insights_form.empty())
      return routed(errorReply({ApiError::Code::kBadRequest,
                                fmt::format("a forwarded insights request carries `{}`",
                                            kInsightsFormHeader)}),
                    "(misdirected)");
    if (!header || *header >= directory_.count())
      return routed(errorReply({ApiError::Code::kBadRequest,
                                fmt::format("a forwarded request for every partition names "
                                            "none: `{}: {}`",
                                            kPartitionHeader, request.forwarded_partition)}),
                    "(misdirected)");
    partition = header;
  } else if (std::holds_alternative<ToEveryPartition>(d)) {
    if (request.forwarded_partition != kAllLocal)
      return routed(errorReply({ApiError::Code::kBadRequest,
                                fmt::format("a forwarded deployment carries `{}: {}`",
                                            kPartitionHeader, kAllLocal)}),
                    "(misdirected)");
    return toEveryPartition(request);
  } else if (std::holds_alternative<ToAnyLocal>(d)) {
    return toAnyLocal(request);
  } else if (const auto* health = std::get_if<NodeHealth>(&d)) {
    return nodeHealth(*health, request);
  } else if (std::holds_alternative<NodeMetrics>(d)) {
    return nodeMetrics(request);
  } else {
    return routed(errorReply(std::get<ApiError>(d)), "(cluster)");
  }
  const PartitionTarget target = directory_.target(*partition);
  if (const auto* local = std::get_if<LocalTarget>(&target)) return local->router->handle(request);
  return misdirected(*partition, target);
}

namespace {

bool sameTarget(const PartitionTarget& a, const PartitionTarget& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ra = std::get_if<RemoteTarget>(&a))
    return ra->base_url == std::get<RemoteTarget>(b).base_url;
  if (const auto* la = std::get_if<LocalTarget>(&a))
    return la->router == std::get<LocalTarget>(b).router;
  return true;
}

}  // namespace

HttpReply PartitionRouter::toPartition(uint32_t partition, const HttpRequest& request) const {
  const PartitionTarget target = directory_.target(partition);
  HttpReply reply = toTarget(partition, target, request);
  // 421: the node forwarded to does not own the partition (this node's map was stale). It
  // refused before doing anything, so asking the owner the node knows now is safe; once.
  if (reply.status != 421 || !std::holds_alternative<RemoteTarget>(target)) return reply;
  directory_.refresh(partition);
  const PartitionTarget fresh = directory_.target(partition);
  if (sameTarget(fresh, target)) return reply;
  return toTarget(partition, fresh, request);
}

HttpReply PartitionRouter::toTarget(uint32_t partition, const PartitionTarget& target,
                                    const HttpRequest& request) const {
  if (const auto* local = std::get_if<LocalTarget>(&target)) return local->router->handle(request);
  if (const auto* unknown = std::get_if<UnknownTarget>(&target))
    return routed(
        errorReply({ApiError::Code::kUnavailable,
                    fmt::format("partition {} has no known owner ({}); nothing was done: send "
                                "the request again in a few seconds, once a node has claimed it",
                                partition, unknown->why)}),
        "(forward)");
  const auto& remote = std::get<RemoteTarget>(target);
  HttpRequest hop = request;
  hop.forwarded_partition = std::to_string(partition);
  auto forwarded = forward_(remote.base_url, hop);
  if (auto* reply = std::get_if<HttpReply>(&forwarded))
    return routed(std::move(*reply), "(forward)");
  return routed(
      errorReply({ApiError::Code::kUnavailable,
                  fmt::format("partition {} is owned by {}, which cannot be reached: {}. The "
                              "request may or may not have been carried out: send it again "
                              "(with the same Idempotency-Key, if it had one) once the node is "
                              "back or another has taken the partition over",
                              partition, describe(target), std::get<std::string>(forwarded))}),
      "(forward)");
}

HttpReply PartitionRouter::gather(const GatherList& list, const HttpRequest& request) const {
  size_t limit = Page{}.limit;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    // A bad limit: every partition answers the same 400, the first one is passed on.
    const std::string& text = it->second;
    std::from_chars(text.data(), text.data() + text.size(), limit);
  }
  json items = json::array();
  bool more = false;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    HttpReply reply = toPartition(p, request);
    if (reply.status != 200) return reply;
    json page = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (!page.is_object() || !page["items"].is_array())
      return routed(errorReply({ApiError::Code::kUnavailable,
                                fmt::format("partition {} answered the list with something "
                                            "that is not a page of items",
                                            p)}),
                    "(gather)");
    more = more || !page["next"].is_null();
    for (json& item : page["items"])
      items.push_back(std::move(item));
  }
  std::stable_sort(items.begin(), items.end(), [](const json& a, const json& b) {
    return a.value("id", "") < b.value("id", "");
  });
  json next = nullptr;
  if (items.size() > limit) {
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(limit), items.end());
    more = true;
  }
  if (more && !items.empty()) next = items.back()["id"];
  HttpReply reply;
  reply.body = json{{"items", std::move(items)}, {"next", std::move(next)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  reply.route = list.tasks ? "/v1/tasks" : "/v1/instances";
  return reply;
}

HttpReply PartitionRouter::toEveryPartition(const HttpRequest& request) const {
  if (directory_.sharedDeployments()) return toDeploymentLog(request);
  // Each local partition (distinct Routers), then each other owner node once; a forwarded
  // deployment goes to the local ones only.
  std::vector<std::shared_ptr<const Router>> locals;
  std::vector<std::string> nodes;
  std::vector<std::string> unknown;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    PartitionTarget target = directory_.target(p);
    if (auto* local = std::get_if<LocalTarget>(&target)) {
      if (std::find(locals.begin(), locals.end(), local->router) == locals.end())
        locals.push_back(std::move(local->router));
    } else if (auto* remote = std::get_if<RemoteTarget>(&target)) {
      if (!request.forwarded &&
          std::find(nodes.begin(), nodes.end(), remote->base_url) == nodes.end())
        nodes.push_back(remote->base_url);
    } else if (!request.forwarded) {
      unknown.push_back(std::to_string(p));
    }
  }
  std::optional<HttpReply> first;
  std::vector<std::string> reached;
  std::vector<std::string> failed;
  const auto take = [&](HttpReply reply, std::string where) -> std::optional<HttpReply> {
    const bool ok = reply.status / 100 == 2;
    // Refused before anything was stored anywhere (a bad token, a project with errors):
    // that answer is the answer, as on one node.
    if (!ok && reached.empty()) return reply;
    if (ok) {
      reached.push_back(std::move(where));
      if (!first) first = std::move(reply);
    } else {
      failed.push_back(fmt::format("{} ({})", where, reply.status));
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < locals.size(); ++i) {
    if (auto done = take(locals[i]->handle(request), fmt::format("local partition set {}", i)))
      return *done;
  }
  for (const std::string& url : nodes) {
    HttpRequest hop = request;
    hop.forwarded_partition = std::string(kAllLocal);
    auto forwarded = forward_(url, hop);
    if (auto* reply = std::get_if<HttpReply>(&forwarded)) {
      if (auto done = take(std::move(*reply), url)) return routed(std::move(*done), "(deploy)");
    } else {
      failed.push_back(fmt::format("{} ({})", url, std::get<std::string>(forwarded)));
    }
  }
  if (!unknown.empty())
    failed.push_back(fmt::format("partitions {} (no known owner)", fmt::join(unknown, ", ")));
  if (!first)
    return routed(errorReply({ApiError::Code::kUnavailable,
                              fmt::format("the deployment reached no partition: {}",
                                          fmt::join(failed, "; "))}),
                  "/v1/deployments");
  if (!failed.empty())
    return routed(
        errorReply({ApiError::Code::kUnavailable,
                    fmt::format("the deployment reached {} but not {}: partitions now run "
                                "different versions; send it again (the same project is the "
                                "same version) once they can be reached",
                                fmt::join(reached, ", "), fmt::join(failed, "; "))}),
        "/v1/deployments");
  return routed(std::move(*first), "/v1/deployments");
}

HttpReply PartitionRouter::toDeploymentLog(const HttpRequest& request) const {
  // Any local partition's Service compiles, checks and appends it to the log; a node that
  // serves none forwards it once to a node that does (which does not forward it again).
  std::vector<std::string> tried;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    if (const auto target = directory_.target(p);
        const auto* local = std::get_if<LocalTarget>(&target))
      return local->router->handle(request);
  }
  if (!request.forwarded) {
    for (uint32_t p = 0; p < directory_.count(); ++p) {
      const PartitionTarget target = directory_.target(p);
      const auto* remote = std::get_if<RemoteTarget>(&target);
      if (!remote || std::find(tried.begin(), tried.end(), remote->base_url) != tried.end())
        continue;
      HttpRequest hop = request;
      hop.forwarded_partition = std::string(kAllLocal);
      auto forwarded = forward_(remote->base_url, hop);
      if (auto* reply = std::get_if<HttpReply>(&forwarded))
        return routed(std::move(*reply), "(deploy)");
      // Not reached: nothing was appended there; another node may take it.
      tried.push_back(remote->base_url);
    }
  }
  return routed(
      errorReply({ApiError::Code::kUnavailable,
                  request.forwarded
                      ? std::string("this node serves no partition now (the deployment was "
                                    "forwarded here); send it again")
                  : tried.empty()
                      ? std::string("no node of the cluster serves a partition yet; send the "
                                    "deployment again once one does")
                      : fmt::format("this node serves no partition and {} could not be reached; "
                                    "send the deployment again",
                                    fmt::join(tried, ", "))}),
      "/v1/deployments");
}

HttpReply PartitionRouter::toAnyLocal(const HttpRequest& request) const {
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    const PartitionTarget target = directory_.target(p);
    if (const auto* local = std::get_if<LocalTarget>(&target))
      return local->router->handle(request);
  }
  return routed(errorReply({ApiError::Code::kUnavailable,
                            "this node serves no partition yet; send the request to another "
                            "node of the cluster"}),
                "(cluster)");
}

namespace {

// A local partition's non-200 health answer, its message naming the partition.
HttpReply namingPartition(HttpReply reply, uint32_t partition) {
  json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    body["error"]["message"] =
        fmt::format("partition {}: {}", partition, body["error"].value("message", std::string()));
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

std::string wallClockNow() {
  return base::formatTime(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

}  // namespace

HttpReply PartitionRouter::nodeHealth(const NodeHealth& health, const HttpRequest& request) const {
  // Each local partition answers as one node would; the first that is not ready (or not
  // alive) is the node's answer, naming it. No local partition: the process answers.
  std::vector<uint32_t> local;
  size_t queued = 0;
  std::string now;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    const PartitionTarget target = directory_.target(p);
    const auto* l = std::get_if<LocalTarget>(&target);
    if (l == nullptr) continue;
    HttpReply reply = l->router->handle(request);
    if (reply.status != 200) return namingPartition(std::move(reply), p);
    local.push_back(p);
    const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) continue;
    if (body.contains("queued") && body["queued"].is_number_unsigned())
      queued += body["queued"].get<size_t>();
    if (now.empty() && body.contains("now") && body["now"].is_string())
      now = body["now"];  // the engines' clock (--time-scale)
  }
  json body = health.readiness
                  ? json{{"ready", true}, {"queued", queued}}
                  : json{{"status", "alive"}, {"now", now.empty() ? wallClockNow() : now}};
  body["partitions"] = local;
  HttpReply reply;
  reply.body = body.dump();
  reply.route = health.readiness ? "/readyz" : "/healthz";
  return reply;
}

HttpReply PartitionRouter::nodeMetrics(const HttpRequest& request) const {
  // Each local partition renders its figures as one node would (and checks the token);
  // the first refusal is the answer.
  std::vector<PartitionMetrics> parts;
  std::optional<HttpReply> first;
  for (uint32_t p = 0; p < directory_.count(); ++p) {
    const PartitionTarget target = directory_.target(p);
    const auto* local = std::get_if<LocalTarget>(&target);
    if (local == nullptr) continue;
    HttpReply reply = local->router->handle(request);
    if (reply.status != 200) return reply;
    parts.push_back({p, std::move(reply.body)});
    if (!first) first = std::move(reply);
  }
  if (!first)
    return routed(errorReply({ApiError::Code::kUnavailable,
                              "this node serves no partition now, so it has no figures: "
                              "each node reports the partitions it owns; read the others"}),
                  "/metrics");
  std::string text = mergeMetricsText(parts);
  text += fmt::format(
      "# HELP rflow_partitions_served Partitions this node owns and serves now.\n"
      "# TYPE rflow_partitions_served gauge\nrflow_partitions_served {}\n",
      parts.size());
  first->body = std::move(text);
  return std::move(*first);
}

}  // namespace rflow::service
