// Membership, the owner map and the cluster's settings, in KV buckets (hints only).
#include "node/membership.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace rflow::node {

using cluster::ErrorKind;
using cluster::Status;
using nlohmann::json;

namespace {

std::optional<json> parseObject(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace

cluster::Result<std::optional<std::string>> checkClusterSettings(cluster::NatsClient& nats,
                                                                 const ClusterSettings& wanted) {
  const std::string bucket(kClusterBucket);
  if (Status s = nats.ensureKv({bucket, wanted.replicas, {}}); !s.ok()) return s;
  const json mine = {{"format", 1},
                     {"partitions", wanted.partitions},
                     {"replicas", wanted.replicas},
                     {"member_ttl_ms", wanted.member_ttl_ms}};
  auto created = nats.kvCreate(bucket, "settings", mine.dump());
  if (!created.ok() && created.status().kind() == ErrorKind::kUnavailable) return created.status();
  auto read = readClusterSettings(nats);
  if (!read.ok()) return read.status();
  if (!read.value())
    return Status::failure(ErrorKind::kUnavailable,
                           fmt::format("{}: the cluster's settings were not recorded in bucket {}; "
                                       "start the node again",
                                       nats.where(), bucket));
  const ClusterSettings recorded = *read.value();
  std::string diff;
  if (recorded.partitions != wanted.partitions)
    diff += fmt::format(
        "\n  - the cluster has {} partitions; this node's rflow.toml says cluster.partitions = "
        "{}. The count is fixed when a cluster is created: set cluster.partitions = {}",
        recorded.partitions, wanted.partitions, recorded.partitions);
  if (recorded.replicas != wanted.replicas)
    diff += fmt::format(
        "\n  - its partition logs have {} replicas; this node says cluster.replicas = {}: set "
        "cluster.replicas = {}",
        recorded.replicas, wanted.replicas, recorded.replicas);
  if (recorded.member_ttl_ms != wanted.member_ttl_ms)
    diff += fmt::format(
        "\n  - its member TTL is {} ms; this node says cluster.member_ttl = {} ms: every node "
        "must use the same",
        recorded.member_ttl_ms, wanted.member_ttl_ms);
  if (diff.empty()) return std::optional<std::string>();
  return std::optional<std::string>(fmt::format(
      "this node's [cluster] settings do not match the cluster at {}:{}", nats.where(), diff));
}

std::string encodeMember(const MemberInfo& m) {
  json partitions = json::array();
  for (const MemberPartition& p : m.partitions)
    partitions.push_back({{"p", p.partition},
                          {"role", p.role},
                          {"epoch", p.epoch},
                          {"applied", p.applied},
                          {"deployed", p.deployed}});
  return json{{"node", m.node},
              {"url", m.url},
              {"started_ms", m.started_ms},
              {"partitions", std::move(partitions)}}
      .dump();
}

std::optional<MemberInfo> decodeMember(std::string_view text) {
  auto j = parseObject(text);
  if (!j || !j->contains("node") || !(*j)["node"].is_string()) return std::nullopt;
  MemberInfo m;
  m.node = (*j)["node"].get<std::string>();
  m.url = j->value("url", "");
  m.started_ms = j->value("started_ms", int64_t{0});
  // A hint for status only: entries that do not read are left out, not the member.
  if (auto it = j->find("partitions"); it != j->end() && it->is_array()) {
    for (const json& p : *it) {
      if (!p.is_object() || !p.contains("p") || !p["p"].is_number_unsigned()) continue;
      m.partitions.push_back(
          {p["p"].get<uint32_t>(), p.value("role", ""), p.value("epoch", cluster::Epoch{0}),
           p.value("applied", cluster::Seq{0}), p.value("deployed", cluster::Seq{0})});
    }
  }
  return m;
}

std::string encodeOwner(const OwnerInfo& o) {
  return json{{"node", o.node}, {"url", o.url}, {"epoch", o.epoch}}.dump();
}

std::optional<OwnerInfo> decodeOwner(std::string_view text) {
  auto j = parseObject(text);
  if (!j || !j->contains("node") || !(*j)["node"].is_string()) return std::nullopt;
  OwnerInfo o;
  o.node = (*j)["node"].get<std::string>();
  o.url = j->value("url", "");
  o.epoch = j->value("epoch", cluster::Epoch{0});
  return o;
}

cluster::Result<std::optional<ClusterSettings>> readClusterSettings(cluster::NatsClient& nats) {
  const std::string bucket(kClusterBucket);
  if (Status bound = nats.bindKv(bucket); !bound.ok()) {
    if (bound.kind() == ErrorKind::kNotFound) return std::optional<ClusterSettings>();
    return bound;
  }
  auto stored = nats.kvGet(bucket, "settings");
  if (!stored.ok()) {
    if (stored.status().kind() == ErrorKind::kNotFound) return std::optional<ClusterSettings>();
    return stored.status();
  }
  auto have = parseObject(stored.value().value);
  if (!have || !have->contains("partitions") || !(*have)["partitions"].is_number_unsigned())
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("{}: the cluster's settings in bucket {} cannot be read ({}): was it written "
                    "by a newer rflow?",
                    nats.where(), bucket, stored.value().value));
  return std::optional<ClusterSettings>(ClusterSettings{have->value("partitions", 0u),
                                                        have->value("replicas", 0),
                                                        have->value("member_ttl_ms", int64_t{0})});
}

std::string ownerKey(uint32_t partition) {
  return fmt::format("p{:02}", partition);
}

Status Membership::open() {
  if (Status s = nats_->ensureKv({std::string(kMembersBucket), replicas_, ttl_}); !s.ok()) return s;
  return nats_->ensureKv({std::string(kOwnersBucket), replicas_, {}});
}

Status Membership::beat(std::vector<MemberPartition> partitions) {
  std::string entry;
  {
    std::lock_guard lock(mutex_);
    self_.partitions = std::move(partitions);
    entry = encodeMember(self_);
  }
  auto put = nats_->kvPut(std::string(kMembersBucket), self_.node, entry);
  return put.ok() ? Status() : put.status();
}

Status Membership::leave() {
  return nats_->kvDelete(std::string(kMembersBucket), self_.node);
}

cluster::Result<std::vector<MemberInfo>> Membership::live() {
  return readMembers(*nats_);
}

cluster::Result<std::vector<MemberInfo>> readMembers(cluster::NatsClient& nats) {
  const std::string bucket(kMembersBucket);
  if (Status bound = nats.bindKv(bucket); !bound.ok()) return bound;
  auto keys = nats.kvKeys(bucket);
  if (!keys.ok()) return keys.status();
  std::vector<MemberInfo> out;
  for (const std::string& key : keys.value()) {
    auto entry = nats.kvGet(bucket, key);
    if (!entry.ok()) {
      if (entry.status().kind() == ErrorKind::kNotFound) continue;  // expired meanwhile
      return entry.status();
    }
    if (auto m = decodeMember(entry.value().value); m && m->node == key) {
      m->revision = entry.value().revision;
      out.push_back(std::move(*m));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MemberInfo& a, const MemberInfo& b) { return a.node < b.node; });
  return out;
}

const MemberInfo* memberNamed(const std::vector<MemberInfo>& members, std::string_view node) {
  for (const MemberInfo& m : members)
    if (m.node == node) return &m;
  return nullptr;
}

}  // namespace rflow::node
