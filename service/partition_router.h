// PartitionRouter: a cluster node's front door (issue 19, docs/cluster.md "Routing"). Any
// node accepts any request and sends it to the one partition it concerns, in-process when
// this node serves that partition, else over HTTP to the owner, one hop.
//
// Where a request goes (route(), protocol-neutral; handle() carries it out):
//   /v1/instances/{id}…, /v1/tasks/{id}…   the partition in the id (engine/partition.h)
//   /v1/keys/{workflow}/{key}/…            partitionFor(qualified workflow, key)
//   POST /v1/workflows/{name}/instances    partitionFor(qualified workflow, business key),
//                                          the key computed from the body by a local
//                                          engine (Engine::businessKey); a workflow with no
//                                          key: partitionFor(workflow, Idempotency-Key), so
//                                          a repeat lands where the first did; with neither,
//                                          round-robin over the partitions
//   GET /v1/instances, GET /v1/tasks       every partition, merged in id order (below)
//   POST /v1/deployments                   a cluster node (sharedDeployments()): one local
//                                          partition, whose Service appends it to the
//                                          deployment log, or, serving none, one other
//                                          node (forwarded once); else every local
//                                          partition and each other owner node once
//   GET /v1/insights, …/stages, …/at-risk  every partition's mergeable parts, added and
//                                          rendered as one node would (partition_insights.cpp)
//   POST /v1/events/{name}                 the first local partition: its triggers run
//                                          there, their keyed starts reach their keys'
//                                          partitions through its outbox (engine/outbox.h)
//   POST /v1/cluster/partitions/{p}/…      partition p's owner (a digest, an outbox message)
//   POST /v1/migrations                    every partition (partition_migrations.cpp):
//                                          a dry run on all of them first, then, when
//                                          every one answered and it is not a dry run,
//                                          the migration on each; the reports added up
//   GET /v1/versions                       every partition, merged: a version is live
//                                          where any partition runs it
//   backups, a model PUT                   501 with more than one partition (not yet)
//   GET /healthz, GET /readyz              this node: every local partition asked; alive
//                                          and ready with none (it forwards)
//   GET /metrics                           this node: every local partition's, each sample
//                                          labelled with its partition (503 with none)
//   anything else (workflows, openapi,     the first local partition (every partition has
//   me)                                    the same deployments)
//
// Forwarding: the same method, path, query, body, Authorization, Idempotency-Key,
// Content-Type and X-Request-Id, plus `Rflow-Forwarded: 1` and `Rflow-Partition: <p>`
// (or `all-local` for a deployment). A node that receives a forwarded request serves it
// only from a partition it owns: for one it does not own it answers 421 Misdirected
// Request and never forwards again (so two nodes with stale maps cannot loop). The
// sender, given a 421, asks its directory to refresh the partition's owner and, when the
// owner it knows then is another, sends the request there once (a 421 means nothing was
// done). The receiver places the request again itself and uses `Rflow-Partition` only where the
// request does not name its partition (a page of a list, a start placed round-robin), so
// a client that sends these headers itself can reach nothing a plain request could not:
// a start cannot be put on a partition its key does not hash to. When the refreshed
// map names the same node, the sender passes the 421 on: the client may send the request
// again. An owner that is unknown or cannot be reached: 503 naming the partition.
// Nothing else is retried here: a request whose answer was lost may have been carried
// out, and only the client knows whether it sent an Idempotency-Key.
//
// Insights (partition_insights.cpp, docs/cluster.md "Insights across partitions"): every
// partition is asked for the internal form of the answer (`Rflow-Insights-Form: parts`,
// and for at-risk's second round `forecast` with the forecast as the body, sent as a POST
// over a hop and turned back into the GET by the receiver); the parts are added and
// rendered by the code one node uses. A forwarded insights request without a form is
// refused: one partition's public answer would look like the cluster's.
//
// Lists across partitions: ids sort (partition.h: number first, then partition), and each
// partition lists in id order after the cursor. The front door asks every partition for
// `limit` items after the client's cursor, merges them in id order and keeps the first
// `limit`; the last one kept is the next cursor, null when no partition has more. Every
// item after the cursor is in some partition's first `limit`, so a page has no gap and
// no item twice, whatever partition the cursor came from. A partition that cannot answer
// fails the whole list (503 naming it): a list silently missing a partition would look
// complete.
//
// Thread-safe: handle() may run on any HTTP worker at once; the only state is the
// round-robin counter.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <variant>

#include "service/partition_directory.h"
#include "service/router.h"

namespace rflow::service {

// Sends `request` to the node at `base_url`, one hop: the reply, or why the node could
// not be reached (then nothing is known about whether it acted).
using Forwarder = std::function<std::variant<HttpReply, std::string>(const std::string& base_url,
                                                                     const HttpRequest& request)>;

// The headers a forwarded request carries (besides the client's).
inline constexpr std::string_view kForwardedHeader = "Rflow-Forwarded";
inline constexpr std::string_view kPartitionHeader = "Rflow-Partition";
inline constexpr std::string_view kAllLocal = "all-local";

// Where a request goes (see the table above).
struct ToPartition {
  uint32_t partition;
  // Any partition would do (a start with neither a key nor an Idempotency-Key): a
  // forwarded one is served where the sender placed it.
  bool any = false;
};
struct GatherList {
  bool tasks = false;  // GET /v1/tasks; else GET /v1/instances
};
// GET /v1/insights (kSummary), /v1/insights/stages, /v1/insights/at-risk.
struct GatherInsights {
  enum class Kind : uint8_t { kSummary, kStages, kAtRisk } kind = Kind::kSummary;
};
struct ToEveryPartition {};  // a deployment
// POST /v1/migrations (kMigration), GET /v1/versions (kVersions): every partition asked,
// the answers merged (partition_migrations.cpp).
struct GatherAdmin {
  enum class Kind : uint8_t { kMigration, kVersions } kind = Kind::kMigration;
};
struct ToAnyLocal {};
// GET /healthz, GET /readyz: this node's, from every partition it owns (none is fine: a
// node that only forwards, or is a standby, is alive and ready).
struct NodeHealth {
  bool readiness = false;
};
// GET /metrics: this node's, every partition it owns labelled `partition="p"`
// (metrics_merge.h); a scraper reads every node.
struct NodeMetrics {};
using Destination = std::variant<ToPartition, GatherList, GatherInsights, GatherAdmin,
                                 ToEveryPartition, ToAnyLocal, NodeHealth, NodeMetrics, ApiError>;

class PartitionRouter final : public RequestHandler {
 public:
  // `directory` outlives the front door; `forward` defaults to the HTTP client
  // (forward_client.h).
  PartitionRouter(const PartitionDirectory& directory, RequestLimits limits,
                  Forwarder forward = {});

  HttpReply handle(const HttpRequest& request) const override;
  size_t bodyLimit(std::string_view method, std::string_view path) const override;

  Destination route(const HttpRequest& request) const;

 private:
  HttpReply toPartition(uint32_t partition, const HttpRequest& request) const;
  HttpReply toTarget(uint32_t partition, const PartitionTarget& target,
                     const HttpRequest& request) const;
  HttpReply gather(const GatherList& list, const HttpRequest& request) const;
  // partition_insights.cpp: every partition's parts of an insights answer, merged.
  HttpReply gatherInsights(const GatherInsights& insights, const HttpRequest& request) const;
  // How askEveryPartition asks, and what its 503 says: "partition P cannot <what>: <why>;
  // <then>".
  struct Asking {
    std::string_view form;  // the internal form (Rflow-Insights-Form); "" for none
    std::string body;
    std::string_view what = "give its insights";
    std::string_view then =
        "the figures of a cluster are of every partition or none. Ask again once it answers";
  };
  // Each partition's reply to `request` asked as `asking` says, parsed; or the reply that
  // is the answer (a 4xx as one node gives it, a 503 naming the partition that could not
  // answer). `nodes[p]`: who answered for partition p (a base URL; "" for this node).
  std::variant<std::vector<nlohmann::json>, HttpReply> askEveryPartition(
      const HttpRequest& request, const Asking& asking,
      std::vector<std::string>* nodes = nullptr) const;
  // partition_migrations.cpp: POST /v1/migrations and GET /v1/versions on every partition.
  HttpReply migrateEveryPartition(const HttpRequest& request) const;
  HttpReply gatherVersions(const HttpRequest& request) const;
  HttpReply toEveryPartition(const HttpRequest& request) const;
  // A directory with shared deployments: one local partition, or one other node.
  HttpReply toDeploymentLog(const HttpRequest& request) const;
  HttpReply toAnyLocal(const HttpRequest& request) const;
  HttpReply nodeHealth(const NodeHealth& health, const HttpRequest& request) const;
  HttpReply nodeMetrics(const HttpRequest& request) const;
  HttpReply forwarded(const HttpRequest& request) const;
  HttpReply misdirected(uint32_t partition, const PartitionTarget& target) const;
  // The first local partition's Service (every partition has the same deployments), or
  // null when this node serves none.
  std::shared_ptr<Service> anyLocalService() const;
  Destination routeStart(std::string_view workflow, const HttpRequest& request) const;
  Destination routeKey(std::string_view workflow, std::string_view key) const;

  const PartitionDirectory& directory_;
  RequestLimits limits_;
  Forwarder forward_;
  mutable std::atomic<uint32_t> next_keyless_{0};
};

}  // namespace rflow::service
