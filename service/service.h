// Service: the protocol-neutral layer of `rflow serve` (runtime.md §7), over one Engine.
// Each operation takes what a request means (who asks, which ids, the decoded query, the
// JSON body) and answers a JSON document or an ApiError; nothing here knows HTTP, and the
// router (router.h) is the only caller. Like clangd's ClangdServer, it could be embedded
// behind another transport.
//
// Invariants:
//   - Bodies are decoded against the DECLARED types of the version concerned (the
//     current one for starts and events, the instance's own for signals), so errors name
//     the field (`amount.currency`: …) and nothing ill-typed reaches the engine.
//   - A deployment is all or nothing: a project with errors, or whose connectors are not
//     configured, stores nothing and changes no version.
//   - Access to roles and users is checked here where it depends on the data (the
//     assignee of a task); the router checks what depends on the route alone.
//   - Thread-safe: every operation may run on any HTTP worker thread at once (the engine
//     is thread-safe; besides the engine the Service keeps only the doc comments of the
//     last version compiled here, under a mutex).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "runtime/circuit_breaker.h"
#include "runtime/config.h"
#include "runtime/connector.h"
#include "runtime/json_writer.h"
#include "runtime/model_store.h"
#include "runtime/wire_schema.h"
#include "service/api_error.h"
#include "service/auth.h"
#include "service/insights_parts.h"

namespace rflow::service {

class Backups;

// Paging: at most `limit` items after the cursor `after` (the last id of the previous
// page); the answer's "next" is the cursor for the following page, or null at the end.
struct Page {
  size_t limit = 50;
  std::string after;
};
inline constexpr size_t kMaxPageLimit = 500;

struct InstanceQuery {
  std::optional<std::string> workflow;
  std::optional<engine::Status> status;
  std::optional<std::string> key;
  // Other query parameters: tracked dimensions of `workflow` (name, value).
  std::vector<std::pair<std::string, std::string>> dimensions;
  Page page;
};

struct TaskQuery {
  std::optional<std::string> role;
  std::optional<std::string> assignee;
  std::string status = "open";  // a task status name, or "all"
  Page page;
};

// A decision body, already checked for shape (400s before 401, runtime.md §7).
struct DecisionBody {
  engine::Decision::Kind kind = engine::Decision::Kind::kApprove;
  std::string comment;
  nlohmann::json form;  // kComplete: an object of the form's fields
};
// `body` as a decision, or why it is malformed.
std::variant<DecisionBody, ApiError> parseDecision(const nlohmann::json& body);

class Service {
 public:
  Service(engine::Engine& engine, const runtime::ConnectorSet& connectors,
          const runtime::Config& config);

  // `by`: who deploys (the caller's name), recorded in a cluster's deployment log.
  Outcome deploy(const nlohmann::json& body, const std::string& by = {});
  Outcome workflows() const;
  // `ticket` (set): the answer comes before the step is committed, and the ticket, once
  // armed, reports the commit; the answer may be sent only on its ok (commit_ticket.h).
  Outcome start(const Caller& caller, std::string_view workflow, const nlohmann::json& args,
                const std::string& request_id,
                const std::shared_ptr<engine::CommitTicket>& ticket = nullptr);
  // Where a start of `workflow` with `args` belongs in a cluster (partition_router.h):
  // the body decoded as start() decodes it, then Engine::businessKey. Nothing is stored.
  // The qualified name of `workflow` (qualified or declared) on the current version;
  // nullopt when nothing is deployed or there is no such workflow.
  std::optional<std::string> qualifiedWorkflow(std::string_view workflow) const;
  std::variant<engine::Engine::Placement, ApiError> placement(std::string_view workflow,
                                                              const nlohmann::json& args) const;
  Outcome instances(const InstanceQuery& query) const;
  Outcome instance(std::string_view id) const;
  Outcome history(std::string_view id, const Page& page) const;
  // With a request id (the Idempotency-Key header) a signal is delivered at most once
  // per instance; a repeat answers like the first (Engine::signal).
  Outcome signal(std::string_view id, std::string_view name, const nlohmann::json& body,
                 std::string_view request_id = {});
  Outcome signalByKey(std::string_view workflow, std::string_view key, std::string_view name,
                      const nlohmann::json& body, std::string_view request_id = {});
  Outcome cancel(const Caller& caller, std::string_view id);
  Outcome event(std::string_view name, const nlohmann::json& body);
  Outcome tasks(const TaskQuery& query) const;
  Outcome task(std::string_view id) const;
  // 404 no such task, 403 neither the role nor the user, 409 refused or not open.
  // `request_id` (the Idempotency-Key): a decision sent again answers as the first did.
  // `ticket`: as start()'s.
  Outcome decide(const Caller& caller, std::string_view task, const DecisionBody& decision,
                 const std::string& request_id = {},
                 const std::shared_ptr<engine::CommitTicket>& ticket = nullptr);
  // `since`: RFC 3339 time or a duration ago ("24h"); default: the last 7 days.
  // `by` (a dimension `workflow` tracks): figures per value of it (service_dimensions.cpp);
  // `period` ("7d", whole days; with `by`): the same for the period before, and trends.
  Outcome insights(const std::optional<std::string>& workflow,
                   const std::optional<std::string>& since,
                   const std::optional<std::string>& by = std::nullopt,
                   const std::optional<std::string>& period = std::nullopt) const;
  // Per stage of `workflow` (required: 400 without), the bottleneck first (with `by` and
  // `value`: of its instances with that tracked value); and the instances predicted to
  // breach their SLA (of `workflow`, or all). service_stages.cpp.
  Outcome stages(const std::optional<std::string>& workflow,
                 const std::optional<std::string>& by = std::nullopt,
                 const std::optional<std::string>& value = std::nullopt) const;
  Outcome atRisk(const std::optional<std::string>& workflow) const;
  // The same three as mergeable parts (insights_parts.h), the same 400s for the same
  // parameters: what a cluster adds up across partitions before rendering. At-risk takes
  // two rounds: the history its forecast rests on, then the waits at risk under the
  // forecast computed from every partition's history.
  std::variant<InsightsParts, ApiError> insightsParts(
      const std::optional<std::string>& workflow, const std::optional<std::string>& since,
      const std::optional<std::string>& by = std::nullopt,
      const std::optional<std::string>& period = std::nullopt) const;
  std::variant<StagesParts, ApiError> stagesParts(
      const std::optional<std::string>& workflow,
      const std::optional<std::string>& by = std::nullopt,
      const std::optional<std::string>& value = std::nullopt) const;
  ForecastParts forecastParts(const std::optional<std::string>& workflow) const;
  std::variant<AtRiskParts, ApiError> atRiskUnder(const engine::Forecast& forecast) const;
  // The current deployment's classifiers with their current models, labels, examples
  // learned and quality (intelligence.md §1).
  Outcome classifiers() const;
  // Makes the model file `bytes` current for classifier `name` (declared or qualified):
  // 404 no such classifier, 400 not a model or one with a label that is not a member
  // (nothing changes), 503 the store cannot write. Answers the classifier's entry.
  Outcome putModel(std::string_view name, std::string_view bytes);
  // GET /healthz: the process answers. GET /readyz: the store takes writes, nothing is
  // stalled on it, and the work recovery queued at start has been processed once; 503
  // naming what is not ready otherwise (load balancers send traffic only when ready).
  Outcome health() const;
  Outcome readiness();
  // Back-pressure (service_admission.cpp): a 429 error while the engine's backlog is at
  // [engine] max_queued, so that new starts, events and signals cannot grow memory
  // without bound; nullopt when there is room. The backlog is the steps queued or being
  // run plus the connector calls sent and not answered (a slow system's calls wait in
  // memory, each to become a step).
  std::optional<ApiError> admitNewWork();
  size_t backlog() const;
  uint64_t overloadRefusals() const { return overload_refusals_.load(); }
  // POST /v1/admin/backups: a backup of the store into [backup] dir now; the body is
  // optional, {"label"?, "dir"?, "data"?} (a dir must be the configured one: the service
  // writes nowhere else; a data directory must be its own). GET: the backups there. 409
  // without a [backup] dir. service_backups.cpp.
  Outcome backup(const nlohmann::json& body);
  Outcome backups() const;
  // POST /v1/migrations: {"from", "to", "workflow", "dry_run"?} (dry_run true unless
  // false) moves the waiting instances whose wait maps (Engine::migrate); 400 naming the
  // field, 404 an unknown version or workflow. GET /v1/versions: the versions stored with
  // their live instances. service_migrations.cpp.
  Outcome migrate(const Caller& caller, const nlohmann::json& body);
  Outcome versions() const;
  // GET /v1/cluster/partitions/{p}/digest: the digest of this partition's replicated state
  // at one point (replay/state_digest.h), or with `column` a page of its keys and values
  // after `page.after` (hex). 404 for another partition than this service's.
  // service_cluster_state.cpp.
  Outcome partitionState(std::string_view partition, const std::optional<std::string>& column,
                         const Page& page) const;
  // POST /v1/cluster/partitions/{p}/inbound: another partition's outbox message
  // (engine/outbox.h), applied once: {"partition", "applied"} (false: applied before).
  Outcome inbound(std::string_view partition, std::string_view message);
  // The partition this service's engine runs (a cluster node's; a single node is 0).
  void setPartition(uint32_t partition) { partition_ = partition; }
  // A cluster node's deployments (docs/cluster.md "Deployments"): a checked project's
  // module is handed to `publish` (append to the cluster's deployment log, wait for the
  // partitions) instead of being deployed into this engine; its answer's members join the
  // deployment's answer. Unset: deployed here, as on a single node.
  using DeploymentPublisher =
      std::function<Outcome(std::vector<uint8_t> module, const std::string& version,
                            const std::string& by, const runtime::DocTable& docs)>;
  void setDeploymentPublisher(DeploymentPublisher publish) { publish_ = std::move(publish); }
  // Prometheus text exposition format 0.0.4.
  std::string metricsText() const;
  // The engine's clock (UTC ms): the dashboard shows times relative to it, which matters
  // when `rflow serve --time-scale` makes it run faster than the wall clock.
  int64_t now() const { return engine_.clock().now(); }
  // The current version as its contract: the module, its version and the doc comments
  // when this process compiled it (at start or by a deployment) or the docs source has
  // them (a module only loaded from the store has none). nullopt when nothing is deployed.
  struct Contract {
    std::shared_ptr<const vm::Program> program;
    std::string version;
    std::shared_ptr<const runtime::DocTable> docs;  // may be null
  };
  std::optional<Contract> contract() const;
  // The doc comments of `version`, compiled from sources (serve.cpp at start).
  void setDocs(std::string version, runtime::DocTable docs);
  // Where the doc comments of a version this process did not compile are found (a
  // cluster node: its deployment log entry, node.h docsOf); asked when the current
  // version is not the one setDocs named, and what it gives is kept. May give null.
  using DocsSource =
      std::function<std::shared_ptr<const runtime::DocTable>(std::string_view version)>;
  void setDocsSource(DocsSource source) { docs_source_ = std::move(source); }

  // Where insights and metrics read the connectors' circuit breakers from (the running
  // ConnectorCalls); without it they show none.
  void setBreakers(std::function<std::vector<runtime::BreakerView>()> source) {
    breakers_ = std::move(source);
  }
  // Where classifier models are held and kept (not owned); without them the list shows
  // no models and a model cannot be put.
  void setModels(runtime::ModelRegistry* registry, runtime::ModelStore* store) {
    models_ = registry;
    model_store_ = store;
  }
  // Who makes the backups (not owned); without it backups are refused with 409.
  void setBackups(Backups* backups) { backups_ = backups; }

 private:
  // The qualified name of `workflow` when it tracks `dimension`; else 404/400 (naming the
  // query parameter `param`).
  std::variant<std::string, ApiError> trackedDimension(std::string_view workflow,
                                                       std::string_view dimension,
                                                       std::string_view param) const;
  // The `by` section of GET /v1/insights.
  std::variant<InsightsParts::By, ApiError> insightsBy(const std::optional<std::string>& workflow,
                                                       const std::string& by,
                                                       const std::optional<int64_t>& since,
                                                       const std::optional<std::string>& period,
                                                       int64_t now) const;
  // What a deployment of `module` means for the current classifier models.
  nlohmann::json modelWarnings(const bytecode::Module& module) const;
  // A start's workflow (qualified) and its arguments decoded against the current
  // version's declared types; 404 no version or workflow, 400 naming the field.
  struct DecodedStart {
    std::string workflow;
    std::vector<vm::Value> args;
  };
  std::variant<DecodedStart, ApiError> decodeStart(std::string_view workflow,
                                                   const nlohmann::json& args) const;
  // An instance that was just started or decided on, with its figures. The step is
  // committed, so a failed read of them must not answer as a failure: both keys are
  // null then, and GET /v1/instances/{id} reads them again.
  void writeAfterStep(runtime::JsonWriter& out, const engine::InstanceView& view) const;

  engine::Engine& engine_;
  const runtime::ConnectorSet& connectors_;
  const runtime::Config& config_;
  std::function<std::vector<runtime::BreakerView>()> breakers_;
  runtime::ModelRegistry* models_ = nullptr;
  runtime::ModelStore* model_store_ = nullptr;
  Backups* backups_ = nullptr;
  uint32_t partition_ = 0;
  DeploymentPublisher publish_;
  // Once the queue has been seen empty after start, recovery has caught up; later queues
  // are load, not recovery, and do not make the service unready.
  std::atomic<bool> caught_up_ = false;
  std::atomic<uint64_t> overload_refusals_ = 0;
  // The doc comments of one version: set by setDocs, or kept by contract() from the docs
  // source (hence mutable).
  mutable std::mutex docs_mutex_;
  mutable std::string docs_version_;
  mutable std::shared_ptr<const runtime::DocTable> docs_;
  DocsSource docs_source_;
};

}  // namespace rflow::service
