// A partition on a node: its store, its log, and the engine while it owns the partition.
#include "node/partition_host.h"

#include <fmt/format.h>

#include "cluster/entry_codec.h"
#include "cluster/log_writer.h"
#include "engine/partition.h"
#include "engine/program_cache.h"
#include "replay/redo.h"
#include "replay/replay.h"

namespace rflow::node {
namespace {

// Connector calls of one tenure: sent through the node's dispatcher while the tenure is
// open; once it is closed nothing more is sent, and answers that come back later are
// dropped (the engine they were for is stopping; the partition's next owner re-sends the
// pending calls). close() waits for an answer being delivered.
class GatedCalls final : public engine::CallDispatcher {
 public:
  explicit GatedCalls(engine::CallDispatcher& inner) : inner_(inner) {}
  void dispatch(engine::CallRequest request,
                std::function<void(engine::CallResult)> done) override {
    {
      std::lock_guard lock(gate_->mutex);
      if (!gate_->open) return;
    }
    inner_.dispatch(std::move(request),
                    [gate = gate_, done = std::move(done)](engine::CallResult result) {
                      std::lock_guard lock(gate->mutex);
                      if (gate->open) done(std::move(result));
                    });
  }
  void close() {
    std::lock_guard lock(gate_->mutex);
    gate_->open = false;
  }

 private:
  struct Gate {
    // Recursive: a dispatcher that answers inside dispatch() delivers on the same thread.
    std::recursive_mutex mutex;
    bool open = true;
  };
  engine::CallDispatcher& inner_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace

// What one claim of the partition holds, destroyed in reverse order: the timer thread is
// joined (release()) before, the engine first, then the calls' gate and the writer it uses.
struct PartitionHost::Tenure {
  Tenure(cluster::PartitionLog& log, cluster::Seq tail, cluster::Epoch epoch,
         engine::CallDispatcher& calls)
      : writer(log, tail, epoch), gated(calls) {}
  cluster::LogWriter writer;
  GatedCalls gated;
  cluster::Epoch claimed_epoch = 0;  // the writer's, once claimed (read from any thread)
  // The outbox relay's: declared before the engine, whose last reports may still poke it.
  std::mutex relay_mutex;
  std::condition_variable relay_wake;
  bool relay_poked = false;
  std::atomic<bool> relay_stop{false};
  std::thread relay;
  std::unique_ptr<engine::Engine> engine;
  std::mutex timer_mutex;
  std::condition_variable timer_wake;
  bool timer_stop = false;
  std::thread timer;
};

std::string_view roleName(Role role) {
  switch (role) {
    case Role::kIdle:
      return "idle";
    case Role::kStandby:
      return "standby";
    case Role::kOwner:
      return "owner";
  }
  return "?";
}

std::variant<std::unique_ptr<PartitionHost>, std::string> PartitionHost::open(
    HostOptions options, std::unique_ptr<cluster::PartitionLog> log) {
  if (!options.clock || !options.calls || !log)
    return std::string("a partition host needs a clock, a connector dispatcher and a log");
  std::error_code ec;
  if (!options.in_memory) {
    std::filesystem::create_directories(options.dir, ec);
    if (ec)
      return fmt::format("cannot create partition {}'s data directory {}: {}", options.partition,
                         options.dir.string(), ec.message());
  }
  auto opened = store::Store::open(
      options.dir.string(),
      {.durability = options.durability, .in_memory = options.in_memory, .env = {}});
  if (auto* problem = std::get_if<std::string>(&opened)) return *problem;
  return std::unique_ptr<PartitionHost>(
      new PartitionHost(std::move(options), std::move(log),
                        std::move(std::get<std::unique_ptr<store::Store>>(opened))));
}

PartitionHost::PartitionHost(HostOptions options, std::unique_ptr<cluster::PartitionLog> log,
                             std::unique_ptr<store::Store> store)
    : options_(std::move(options)), log_(std::move(log)), store_(std::move(store)) {}

PartitionHost::~PartitionHost() {
  release("the node is stopping");
}

void PartitionHost::say(const std::string& line) const {
  if (options_.log)
    options_.log(fmt::format("node {}: partition {}: {}", options_.node, options_.partition, line));
}

Role PartitionHost::role() const {
  std::lock_guard lock(mutex_);
  return role_;
}

cluster::Epoch PartitionHost::epoch() const {
  std::lock_guard lock(mutex_);
  return epoch_;
}

std::string PartitionHost::owner() const {
  std::lock_guard lock(mutex_);
  return owner_;
}

std::shared_ptr<engine::Engine> PartitionHost::engine() const {
  std::lock_guard lock(mutex_);
  if (role_ != Role::kOwner || !tenure_) return nullptr;
  return std::shared_ptr<engine::Engine>(tenure_, tenure_->engine.get());
}

std::variant<cluster::Seq, std::string> PartitionHost::catchUp() {
  if (auto problem = restoreIfTrimmed()) return *problem;
  replay::ReplayOptions replaying;
  replaying.keep_redo = true;
  auto replayed = replay::replay(*log_, *store_, replaying);
  if (auto* problem = std::get_if<std::string>(&replayed)) {
    // A log that ends below this store lost acknowledged entries (H3): append them again
    // from the redo copy, then replay (nothing is left to apply then).
    auto repaired = replay::repairFromRedo(*log_, *store_, options_.claim_deadline);
    if (auto* why = std::get_if<std::string>(&repaired))
      return fmt::format("{}; {}", *problem, *why);
    const auto& repair = std::get<replay::RepairReport>(repaired);
    if (repair.held <= repair.log_last) return *problem;
    say(fmt::format(
        "the log had lost entries {} to {} (acknowledged before the NATS servers wrote them to "
        "disk); this node appended {} of them again from its redo copy, as they were",
        repair.log_last + 1, repair.held, repair.reappended));
    replayed = replay::replay(*log_, *store_, replaying);
    if (auto* again = std::get_if<std::string>(&replayed)) return *again;
  }
  const auto& report = std::get<replay::ReplayReport>(replayed);
  std::lock_guard lock(mutex_);
  epoch_ = std::max(epoch_, report.epoch);
  if (!report.owner.empty()) owner_ = report.owner;
  seen_ = std::max(seen_.load(), report.tail);
  return report.tail;
}

std::optional<std::string> PartitionHost::restoreIfTrimmed() {
  auto bounds = log_->bounds();
  if (!bounds.ok()) return bounds.status().message();
  auto applied = store_->appliedSeq();
  if (!applied.ok()) return applied.status().message();
  // Every entry after applied_seq is still in the log (or the log is behind the store,
  // which replay refuses and explains).
  if (applied.value() + 1 >= bounds.value().first || !options_.snapshots) return std::nullopt;
  auto latest = options_.snapshots->latest(options_.partition);
  if (!latest.ok()) return latest.status().message();
  if (!latest.value() || latest.value()->seq + 1 < bounds.value().first)
    return fmt::format(
        "partition {}'s log starts at sequence {}, this store has applied up to {}, and no "
        "snapshot reaches the gap ({}): the partition cannot be caught up with here. Check "
        "stream {}",
        options_.partition, bounds.value().first, applied.value(),
        latest.value() ? fmt::format("the newest is at {}", latest.value()->seq) : "none stored",
        cluster::SnapshotStore::kStream);
  return restoreSnapshot(*latest.value());
}

std::optional<std::string> PartitionHost::restoreSnapshot(
    const cluster::SnapshotManifest& manifest) {
  namespace fs = std::filesystem;
  const fs::path incoming = options_.dir.string() + ".incoming";
  const fs::path replaced = options_.dir.string() + ".replaced";
  std::error_code ec;
  fs::remove_all(incoming, ec);
  fs::remove_all(replaced, ec);
  if (cluster::Status s = options_.snapshots->restore(manifest, incoming); !s.ok())
    return fmt::format("cannot restore snapshot {} of partition {}: {}", manifest.id,
                       options_.partition, s.message());
  const store::StoreOptions store_options{
      .durability = options_.durability, .in_memory = false, .env = {}};
  std::unique_lock lock(store_mutex_);
  store_.reset();  // closes the database, so that its directory can move
  fs::rename(options_.dir, replaced, ec);
  if (!ec) fs::rename(incoming, options_.dir, ec);
  auto opened = ec ? std::variant<std::unique_ptr<store::Store>, std::string>(ec.message())
                   : store::Store::open(options_.dir.string(), store_options);
  if (auto* problem = std::get_if<std::string>(&opened)) {
    // Put the old store back as it was: a standby that cannot restore still serves status.
    std::error_code ignored;
    if (fs::exists(replaced)) {
      fs::remove_all(options_.dir, ignored);
      fs::rename(replaced, options_.dir, ignored);
    }
    fs::remove_all(incoming, ignored);
    auto old = store::Store::open(options_.dir.string(), store_options);
    if (auto* again = std::get_if<std::unique_ptr<store::Store>>(&old)) store_ = std::move(*again);
    return fmt::format("snapshot {} of partition {} was fetched but does not open: {}", manifest.id,
                       options_.partition, *problem);
  }
  store_ = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  fs::remove_all(replaced, ec);
  last_snapshot_ = manifest.seq;
  say(fmt::format("restored snapshot {} (the log up to sequence {})", manifest.id, manifest.seq));
  return std::nullopt;
}

std::optional<std::string> PartitionHost::trimRedo() {
  std::shared_lock lock(store_mutex_);
  auto trimmed =
      replay::trimRedo(*store_, cluster::redoClockMs() - options_.redo_keep.count(), position());
  if (!trimmed.ok()) return "its redo copy cannot be trimmed: " + trimmed.status().message();
  return std::nullopt;
}

std::optional<std::string> PartitionHost::snapshotIfDue(
    std::optional<cluster::Seq> standby_applied) {
  namespace fs = std::filesystem;
  if (!options_.snapshots || options_.in_memory || options_.snapshot_every == 0 ||
      role() != Role::kOwner)
    return std::nullopt;
  const cluster::Seq at = position();
  if (at < last_snapshot_ + options_.snapshot_every) return std::nullopt;
  const fs::path copy = options_.dir.string() + ".snapshot";
  std::error_code ec;
  fs::remove_all(copy, ec);
  {
    std::shared_lock lock(store_mutex_);
    if (store::Status s = store_->checkpoint(copy.string()); !s.ok())
      return "cannot take a snapshot: " + s.message();
  }
  // The copy's own applied_seq: writes went on while it was taken.
  cluster::Seq seq = 0;
  {
    auto opened = store::Store::openReadOnly(copy.string());
    if (auto* problem = std::get_if<std::string>(&opened))
      return "the snapshot does not open: " + *problem;
    auto applied = std::get<std::unique_ptr<store::Store>>(opened)->appliedSeq();
    if (!applied.ok()) return "the snapshot's applied sequence: " + applied.status().message();
    seq = applied.value();
  }
  auto stored = options_.snapshots->store(options_.partition, seq, epoch(), copy);
  fs::remove_all(copy, ec);
  if (!stored.ok()) return "cannot store the snapshot: " + stored.status().message();
  last_snapshot_ = seq;
  // Keep the entry at the trim point: a replay from the snapshot reads it for its epoch.
  const cluster::Seq keep_from = std::min(seq, standby_applied.value_or(seq));
  if (keep_from > 1)
    if (cluster::Status s = log_->trim(keep_from - 1); !s.ok())
      return fmt::format("snapshot {} stored, but the log was not trimmed: {}", stored.value().id,
                         s.message());
  say(fmt::format(
      "snapshot {} stored ({} bytes, the log up to sequence {}); the log now starts "
      "at {}",
      stored.value().id, stored.value().bytes, seq, std::max<cluster::Seq>(keep_from, 1)));
  return std::nullopt;
}

cluster::Seq PartitionHost::position() const {
  std::shared_lock lock(store_mutex_);
  auto applied = store_->appliedSeq();
  return std::max(seen_.load(), applied.ok() ? applied.value() : cluster::Seq{0});
}

std::optional<std::string> PartitionHost::follow() {
  if (role() == Role::kOwner) release("it follows the log as a standby now");
  {
    std::lock_guard lock(mutex_);
    role_ = Role::kStandby;
  }
  auto tail = catchUp();
  if (auto* problem = std::get_if<std::string>(&tail)) return *problem;
  return std::nullopt;
}

void PartitionHost::idle() {
  if (role() == Role::kOwner) release("it is no longer placed on this node");
  std::lock_guard lock(mutex_);
  role_ = Role::kIdle;
}

std::optional<std::string> PartitionHost::becomeOwner(
    const std::function<bool(const std::string& owner)>& may_take_from) {
  if (role() == Role::kOwner) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    role_ = Role::kStandby;
  }
  auto tail = catchUp();
  if (auto* problem = std::get_if<std::string>(&tail)) return *problem;
  if (const std::string last = owner();
      !last.empty() && last != options_.node && may_take_from && !may_take_from(last))
    return fmt::format("partition {} was not claimed: {} claimed it, and it is alive",
                       options_.partition, last);
  auto tenure =
      std::make_shared<Tenure>(*log_, std::get<cluster::Seq>(tail), epoch(), *options_.calls);
  // The claim: after the tail just replayed, at epoch + 1. Unknown is repeated unchanged
  // (the log's rule) until the deadline; given up, it may still have landed: the next
  // attempt replays it and claims above it, which is safe.
  cluster::AppendResult claimed = tenure->writer.claim(options_.node);
  const auto deadline = std::chrono::steady_clock::now() + options_.claim_deadline;
  while (claimed.unknown() && std::chrono::steady_clock::now() < deadline)
    claimed = tenure->writer.retryPending();
  if (!claimed.appended()) {
    if (const cluster::Fenced* f = claimed.fenced()) {
      std::lock_guard lock(mutex_);
      epoch_ = std::max(epoch_, f->by_epoch);
      if (!f->by_node.empty()) owner_ = f->by_node;
    }
    return fmt::format("partition {} was not claimed: {}", options_.partition, claimed.describe());
  }
  tenure->claimed_epoch = tenure->writer.epoch();
  seen_ = std::max(seen_.load(), tenure->writer.tail());
  if (store::Status kept =
          replay::keepEntry(*store_, tenure->writer.tail(),
                            cluster::encodeClaim({tenure->claimed_epoch, options_.node}),
                            cluster::redoClockMs());
      !kept.ok())
    say("the claim is not in this node's redo copy: " + kept.message());
  stopped_by_log_ = false;
  engine::EngineOptions eo = options_.engine;
  eo.log = &tenure->writer;
  eo.keep_redo = true;
  eo.partition = options_.partition;  // ids carry it, so any node can route by id
  eo.on_log_stopped = [this](const std::string& why) {
    stopped_by_log_ = true;
    if (options_.on_stopped) options_.on_stopped(options_.partition, why);
  };
  const bool relays = options_.deliver && options_.partitions > 1;
  if (relays) {
    eo.partition_of = [n = options_.partitions](std::string_view workflow, std::string_view key) {
      return engine::partitionFor(workflow, key, n);
    };
    eo.on_outbox = [t = tenure.get()] {
      {
        std::lock_guard lock(t->relay_mutex);
        t->relay_poked = true;
      }
      t->relay_wake.notify_all();
    };
  }
  tenure->engine =
      std::make_unique<engine::Engine>(*store_, *options_.clock, tenure->gated, std::move(eo));
  if (const std::string& why = tenure->engine->commitPriorityProblem(); !why.empty()) say(why);
  // Deployments appended while nobody owned the partition, or while its owner was down:
  // applied before any work, so that nothing starts on a version the cluster replaced. A
  // log that cannot be read now is read again at the next control pass.
  if (options_.deployments) {
    auto last = options_.deployments->tail();
    const auto applied = last.ok() ? applyDeploymentsTo(*tenure->engine, last.value())
                                   : std::optional<std::string>(last.status().message());
    if (applied) say("deployments not applied yet: " + *applied);
  }
  std::optional<std::string> problem;
  if (auto recovered = tenure->engine->recover(); !recovered)
    problem = "its data cannot be read to carry on its work: " + recovered.error().message;
  if (problem) {
    deployed_ = 0;
    tenure->gated.close();
    tenure->engine.reset();
    return fmt::format("partition {} was claimed at epoch {}, but {}", options_.partition,
                       tenure->claimed_epoch, *problem);
  }
  tenure->engine->startWorkers(std::max<size_t>(1, options_.workers));
  tenure->timer = std::thread([this, tenure] { timerLoop(tenure); });
  if (relays) tenure->relay = std::thread([this, tenure] { relayLoop(tenure); });
  {
    std::lock_guard lock(mutex_);
    epoch_ = std::max(epoch_, tenure->claimed_epoch);
    owner_ = options_.node;
    tenure_ = tenure;
    role_ = Role::kOwner;
  }
  say(fmt::format("owned at epoch {}", tenure->claimed_epoch));
  return std::nullopt;
}

std::optional<std::string> PartitionHost::applyDeployments(cluster::Seq tail) {
  std::shared_ptr<engine::Engine> owned = engine();
  if (!owned || stopped_by_log_) return std::nullopt;
  return applyDeploymentsTo(*owned, tail);
}

std::optional<std::string> PartitionHost::applyDeploymentsTo(engine::Engine& engine,
                                                             cluster::Seq tail) {
  if (!options_.deployments) return std::nullopt;
  auto applied = engine.deploymentSeq();
  if (auto* error = std::get_if<engine::EngineError>(&applied))
    return "its applied deployment cannot be read: " + error->message;
  cluster::Seq at = std::get<uint64_t>(applied);
  deployed_ = at;
  while (at < tail) {
    auto entry = options_.deployments->at(at + 1);
    if (!entry.ok())
      return fmt::format("deployment {} cannot be read from the deployment log: {}", at + 1,
                         entry.status().message());
    cluster::DeploymentEntry& e = entry.value();
    std::vector<uint8_t> bytes(e.module.begin(), e.module.end());
    // The version is the module's content hash: an entry whose bytes hash otherwise was
    // not written by rflow, and deploying it would run something else than it names.
    if (const auto v = engine::versionOfModule(bytes); v && *v != e.version)
      return fmt::format(
          "deployment {} names version {} but its module is version {}: stream {} was "
          "written by something other than rflow",
          e.seq, e.version, *v, cluster::DeploymentLog::kStream);
    auto deployed = engine.deployFromLog(std::move(bytes), e.seq);
    if (auto* error = std::get_if<engine::EngineError>(&deployed))
      return fmt::format("deployment {} (version {}, by {}) cannot be applied: {}", e.seq,
                         e.version.substr(0, 12), e.by, error->message);
    at = e.seq;
    deployed_ = at;
    say(fmt::format("runs version {} (deployment {} by {})", e.version.substr(0, 12), e.seq, e.by));
  }
  return std::nullopt;
}

void PartitionHost::timerLoop(std::shared_ptr<Tenure> tenure) {
  std::unique_lock lock(tenure->timer_mutex);
  while (!tenure->timer_stop) {
    tenure->timer_wake.wait_for(lock, options_.timer_poll);
    if (tenure->timer_stop || stopped_by_log_) break;
    lock.unlock();
    tenure->engine->fireTimers(options_.clock->now());
    lock.lock();
  }
}

void PartitionHost::relayLoop(std::shared_ptr<Tenure> tenure) {
  OutboxRelay relay(options_.partition, options_.deliver,
                    [this](const std::string& line) { say(line); });
  const auto stop = [&] { return tenure->relay_stop.load() || stopped_by_log_.load(); };
  std::unique_lock lock(tenure->relay_mutex);
  while (!stop()) {
    // Woken by a step that wrote a message; else every timer_poll, or when a target's
    // backoff ends (a message may have been held back by an unreported step, too).
    auto until = std::chrono::steady_clock::now() + options_.timer_poll;
    if (auto retry = relay.nextRetry(); retry && *retry < until) until = *retry;
    tenure->relay_wake.wait_until(lock, until, [&] { return tenure->relay_poked || stop(); });
    tenure->relay_poked = false;
    if (stop()) break;
    lock.unlock();
    relay.pass(*tenure->engine, stop);
    lock.lock();
  }
}

void PartitionHost::interruptLog() {
  std::shared_ptr<Tenure> tenure;
  {
    std::lock_guard lock(mutex_);
    tenure = tenure_;
  }
  if (tenure) tenure->engine->interruptLog();
}

void PartitionHost::release(const std::string& why) {
  std::shared_ptr<Tenure> tenure;
  {
    std::lock_guard lock(mutex_);
    tenure = std::move(tenure_);
    if (role_ == Role::kOwner) role_ = Role::kStandby;
  }
  deployed_ = 0;
  if (!tenure) return;
  {
    std::lock_guard lock(tenure->timer_mutex);
    tenure->timer_stop = true;
  }
  tenure->timer_wake.notify_all();
  if (tenure->timer.joinable()) tenure->timer.join();
  {
    std::lock_guard lock(tenure->relay_mutex);
    tenure->relay_stop = true;
  }
  tenure->relay_wake.notify_all();
  if (tenure->relay.joinable()) tenure->relay.join();
  tenure->gated.close();
  tenure->engine->stopWorkers();
  // Requests may still hold the engine: nothing more of theirs reaches the log or this
  // store, which a standby's replay writes from now on.
  tenure->engine->closeLog(why);
  say(fmt::format("released at epoch {}: {}", tenure->claimed_epoch, why));
}

bool PartitionHost::supersededInLog() {
  cluster::Epoch mine = 0;
  {
    std::lock_guard lock(mutex_);
    if (role_ != Role::kOwner || !tenure_) return false;
    mine = tenure_->claimed_epoch;
  }
  auto last = log_->lastSeq();
  if (!last.ok()) return false;
  auto entries = log_->read(last.value(), 1);
  if (!entries.ok() || entries.value().empty()) return false;
  const cluster::LogEntry& e = entries.value().back();
  if (e.epoch <= mine) return false;
  std::lock_guard lock(mutex_);
  epoch_ = std::max(epoch_, e.epoch);
  if (e.kind == cluster::EntryKind::kClaim) owner_ = e.node;
  return true;
}

}  // namespace rflow::node
