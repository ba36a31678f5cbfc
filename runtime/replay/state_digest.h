// The digest of a partition's replicated state (issue 19, `rflow cluster verify`): what an
// owner's store and a store rebuilt from snapshot + log must agree on at one applied log
// position. The owner answers it on GET /v1/cluster/partitions/{p}/digest (service/); the
// verifier (node/cluster_verify.h) computes it over its rebuild and compares.
//
// What is compared: every column family the log's commit groups write, key by key in key
// order, with its value, read at ONE point of the store (Store::scanAtOnePoint), so kMeta's
// applied_seq and the records agree: Store::applyGroup writes a group and its applied_seq
// in one atomic write, so no group is ever seen half applied. What is left out, because a
// node writes it straight into its own store and never through the log (isNodeLocal):
//   - kModules (the deployed modules) and kMeta `current` (the current version): a
//     deployment is committed through the log now, but stores written before that hold
//     deployments no log entry has;
//   - kMeta `schema` (written when a directory is created) and `applied_seq` (the position
//     itself, compared on its own);
//   - kMeta `model\0…`, `model-current\0…`, `model-config\0…` (classifier models,
//     runtime/model_store.h, kept per store);
//   - kRedo, each node's own copy of recent log entries (replay/redo.h), stamped with
//     that node's clock.
//
// The digest is PERSISTED in no store, but it is a wire format between rflow versions of
// one cluster: per column, SHA-256 over each replicated key's be64(key size), key,
// be64(value size), value, in key order; the whole, SHA-256 over the columns' name, a 0
// byte and hex digest, in Column order. Keys and values travel as lower-case hex.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/partition_log.h"
#include "store/store.h"

namespace rflow::replay {

// Written by a node into its own store, not through the log (above).
bool isNodeLocal(store::Column column, std::string_view key);
// The columns the digest covers: every one but kModules and kRedo, in Column order.
std::vector<store::Column> replicatedColumns();
std::optional<store::Column> columnNamed(std::string_view name);

struct ColumnDigest {
  store::Column column = store::Column::kMeta;
  uint64_t keys = 0;
  std::string sha256;
};

struct StateDigest {
  cluster::Seq applied = 0;  // kMeta applied_seq where the digest was taken
  std::vector<ColumnDigest> columns;
  std::string sha256;
};

store::Result<StateDigest> digestState(const store::Store& store);

// Up to `limit` replicated keys of one column after `after` (all from the first when
// nullopt), with the applied_seq of the same point: where two digests differ, the
// verifier pages through the owner's keys to name the first that differs.
struct StatePage {
  cluster::Seq applied = 0;
  store::Column column = store::Column::kMeta;
  std::vector<std::pair<std::string, std::string>> entries;  // key, value
  bool more = false;                                         // keys follow the last entry
};

store::Result<StatePage> readStatePage(const store::Store& store, store::Column column,
                                       const std::optional<std::string>& after, size_t limit);

// The wire form (hex keys and values), and back; nullopt when `j` is not one.
nlohmann::json digestJson(const StateDigest& digest);
std::optional<StateDigest> parseDigest(const nlohmann::json& j);
nlohmann::json pageJson(const StatePage& page);
std::optional<StatePage> parsePage(const nlohmann::json& j);
std::string toHex(std::string_view bytes);
std::optional<std::string> fromHex(std::string_view hex);

}  // namespace rflow::replay
