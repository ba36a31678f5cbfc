// A cluster node: settings check, heartbeat, placement and the partition hosts.
#include "node/node.h"

#include <fmt/format.h>

#include <algorithm>

#include "cluster/jetstream_partition_log.h"
#include "engine/program_cache.h"
#include "node/placement.h"

namespace rflow::node {

NodeOptions nodeOptions(const runtime::ClusterConfig& cluster) {
  NodeOptions o;
  o.node = cluster.node;
  o.advertise = cluster.advertise;
  o.nats = cluster.nats;
  o.partitions = cluster.partitions;
  o.replicas = cluster.replicas;
  o.member_ttl = std::chrono::milliseconds(cluster.member_ttl_ms);
  o.follow_every = std::chrono::milliseconds(cluster.follow_every_ms);
  o.snapshot_every = cluster.snapshot_every;
  o.rebalance = cluster.rebalance;
  return o;
}

Node::Node(NodeOptions options)
    : options_(std::move(options)), started_(std::chrono::steady_clock::now()) {}

void Node::say(const std::string& line) const {
  if (options_.log) options_.log(fmt::format("node {}: {}", options_.node, line));
}

namespace {

// How long a joining node waits out "no responders" (NATS servers that just formed a
// cluster, buckets and streams just created, electing their leaders) before it gives up.
constexpr std::chrono::milliseconds kJoinPatience{20'000};

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::variant<std::unique_ptr<Node>, std::string> Node::start(NodeOptions options) {
  if (options.node.empty() || options.partitions == 0 || !options.clock || !options.calls)
    return std::string(
        "a cluster node needs a name, a partition count, a clock and a connector dispatcher");
  if (options.settle.count() == 0) options.settle = options.member_ttl / 2;
  auto node = std::unique_ptr<Node>(new Node(std::move(options)));
  const NodeOptions& o = node->options_;

  cluster::NatsOptions no;
  no.servers = o.nats;
  no.name = "rflow-" + o.node;
  no.request_timeout = o.nats_timeout;
  auto client = cluster::NatsClient::connect(no);
  if (!client.ok()) return client.status().message();
  node->nats_ = std::move(client).value();

  auto settings = cluster::patiently(kJoinPatience, [&] {
    return checkClusterSettings(
        *node->nats_, {o.partitions, o.replicas, static_cast<int64_t>(o.member_ttl.count())});
  });
  if (!settings.ok()) return settings.status().message();
  if (settings.value()) return *settings.value();

  const int64_t now = o.clock->now();
  node->members_ = std::make_unique<Membership>(
      node->nats_, MemberInfo{o.node, o.advertise, now, {}}, o.member_ttl, o.replicas);
  if (auto s = cluster::patiently(kJoinPatience, [&] { return node->members_->open(); }); !s.ok())
    return s.message();
  // Another live process with this name would take this one's partitions for its own.
  if (auto existing = cluster::patiently(
          kJoinPatience, [&] { return node->nats_->kvGet(std::string(kMembersBucket), o.node); });
      existing.ok()) {
    if (auto m = decodeMember(existing.value().value); m && m->started_ms != now)
      return fmt::format(
          "a node named {} ({}) is already a live member of the cluster at {}: give each node "
          "its own cluster.node, or wait {} ms for a stopped one's entry to expire",
          o.node, m->url, node->nats_->where(), o.member_ttl.count());
  }
  if (auto s = cluster::patiently(kJoinPatience, [&] { return node->members_->beat(); }); !s.ok())
    return s.message();
  node->joined_ = true;  // from now on the entry is ours to delete
  node->last_beat_ms_ = steadyMs();

  std::shared_ptr<cluster::SnapshotStore> snapshots;
  // Opened even when this node takes none: a store behind a trimmed log restores one.
  if (!o.in_memory) {
    auto opened = cluster::patiently(kJoinPatience, [&] {
      return cluster::SnapshotStore::open(node->nats_, {.replicas = o.replicas});
    });
    if (!opened.ok()) return opened.status().message();
    snapshots = std::move(opened).value();
  }
  if (auto problem = node->seedDeployments()) return *problem;
  cluster::JetStreamLogOptions lo;
  lo.replicas = o.replicas;
  lo.append_deadline = o.append_deadline;
  for (uint32_t p = 0; p < o.partitions; ++p) {
    auto log = cluster::patiently(
        kJoinPatience, [&] { return cluster::JetStreamPartitionLog::open(node->nats_, p, lo); });
    if (!log.ok()) return log.status().message();
    HostOptions ho;
    ho.partition = p;
    ho.node = o.node;
    ho.dir = o.data_dir / fmt::format("p{:02}", p);
    ho.durability = o.durability;
    ho.in_memory = o.in_memory;
    ho.clock = o.clock;
    ho.calls = o.calls;
    ho.deployments = node->deployments_;
    ho.engine = o.engine;
    ho.workers = o.workers_per_partition;
    ho.timer_poll = o.timer_poll;
    ho.snapshots = snapshots;
    ho.snapshot_every = o.snapshot_every;
    ho.claim_deadline = o.append_deadline;
    ho.log = o.log;
    ho.partitions = o.partitions;
    ho.deliver = [n = node.get()](uint32_t target, const std::string& message) {
      return n->deliverInbound(target, message);
    };
    ho.on_stopped = [n = node.get()](uint32_t partition, const std::string& why) {
      n->say(fmt::format("partition {}: the log stopped its engine: {}", partition, why));
      std::lock_guard lock(n->wake_mutex_);
      n->woken_ = true;
      n->wake_.notify_all();
    };
    auto host = PartitionHost::open(std::move(ho), std::move(log).value());
    if (auto* problem = std::get_if<std::string>(&host)) return *problem;
    node->hosts_.push_back(std::move(std::get<std::unique_ptr<PartitionHost>>(host)));
  }
  node->heartbeat_ = std::thread([n = node.get()] { n->heartbeatLoop(); });
  node->control_ = std::thread([n = node.get()] { n->controlLoop(); });
  if (o.follow_every.count() > 0)
    node->follower_ = std::thread([n = node.get()] { n->followLoop(); });
  node->say(
      fmt::format("joined the cluster at {} ({} partitions)", node->nats_->where(), o.partitions));
  return node;
}

Node::~Node() {
  stop();
}

void Node::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  if (control_.joinable()) control_.join();
  if (follower_.joinable()) follower_.join();
  std::lock_guard tick(tick_mutex_);
  for (auto& host : hosts_)
    host->release("the node is stopping");
  hosts_.clear();
  // A clean stop leaves at once, so that the standbys need not wait for the TTL; a paused
  // node (a drill of a hung one) leaves its entry to expire.
  if (members_ && joined_ && !paused_) (void)members_->leave();
  joined_ = false;
}

void Node::pauseMembership() {
  {
    std::lock_guard lock(wake_mutex_);
    paused_ = true;
  }
  wake_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  if (control_.joinable()) control_.join();
  if (follower_.joinable()) follower_.join();
}

void Node::heartbeatLoop() {
  const auto every =
      std::max<std::chrono::milliseconds>(options_.member_ttl / 5, std::chrono::milliseconds(50));
  std::unique_lock lock(wake_mutex_);
  while (!stopping_ && !paused_) {
    lock.unlock();
    if (auto s = members_->beat(held()); !s.ok()) {
      if (!beat_failing_.exchange(true)) say("heartbeat failed: " + s.message());
    } else {
      last_beat_ms_ = steadyMs();
      if (beat_failing_.exchange(false)) say("heartbeats reach NATS again");
    }
    lock.lock();
    wake_.wait_for(lock, every, [this] { return stopping_ || paused_; });
  }
}

std::optional<std::chrono::milliseconds> Node::cutOffFromNats() const {
  if (!beat_failing_) return std::nullopt;
  const std::chrono::milliseconds since(steadyMs() - last_beat_ms_.load());
  if (since < options_.member_ttl) return std::nullopt;
  return since;
}

void Node::controlLoop() {
  const auto every =
      std::max<std::chrono::milliseconds>(options_.member_ttl / 5, std::chrono::milliseconds(50));
  {
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, options_.settle, [this] { return stopping_ || paused_; });
  }
  std::unique_lock lock(wake_mutex_);
  while (!stopping_ && !paused_) {
    woken_ = false;
    lock.unlock();
    tick();
    lock.lock();
    wake_.wait_for(lock, every, [this] { return stopping_ || paused_ || woken_; });
  }
}

void Node::followLoop() {
  std::map<uint32_t, std::string> last_problem;  // said once until it changes
  std::unique_lock lock(wake_mutex_);
  while (!stopping_ && !paused_) {
    lock.unlock();
    {
      // A control pass changes roles: never follow at the same time; skip a turn instead.
      std::unique_lock pass(tick_mutex_, std::try_to_lock);
      if (pass.owns_lock()) {
        for (auto& host : hosts_) {
          if (host->role() != Role::kStandby) continue;
          auto problem = host->follow();
          std::string& said = last_problem[host->partition()];
          if (problem && *problem != said)
            say(fmt::format("partition {}: cannot follow: {}", host->partition(), *problem));
          said = problem.value_or("");
        }
        applyDeployments();
      }
    }
    lock.lock();
    wake_.wait_for(lock, options_.follow_every,
                   [this] { return stopping_ || paused_ || deployment_due_; });
    deployment_due_ = false;
  }
}

void Node::tick() {
  std::lock_guard guard(tick_mutex_);
  // First, at once: engines the log stopped.
  for (auto& host : hosts_) {
    if (host->role() == Role::kOwner && host->stoppedByLog()) {
      host->release("the partition log stopped its engine (fenced or regressed)");
      // Read the log now: its latest claim names the new owner, which placement keeps.
      if (auto problem = host->follow())
        say(fmt::format("partition {}: cannot follow: {}", host->partition(), *problem));
    }
  }
  // Cut off from NATS past the TTL (S5): this node's member entry has expired and another
  // node may own its partitions by now. Serving them on would answer from stale state (the
  // log would refuse any append, but reads and the task inbox would go on), so they are let
  // go; placement claims them again once beats reach NATS.
  if (auto since = cutOffFromNats()) {
    for (auto& host : hosts_)
      if (host->role() == Role::kOwner) host->interruptLog();
    for (auto& host : hosts_)
      if (host->role() == Role::kOwner)
        host->release(fmt::format(
            "this node has not reached NATS for {} ms, longer than the member TTL ({} ms): "
            "another node may own the partition now",
            since->count(), options_.member_ttl.count()));
    return;
  }
  auto members = members_->live();
  if (!members.ok()) {
    say("cannot read the members (placement waits): " + members.status().message());
    return;
  }
  std::vector<std::string> live;
  for (const MemberInfo& m : members.value())
    live.push_back(m.node);
  if (std::find(live.begin(), live.end(), options_.node) == live.end())
    live.push_back(options_.node);  // our own entry is being written again
  std::map<uint32_t, OwnerInfo> hints;
  for (auto& host : hosts_) {
    auto entry = nats_->kvGet(std::string(kOwnersBucket), ownerKey(host->partition()));
    if (!entry.ok()) continue;
    if (auto o = decodeOwner(entry.value().value)) hints[host->partition()] = *o;
  }
  for (auto& host : hosts_)
    placePartition(*host, live, hints, members.value());
  if (options_.rebalance) handOver(live, members.value());
  maintainHeld(members.value());
  applyDeployments();
  std::lock_guard lock(owners_mutex_);
  for (auto& [p, o] : hints) {
    auto& known = owners_[p];
    if (o.epoch >= known.epoch) known = o;
  }
}

namespace {

// What `node`'s last heartbeat said about `partition`; null when it said nothing.
const MemberPartition* heldBy(const std::vector<MemberInfo>& members, std::string_view node,
                              uint32_t partition) {
  for (const MemberInfo& m : members)
    if (m.node == node)
      for (const MemberPartition& held : m.partitions)
        if (held.partition == partition) return &held;
  return nullptr;
}

}  // namespace

void Node::maintainHeld(const std::vector<MemberInfo>& members) {
  for (auto& host : hosts_) {
    // Trimmed here, at the control pass, rather than at every follow: a scan of the redo
    // column five times a second per partition would be work for nothing.
    if (host->role() == Role::kStandby)
      if (auto problem = host->trimRedo())
        say(fmt::format("partition {}: {}", host->partition(), *problem));
    if (host->role() != Role::kOwner) continue;
    std::optional<cluster::Seq> standby_applied;
    for (const MemberInfo& m : members)
      for (const MemberPartition& held : m.partitions)
        if (m.node != options_.node && held.partition == host->partition() &&
            held.role == roleName(Role::kStandby))
          standby_applied = std::min(standby_applied.value_or(held.applied), held.applied);
    if (auto problem = host->snapshotIfDue(standby_applied))
      say(fmt::format("partition {}: {}", host->partition(), *problem));
    if (auto problem = host->trimRedo())
      say(fmt::format("partition {}: {}", host->partition(), *problem));
  }
}

void Node::handOver(const std::vector<std::string>& live, const std::vector<MemberInfo>& members) {
  const auto now = std::chrono::steady_clock::now();
  reclaimMoves(now);
  std::erase_if(not_before_, [&](const auto& m) { return now > m.second; });
  bool moved = false;
  for (auto& host : hosts_) {
    if (moving_.size() >= kMaxMoves) break;
    const uint32_t p = host->partition();
    if (host->role() != Role::kOwner || moving_.count(p) || not_before_.count(p)) continue;
    const std::vector<std::string> ranked = rankFor(p, live);
    if (ranked.empty() || ranked[0] == options_.node) continue;
    // Only to a standby that has caught up: it claims after replaying what is left.
    const MemberPartition* theirs = heldBy(members, ranked[0], p);
    if (!theirs || theirs->role != roleName(Role::kStandby) ||
        theirs->applied + kHandoverLag < host->position())
      continue;
    host->release(fmt::format("handed over to {}, which placement prefers", ranked[0]));
    if (auto problem = host->follow())
      say(fmt::format("partition {}: cannot follow: {}", p, *problem));
    moving_[p] = now + 3 * options_.member_ttl;
    moved = true;
  }
  // Say so at once rather than at the next heartbeat: the new owner claims when it reads it.
  if (moved)
    if (auto s = members_->beat(held()); !s.ok()) say("heartbeat failed: " + s.message());
}

void Node::reclaimMoves(std::chrono::steady_clock::time_point now) {
  for (auto it = moving_.begin(); it != moving_.end();) {
    PartitionHost& host = *hosts_[it->first];
    // Done: another node's claim is in the log (follow() reads it while we stand by).
    if (host.role() == Role::kOwner || host.owner() != options_.node) {
      it = moving_.erase(it);
      continue;
    }
    if (now <= it->second) {
      ++it;
      continue;
    }
    const uint32_t p = it->first;
    it = moving_.erase(it);
    not_before_[p] = now + 10 * options_.member_ttl;
    // Only above our own claim: becomeOwner replays the log first, and a claim by anyone
    // else that landed meanwhile keeps it theirs.
    const std::string me = options_.node;
    if (auto problem = host.becomeOwner([&me](const std::string& owner) { return owner == me; })) {
      say(fmt::format("partition {}: the handover did not land, and taking it back failed: {}", p,
                      *problem));
      continue;
    }
    say(fmt::format("partition {}: the handover did not land; claimed it again", p));
    publishOwner(host);
  }
}

void Node::placePartition(PartitionHost& host, const std::vector<std::string>& live,
                          const std::map<uint32_t, OwnerInfo>& hints,
                          const std::vector<MemberInfo>& members) {
  const uint32_t p = host.partition();
  auto hint = hints.find(p);
  if (host.role() == Role::kOwner) {
    // Another node at a higher epoch in the owner map: look in the log (the authority).
    if (hint != hints.end() && hint->second.node != options_.node &&
        hint->second.epoch > host.epoch() && host.supersededInLog()) {
      host.release(fmt::format("a later claim (epoch {}) is in its log", host.epoch()));
      if (auto problem = host.follow())  // learns the new owner from its claim
        say(fmt::format("partition {}: cannot follow: {}", p, *problem));
    } else {
      if (hint == hints.end() || hint->second.node != options_.node ||
          hint->second.epoch != host.epoch())
        publishOwner(host);
      return;  // sticky
    }
  }
  // The current owner: the latest claim this host has read, or the owner map's, whichever
  // has the higher epoch.
  std::string current = host.owner();
  if (hint != hints.end() && hint->second.node != options_.node &&
      hint->second.epoch >= host.epoch())
    current = hint->second.node;
  if (current == options_.node) current.clear();  // not us any more: we are not owner
  // An owner that handed the partition over says so in its heartbeat: a standby now, at
  // the epoch of its own claim or later (an older "standby" is from before it claimed).
  const bool handed_over = options_.rebalance && !current.empty() &&
                           std::find(live.begin(), live.end(), current) != live.end() &&
                           letGo(p, current, host.epoch(), members);
  if (handed_over) current.clear();
  const Placement want = place(p, live, current);
  if (want.owner == options_.node && !options_.drill_never_claim) {
    auto may_take = [&live, handed_over](const std::string& owner) {
      return handed_over || std::find(live.begin(), live.end(), owner) == live.end();
    };
    if (auto problem = host.becomeOwner(may_take)) {
      say(*problem);
      return;
    }
    publishOwner(host);
  } else if (want.standby == options_.node || want.owner == options_.node) {
    if (auto problem = host.follow())
      say(fmt::format("partition {}: cannot follow: {}", p, *problem));
  } else {
    host.idle();
  }
}

bool Node::letGo(uint32_t p, const std::string& owner, cluster::Epoch epoch,
                 const std::vector<MemberInfo>& members) {
  const MemberInfo* member = memberNamed(members, owner);
  if (!member) return false;
  if (const MemberPartition* theirs = heldBy(members, owner, p))
    return theirs->role == roleName(Role::kStandby) && theirs->epoch >= epoch;
  // Not listed at all: with three nodes the one that handed it over may be neither its
  // owner nor its standby any more (idle). But an entry written before its claim does not
  // list the partition either: only one written after we learned of the claim counts. A
  // heartbeat may be composed before the claim and land after it, so the second newer
  // entry is the first that surely is.
  ClaimSeen& seen = claims_seen_[p];
  if (seen.owner != owner || seen.epoch != epoch) seen = {owner, epoch, member->revision, 0};
  if (member->revision > seen.revision) {
    seen.revision = member->revision;
    ++seen.newer;
  }
  return seen.newer >= 2;
}

void Node::publishOwner(PartitionHost& host) {
  const OwnerInfo me{options_.node, options_.advertise, host.epoch()};
  auto put = nats_->kvPut(std::string(kOwnersBucket), ownerKey(host.partition()), encodeOwner(me));
  if (!put.ok()) {
    say(fmt::format("partition {}: cannot record its owner: {}", host.partition(),
                    put.status().message()));
    return;
  }
  std::lock_guard lock(owners_mutex_);
  owners_[host.partition()] = me;
}

std::vector<OwnedPartition> Node::owned() const {
  std::vector<OwnedPartition> out;
  for (const auto& host : hosts_) {
    if (auto e = host->engine()) out.push_back({host->partition(), host->epoch(), std::move(e)});
  }
  return out;
}

std::shared_ptr<engine::Engine> Node::engineFor(uint32_t partition) const {
  if (partition >= hosts_.size()) return nullptr;
  return hosts_[partition]->engine();
}

std::vector<OwnerEntry> Node::owners() const {
  std::vector<OwnerEntry> out;
  for (uint32_t p = 0; p < options_.partitions; ++p)
    out.push_back(ownerOf(p));
  return out;
}

OwnerEntry Node::ownerOf(uint32_t partition) const {
  std::lock_guard lock(owners_mutex_);
  OwnerEntry e;
  e.partition = partition;
  if (auto it = owners_.find(partition); it != owners_.end()) {
    e.node = it->second.node;
    e.url = it->second.url;
    e.epoch = it->second.epoch;
  }
  return e;
}

std::vector<MemberPartition> Node::held() const {
  std::vector<MemberPartition> out;
  for (const PartitionStatus& p : status())
    if (p.role != Role::kIdle)
      out.push_back({p.partition, std::string(roleName(p.role)), p.epoch, p.applied, p.deployed});
  return out;
}

OwnerEntry Node::refreshOwner(uint32_t partition) {
  auto entry = nats_->kvGet(std::string(kOwnersBucket), ownerKey(partition));
  if (entry.ok()) {
    if (auto o = decodeOwner(entry.value().value)) {
      std::lock_guard lock(owners_mutex_);
      auto& known = owners_[partition];
      if (o->epoch >= known.epoch) known = *o;
    }
  }
  return ownerOf(partition);
}

cluster::Result<std::string> Node::recordOnce(const std::string& key, const std::string& value) {
  const std::string bucket(kClusterBucket);
  // Create-if-absent, then read whatever is there (ours or another node's): idempotent, so
  // repeated while it cannot be read yet. Two nodes starting together on a fresh cluster
  // saw the create fail and the key absent at once (a bucket just made, its leader being
  // elected).
  return cluster::patiently(kJoinPatience, [&]() -> cluster::Result<std::string> {
    auto created = nats_->kvCreate(bucket, key, value);
    if (!created.ok() && created.status().kind() == cluster::ErrorKind::kUnavailable)
      return created.status();
    auto stored = nats_->kvGet(bucket, key);
    if (!stored.ok() && stored.status().kind() == cluster::ErrorKind::kNotFound)
      return cluster::Status::failure(
          cluster::ErrorKind::kUnavailable,
          fmt::format("{}: {} has no key {} yet ({})", nats_->where(), bucket, key,
                      created.ok() ? "written, not readable" : created.status().message()));
    if (!stored.ok()) return stored.status();
    return stored.value().value;
  });
}

std::vector<PartitionStatus> Node::status() const {
  std::vector<PartitionStatus> out;
  for (const auto& host : hosts_)
    out.push_back({host->partition(), host->role(), host->epoch(), host->owner(), host->position(),
                   host->deployed()});
  return out;
}

Delivery Node::deliverInbound(uint32_t target, const std::string& message) const {
  if (target >= options_.partitions)
    return {false, fmt::format("there is no partition {} in this cluster", target)};
  if (auto engine = engineFor(target)) {
    auto applied = engine->applyInbound(message);
    if (applied.ok()) return {true, {}};
    return {false, applied.error().message};
  }
  if (options_.send_inbound) return options_.send_inbound(target, message);
  return {false, fmt::format("partition {} is not owned by this node, and this node cannot "
                             "send to another",
                             target)};
}

}  // namespace rflow::node

namespace rflow::node {

std::optional<std::string> Node::seedDeployments() {
  const NodeOptions& o = options_;
  cluster::DeploymentLogOptions dlo;
  dlo.replicas = o.replicas;
  dlo.append_deadline = o.append_deadline;
  auto opened =
      cluster::patiently(kJoinPatience, [&] { return cluster::DeploymentLog::open(nats_, dlo); });
  if (!opened.ok()) return opened.status().message();
  deployments_ = std::move(opened).value();
  const std::optional<std::string> ours = engine::versionOfModule(o.module);
  if (!ours) return std::string("this node's project does not load as a module");
  cluster::DeploymentEntry seed;
  seed.version = *ours;
  seed.by = "node " + o.node;
  seed.at_ms = o.clock->now();
  seed.module.assign(o.module.begin(), o.module.end());
  seed.docs = o.docs;
  // Idempotent (only onto an empty log), so repeated while the stream elects its leader.
  auto seeded = cluster::patiently(kJoinPatience, [&] { return deployments_->seed(seed); });
  if (!seeded.ok()) return "the deployment log cannot be read: " + seeded.status().message();
  if (seeded.value().appended) {
    keepDocs(seed.version, std::move(seed.docs));
    say(
        fmt::format("the deployment log was empty: this node's project (version {}) is its "
                    "first deployment",
                    ours->substr(0, 12)));
    return std::nullopt;
  }
  auto latest = deployments_->at(seeded.value().seq);
  if (!latest.ok()) return "the deployment log cannot be read: " + latest.status().message();
  if (latest.value().version != *ours)
    say(fmt::format(
        "the cluster runs version {} (deployment {} by {}), not this node's project ({}); "
        "deploy it with POST /v1/deployments to run it",
        latest.value().version.substr(0, 12), latest.value().seq, latest.value().by,
        ours->substr(0, 12)));
  return std::nullopt;
}

void Node::applyDeployments() {
  bool any_owner = false;
  for (auto& host : hosts_)
    any_owner = any_owner || host->role() == Role::kOwner;
  if (!any_owner || !deployments_) return;
  auto tail = deployments_->tail();
  if (!tail.ok()) return;  // read again at the next pass
  bool moved = false;
  for (auto& host : hosts_) {
    if (host->role() != Role::kOwner || host->deployed() >= tail.value()) continue;
    const cluster::Seq before = host->deployed();
    // Said once until it changes: an entry that cannot be applied is tried every pass.
    auto problem = host->applyDeployments(tail.value());
    std::string& said = deploy_problems_[host->partition()];
    if (problem && *problem != said)
      say(fmt::format("partition {}: {}", host->partition(), *problem));
    said = problem.value_or("");
    moved = moved || host->deployed() != before;
  }
  if (moved)
    if (auto s = members_->beat(held()); !s.ok()) say("heartbeat failed: " + s.message());
}

cluster::Result<cluster::Published> Node::publishDeployment(std::vector<uint8_t> module,
                                                            std::string version, std::string by,
                                                            cluster::DocComments docs) {
  cluster::DeploymentEntry entry;
  entry.version = std::move(version);
  entry.by = std::move(by);
  entry.at_ms = options_.clock->now();
  entry.module.assign(module.begin(), module.end());
  entry.docs = std::move(docs);
  auto published = deployments_->publish(entry);
  if (published.ok()) {
    // Appended now or before (the same version as the latest): these are its doc comments
    // either way, as the same source gives the same version.
    keepDocs(entry.version, std::move(entry.docs));
    std::lock_guard lock(wake_mutex_);
    deployment_due_ = true;
    wake_.notify_all();
  }
  return published;
}

cluster::Result<cluster::Seq> Node::deploymentTail() {
  return deployments_->tail();
}

std::vector<DeploymentProgress> Node::deploymentProgress() {
  std::vector<DeploymentProgress> out(options_.partitions);
  for (uint32_t p = 0; p < options_.partitions; ++p)
    out[p].partition = p;
  // The others' heartbeats: the owner at the highest epoch each names.
  std::vector<cluster::Epoch> epochs(options_.partitions, 0);
  if (auto members = members_->live(); members.ok()) {
    for (const MemberInfo& m : members.value()) {
      if (m.node == options_.node) continue;
      for (const MemberPartition& held : m.partitions) {
        if (held.partition >= options_.partitions || held.role != roleName(Role::kOwner) ||
            held.epoch < epochs[held.partition])
          continue;
        epochs[held.partition] = held.epoch;
        out[held.partition].owner = m.node;
        out[held.partition].deployed = held.deployed;
      }
    }
  }
  for (const auto& host : hosts_) {
    if (host->role() != Role::kOwner || host->epoch() < epochs[host->partition()]) continue;
    out[host->partition()].owner = options_.node;
    out[host->partition()].deployed = host->deployed();
  }
  return out;
}

std::vector<DeploymentProgress> Node::awaitDeployment(cluster::Seq seq,
                                                      std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::vector<DeploymentProgress> progress = deploymentProgress();
    const bool done = std::all_of(progress.begin(), progress.end(),
                                  [seq](const DeploymentProgress& d) { return d.deployed >= seq; });
    if (done || std::chrono::steady_clock::now() >= until) return progress;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::shared_ptr<const cluster::DocComments> Node::keepDocs(const std::string& version,
                                                           cluster::DocComments docs) {
  auto kept = std::make_shared<const cluster::DocComments>(std::move(docs));
  std::lock_guard lock(docs_mutex_);
  docs_[version] = kept;
  return kept;
}

std::shared_ptr<const cluster::DocComments> Node::docsOf(std::string_view version) {
  {
    std::lock_guard lock(docs_mutex_);
    if (auto it = docs_.find(version); it != docs_.end()) return it->second;
  }
  if (!deployments_) return nullptr;
  // Written by another node: its entry is the log's latest while the partitions run it.
  auto latest = deployments_->latest();
  if (!latest.ok() || !latest.value() || latest.value()->version != version) return nullptr;
  return keepDocs(latest.value()->version, std::move(latest.value()->docs));
}

}  // namespace rflow::node
