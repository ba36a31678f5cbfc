// rflow.toml's [cluster]: this node's name and URL, the NATS servers, and the cluster's shape.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>

#include "runtime/config_reader.h"
#include "runtime/duration_text.h"

namespace rflow::runtime::config_read {

bool Reader::isNodeName(std::string_view n) {
  return !n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

void Reader::readClusterNats(const toml::node& v, const toml::key& k, ClusterConfig& cluster) {
  const auto* list = v.as_array();
  if (!list || list->empty()) {
    error(posOf(k.source()), "cluster.nats",
          fmt::format("expected the NATS servers' client URLs, like [\"nats://10.0.0.1:4222\", "
                      "\"nats://10.0.0.2:4222\", \"nats://10.0.0.3:4222\"], found {}",
                      list ? "an empty list" : found(v)));
    return;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const toml::node& item = *list->get(i);
    const std::string path = fmt::format("cluster.nats[{}]", i);
    const auto* s = item.as_string();
    const std::string_view text = s ? std::string_view(s->get()) : std::string_view();
    const size_t scheme = text.find("://");
    const std::string_view name = scheme == std::string_view::npos ? "" : text.substr(0, scheme);
    if (!s || (name != "nats" && name != "tls") || text.size() <= scheme + 3) {
      error(posOf(item.source()), path,
            fmt::format("expected a NATS client URL like \"nats://10.0.0.1:4222\", found {}",
                        found(item)));
      continue;
    }
    cluster.nats.push_back(s->get());
  }
}

namespace {

// A duration setting in [min_ms, max_ms] (0 allowed when `zero_ok`); nullopt when the
// value is not one.
std::optional<int64_t> clusterDuration(const toml::node& v, int64_t min_ms, int64_t max_ms,
                                       bool zero_ok) {
  const auto* s = v.as_string();
  if (!s) return std::nullopt;
  const auto parsed = parseDurationText(s->get());
  const int64_t* ms = std::get_if<int64_t>(&parsed);
  if (!ms || (*ms == 0 && zero_ok)) return ms ? std::optional<int64_t>(0) : std::nullopt;
  if (*ms < min_ms || *ms > max_ms) return std::nullopt;
  return *ms;
}

}  // namespace

void Reader::readClusterKey(const std::string& key, const toml::node& v, const toml::key& k,
                            ClusterConfig& cluster) {
  const std::string key_path = joinKey("cluster", key);
  auto bad = [&](std::string message) { error(posOf(k.source()), key_path, std::move(message)); };
  if (key == "node") {
    if (const auto* s = expectString(v, k, key_path, "\"rflow-1\"")) {
      if (!isNodeName(*s))
        bad(
            fmt::format("a node name is 1 to 64 letters, digits, '-' or '_', unique in the "
                        "cluster, like \"rflow-1\"; found {}",
                        found(v)));
      else
        cluster.node = *s;
    }
  } else if (key == "nats") {
    readClusterNats(v, k, cluster);
  } else if (key == "advertise") {
    if (const auto* s = expectString(v, k, key_path, "\"http://10.0.0.5:8080\"")) {
      auto url = parseHttpUrl(*s);
      if (auto* why = std::get_if<std::string>(&url))
        bad(
            fmt::format("expected the URL the other nodes reach this one's API at, like "
                        "\"http://10.0.0.5:8080\": {}",
                        *why));
      else
        cluster.advertise = *s;
    }
  } else if (key == "partitions") {
    const auto* i = v.as_integer();
    if (!i || i->get() < 1 || i->get() > kMaxPartitions)
      bad(
          fmt::format("expected the number of partitions, from 1 to {} (fixed when the "
                      "cluster is created; every node must say the same), found {}",
                      kMaxPartitions, found(v)));
    else
      cluster.partitions = static_cast<uint32_t>(i->get());
  } else if (key == "replicas") {
    const auto* i = v.as_integer();
    if (!i || (i->get() != 1 && i->get() != 3))
      bad(
          fmt::format("expected 3 (each partition log on three NATS servers: a cluster "
                      "that survives losing one) or 1 (a single NATS server), found {}",
                      found(v)));
    else
      cluster.replicas = static_cast<int>(i->get());
  } else if (key == "member_ttl") {
    if (auto ms = clusterDuration(v, kMinMemberTtlMs, kMaxMemberTtlMs, false))
      cluster.member_ttl_ms = *ms;
    else
      bad(
          fmt::format("expected a duration from \"1s\" to \"5m\" like \"10s\" (a node "
                      "silent this long is taken for dead and its partitions move), found {}",
                      found(v)));
  } else if (key == "follow_every") {
    if (auto ms = clusterDuration(v, kMinFollowEveryMs, kMaxFollowEveryMs, true))
      cluster.follow_every_ms = *ms;
    else
      bad(
          fmt::format("expected a duration from \"50ms\" to \"10s\" like \"200ms\" (how "
                      "often a standby reads its owner's log), or \"0s\" to read it only "
                      "every member_ttl/5; found {}",
                      found(v)));
  } else if (key == "snapshot_every") {
    const auto* i = v.as_integer();
    if (!i || (i->get() != 0 && (i->get() < kMinSnapshotEvery || i->get() > kMaxSnapshotEvery)))
      bad(
          fmt::format("expected a number of log entries from {} to {} like 10000 (an owner "
                      "snapshots its partition and trims the log each time it grows that "
                      "much), or 0 for never; found {}",
                      kMinSnapshotEvery, kMaxSnapshotEvery, found(v)));
    else
      cluster.snapshot_every = static_cast<uint64_t>(i->get());
  } else if (key == "rebalance") {
    if (const auto* b = v.as_boolean())
      cluster.rebalance = b->get();
    else
      bad(
          fmt::format("expected true (an owner hands a joining node its share of the "
                      "partitions) or false (a live owner keeps its partitions), found {}",
                      found(v)));
  }
}

void Reader::readCluster(const toml::table& t, SourcePos section, ClusterConfig& cluster) {
  static constexpr std::string_view kKeys[] = {"node",         "nats",           "advertise",
                                               "partitions",   "replicas",       "member_ttl",
                                               "follow_every", "snapshot_every", "rebalance"};
  cluster.enabled = true;
  bool has_node = false, has_nats = false, has_advertise = false;
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      unknownKey(k, "cluster", kKeys,
                 "the cluster settings are node, nats, advertise, partitions, replicas, "
                 "member_ttl, follow_every, snapshot_every and rebalance");
      continue;
    }
    has_node |= key == "node";
    has_nats |= key == "nats";
    has_advertise |= key == "advertise";
    readClusterKey(key, v, k, cluster);
  }
  if (!has_node)
    error(section, "cluster.node",
          "a cluster node needs a name: add node = \"rflow-1\" (unique in the cluster)");
  if (!has_nats)
    error(section, "cluster.nats",
          "a cluster node needs its NATS servers: add nats = [\"nats://10.0.0.1:4222\", …]");
  if (!has_advertise)
    error(section, "cluster.advertise",
          "a cluster node needs the URL the other nodes forward requests to: add "
          "advertise = \"http://10.0.0.5:8080\" (its [service] listen address as reachable "
          "from them)");
}

}  // namespace rflow::runtime::config_read
