// The cluster as NATS knows it: settings, members, owners, logs (cluster_report.h).
#include "node/cluster_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cluster/deployment_log.h"
#include "cluster/jetstream_partition_log.h"

namespace rflow::node {

using cluster::ErrorKind;
using cluster::Status;
using nlohmann::json;

namespace {

// What the live members' heartbeats say about partition `p`.
void addHolders(PartitionReport& r, const std::vector<MemberInfo>& members) {
  for (const MemberInfo& m : members) {
    for (const MemberPartition& held : m.partitions) {
      if (held.partition != r.partition) continue;
      const HolderReport holder{m.node, held.epoch, held.applied, held.deployed};
      if (held.role == "owner" && m.node == r.owner.node) r.owner_said = holder;
      if (held.role == "standby") r.standbys.push_back(holder);
    }
  }
}

Status readLog(cluster::NatsClient& nats, PartitionReport& r) {
  auto info = nats.streamInfo(cluster::JetStreamPartitionLog::streamName(r.partition));
  if (!info.ok()) return info.status().kind() == ErrorKind::kNotFound ? Status() : info.status();
  r.has_log = true;
  r.last_seq = info.value().last_seq;
  r.leader = info.value().leader;
  r.followers = info.value().followers;
  return {};
}

Status readOwner(cluster::NatsClient& nats, PartitionReport& r) {
  auto entry = nats.kvGet(std::string(kOwnersBucket), ownerKey(r.partition));
  if (!entry.ok()) return entry.status().kind() == ErrorKind::kNotFound ? Status() : entry.status();
  if (auto owner = decodeOwner(entry.value().value)) r.owner = std::move(*owner);
  return {};
}

// The deployment log's tail and its last entry's version and sender. Reads, creates nothing.
Status readDeployments(cluster::NatsClient& nats, ClusterReport& report) {
  const std::string stream(cluster::DeploymentLog::kStream);
  auto info = nats.streamInfo(stream);
  if (!info.ok()) return info.status().kind() == ErrorKind::kNotFound ? Status() : info.status();
  report.deployments_tail = info.value().last_seq;
  if (info.value().last_seq == 0) return {};
  auto msg = nats.getMsg(stream, info.value().last_seq);
  if (!msg.ok()) return msg.status();
  cluster::DeploymentEntry entry;
  if (Status s = cluster::decodeDeployment(msg.value().data, entry); !s.ok()) return s;
  report.deployed_version = entry.version;
  report.deployed_by = entry.by;
  return {};
}

void warnAboutDeployment(const PartitionReport& r, std::optional<cluster::Seq> tail,
                         std::vector<std::string>& warnings) {
  if (!tail || !r.owner_said || r.owner_said->deployed >= *tail) return;
  warnings.push_back(fmt::format(
      "{}'s owner {} has applied deployment {} of {}: it applies the rest at its next pass "
      "(within a second); if this stays, its log says why",
      ownerKey(r.partition), r.owner_said->node, r.owner_said->deployed, *tail));
}

void warnAbout(const PartitionReport& r, size_t members, std::vector<std::string>& warnings) {
  const std::string p = ownerKey(r.partition);
  if (!r.has_log) {
    warnings.push_back(fmt::format("{} has no log yet: no node has opened it", p));
    return;
  }
  if (r.owner.node.empty())
    warnings.push_back(fmt::format("{} has no owner: start a node of the cluster", p));
  else if (!r.owner_live)
    warnings.push_back(fmt::format(
        "{}'s last owner {} (epoch {}) is not a live member: its standby takes the partition "
        "over; until then its requests get 503",
        p, r.owner.node, r.owner.epoch));
  if (r.standbys.empty() && members > 1)
    warnings.push_back(fmt::format(
        "{} has no standby: if {} is lost, the partition waits for a node to replay its log", p,
        r.owner.node.empty() ? "its owner" : r.owner.node));
  // The stream is read after the heartbeats, and nothing is applied before the log holds
  // it: a holder ahead of the log means the log lost acknowledged entries (H3).
  std::vector<const HolderReport*> holders;
  if (r.owner_said) holders.push_back(&*r.owner_said);
  for (const HolderReport& s : r.standbys)
    holders.push_back(&s);
  for (const HolderReport* h : holders)
    if (h->applied > r.last_seq)
      warnings.push_back(fmt::format(
          "{}'s log ends at entry {}, but {} has applied up to {}: the log lost acknowledged "
          "entries, and the partition is not served until a node appends them again from its "
          "redo copy; if this stays, that node's log says why (docs/cluster.md, \"A log that "
          "lost its tail\")",
          p, r.last_seq, h->node, h->applied));
  for (const HolderReport& s : r.standbys)
    if (r.last_seq > s.applied && r.last_seq - s.applied >= kLaggingEntries)
      warnings.push_back(fmt::format("{}'s standby {} is {} log entries behind", p, s.node,
                                     r.last_seq - s.applied));
  for (const cluster::ReplicaState& f : r.followers) {
    if (f.offline)
      warnings.push_back(fmt::format("{}'s log replica on NATS server {} is offline", p, f.name));
    else if (!f.current)
      warnings.push_back(
          fmt::format("{}'s log replica on NATS server {} is catching up ({} operations behind)", p,
                      f.name, f.lag));
  }
}

std::string replicasText(const PartitionReport& r) {
  if (!r.has_log) return "-";
  std::string text = r.leader.empty() ? "single server" : r.leader + " (leader)";
  for (const cluster::ReplicaState& f : r.followers)
    text += fmt::format(", {} {}", f.name,
                        f.offline   ? "offline"
                        : f.current ? "current"
                                    : fmt::format("lag {}", f.lag));
  return text;
}

}  // namespace

cluster::Result<ClusterReport> readClusterReport(cluster::NatsClient& nats) {
  ClusterReport report;
  report.where = nats.where();
  auto settings = readClusterSettings(nats);
  if (!settings.ok()) return settings.status();
  if (!settings.value())
    return Status::failure(ErrorKind::kNotFound,
                           fmt::format("{}: no rflow cluster was created on these NATS servers "
                                       "(bucket {} holds no settings); start a node with a "
                                       "[cluster] section first",
                                       report.where, kClusterBucket));
  report.settings = *settings.value();
  auto members = readMembers(nats);
  if (!members.ok() && members.status().kind() != ErrorKind::kNotFound) return members.status();
  if (members.ok()) report.members = std::move(members.value());
  const bool owners_bucket = nats.bindKv(std::string(kOwnersBucket)).ok();
  if (Status s = readDeployments(nats, report); !s.ok()) return s;
  for (uint32_t p = 0; p < report.settings.partitions; ++p) {
    PartitionReport r;
    r.partition = p;
    if (Status s = readLog(nats, r); !s.ok()) return s;
    if (owners_bucket)
      if (Status s = readOwner(nats, r); !s.ok()) return s;
    r.owner_live = !r.owner.node.empty() && memberNamed(report.members, r.owner.node) != nullptr;
    addHolders(r, report.members);
    warnAbout(r, report.members.size(), report.warnings);
    warnAboutDeployment(r, report.deployments_tail, report.warnings);
    report.partitions.push_back(std::move(r));
  }
  if (report.members.empty())
    report.warnings.push_back("no node is a live member: nothing is served");
  else if (report.members.size() == 1)
    report.warnings.push_back(fmt::format("{} is the only live member: no partition has a standby",
                                          report.members[0].node));
  return report;
}

std::string formatReport(const ClusterReport& report) {
  std::string out =
      fmt::format("cluster at {}: {} partitions, {} log replica{}, member TTL {} ms\n",
                  report.where, report.settings.partitions, report.settings.replicas,
                  report.settings.replicas == 1 ? "" : "s", report.settings.member_ttl_ms);
  if (!report.deployments_tail)
    out += "deployments: no deployment log yet\n";
  else if (*report.deployments_tail == 0)
    out += "deployments: none\n";
  else
    out += fmt::format("deployments: {}, the latest version {} by {}\n", *report.deployments_tail,
                       report.deployed_version.substr(0, 12), report.deployed_by);
  out += "members:";
  if (report.members.empty()) out += " none";
  for (const MemberInfo& m : report.members)
    out += fmt::format("\n  {} {} ({} partitions)", m.node, m.url.empty() ? "-" : m.url,
                       m.partitions.size());
  out += fmt::format("\n\n{:<9}  {:<12} {:>5}  {:<12} {:>8} {:>9} {:>9} {:>9}  {}\n", "partition",
                     "owner", "epoch", "standby", "log last", "applied", "stby lag", "deployed",
                     "log replicas");
  for (const PartitionReport& r : report.partitions) {
    std::string owner = r.owner.node.empty() ? "-" : r.owner.node;
    if (!r.owner.node.empty() && !r.owner_live) owner += " (gone)";
    const std::string standby = r.standbys.empty() ? "-" : r.standbys[0].node;
    const std::string applied = r.owner_said ? std::to_string(r.owner_said->applied) : "-";
    const std::string lag =
        r.standbys.empty()
            ? "-"
            : std::to_string(r.last_seq - std::min(r.last_seq, r.standbys[0].applied));
    // The owner's deployment against the log's: "3/3", or "2/3" while it catches up.
    const std::string deployed =
        r.owner_said && report.deployments_tail
            ? fmt::format("{}/{}", r.owner_said->deployed, *report.deployments_tail)
            : "-";
    out += fmt::format("{:<9}  {:<12} {:>5}  {:<12} {:>8} {:>9} {:>9} {:>9}  {}\n",
                       ownerKey(r.partition), owner, r.owner.epoch, standby,
                       r.has_log ? std::to_string(r.last_seq) : "-", applied, lag, deployed,
                       replicasText(r));
  }
  if (report.warnings.empty()) {
    out += "\nno warnings\n";
  } else {
    out += fmt::format("\n{} warning{}:\n", report.warnings.size(),
                       report.warnings.size() == 1 ? "" : "s");
    for (const std::string& w : report.warnings)
      out += "  - " + w + "\n";
  }
  return out;
}

std::string reportJson(const ClusterReport& report) {
  json members = json::array();
  for (const MemberInfo& m : report.members)
    members.push_back({{"node", m.node}, {"url", m.url}, {"started_ms", m.started_ms}});
  const auto holder = [](const HolderReport& h) {
    return json{{"node", h.node}, {"epoch", h.epoch}, {"applied", h.applied}};
  };
  json partitions = json::array();
  for (const PartitionReport& r : report.partitions) {
    json replicas = json::array();
    for (const cluster::ReplicaState& f : r.followers)
      replicas.push_back(
          {{"server", f.name}, {"current", f.current}, {"offline", f.offline}, {"lag", f.lag}});
    json standbys = json::array();
    for (const HolderReport& s : r.standbys)
      standbys.push_back(holder(s));
    partitions.push_back(
        {{"partition", r.partition},
         {"log", r.has_log ? json{{"last_seq", r.last_seq},
                                  {"leader", r.leader},
                                  {"followers", std::move(replicas)}}
                           : json(nullptr)},
         {"owner",
          r.owner.node.empty()
              ? json(nullptr)
              : json{{"node", r.owner.node},
                     {"url", r.owner.url},
                     {"epoch", r.owner.epoch},
                     {"live", r.owner_live},
                     {"applied", r.owner_said ? json(r.owner_said->applied) : json(nullptr)},
                     {"deployed", r.owner_said ? json(r.owner_said->deployed) : json(nullptr)}}},
         {"standbys", std::move(standbys)}});
  }
  return json{{"nats", report.where},
              {"settings",
               {{"partitions", report.settings.partitions},
                {"replicas", report.settings.replicas},
                {"member_ttl_ms", report.settings.member_ttl_ms}}},
              {"members", std::move(members)},
              {"deployments", report.deployments_tail ? json{{"last_seq", *report.deployments_tail},
                                                             {"version", report.deployed_version},
                                                             {"by", report.deployed_by}}
                                                      : json(nullptr)},
              {"partitions", std::move(partitions)},
              {"warnings", report.warnings}}
      .dump(2);
}

}  // namespace rflow::node
