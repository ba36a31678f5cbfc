// The cluster's global deployment log (issue 19; scaleout.md §3 "Deployments and auth"):
// stream RF_DEPLOY on NATS JetStream (R1 or R3 like the partition logs, file storage,
// discard=new, no limit that drops entries, never trimmed), one entry per deployment on
// subject rf.deploy.log. Every partition applies its entries in order, through its own
// commit pipeline, and records the sequence it applied (runtime/node/partition_host.h).
//
// Entry body, format 2 (PERSISTED; samples in tests/cluster/samples/deployment_format_N/),
// integers unsigned LEB128 varints:
//   byte   format (2)
//   varint length, version bytes   the module's content hash (hex), its deployed version
//   varint length, "by" bytes      who deployed it: a user, or "node <name>" for a seed
//   varint at                      when, in Unix milliseconds
//   varint length, module bytes    the .rfc module
//   varint count, then count × (varint length, name bytes, varint length, text bytes)
//                                  the project's doc comments by qualified name, names
//                                  strictly ascending (the module keeps none, and every
//                                  node serves the version's OpenAPI document with them,
//                                  not only the node that compiled it)
// Nothing may follow. Format 1 (written before) is the same without the doc comments; it
// is read as a deployment with none. The version is also in the Rflow-Version header, for
// people and tools.
//
// Appends: each one names Nats-Expected-Last-Sequence = the tail it read (the first one,
// on an empty stream, Nats-Expected-Last-Subject-Sequence 0: nats-server 2.9.10 ignores an
// expected last sequence of 0), so entries are in the order their senders saw, and a
// Nats-Msg-Id "deploy/<version>/<tail>" from the content and that tail: the same project
// sent twice at once is one entry (deduplicated), sent again later it is found as the
// latest entry and nothing is appended, and a return to an earlier version (A, B, A)
// is a new entry. A publish answered 10071 (another deployment landed first) reads the
// tail again and tries once more on it.
//
// Invariants: entries are only appended, never changed or removed; a reader refuses a
// body it does not decode, and an entry whose header and body disagree on the version.
// Thread-safe (NatsClient is).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/nats_client.h"
#include "cluster/partition_log.h"

namespace rflow::cluster {

inline constexpr uint8_t kDeploymentFormat = 2;
// Doc comments by qualified declaration name (runtime::DocTable's shape; this layer does
// not see the runtime).
using DocComments = std::map<std::string, std::string, std::less<>>;

struct DeploymentEntry {
  Seq seq = 0;  // its place in the log (not in the body)
  std::string version;
  std::string by;
  int64_t at_ms = 0;
  std::string module;  // .rfc bytes
  DocComments docs;    // format 2; none in a format-1 entry
};

std::string encodeDeployment(const DeploymentEntry& entry);
// Fills version, by, at_ms, module and docs from `body` (format 1 or 2); kCorrupt with
// what is wrong.
Status decodeDeployment(std::string_view body, DeploymentEntry& entry);

struct DeploymentLogOptions {
  int replicas = 3;
  // A publish without an answer is repeated (same Msg-Id) for this long, then kUnavailable.
  std::chrono::milliseconds append_deadline{10'000};
};

// What a publish did: the entry's sequence, and whether this call appended it (false: the
// log's latest entry already had this version, or the same one was appended at once by
// another sender).
struct Published {
  Seq seq = 0;
  bool appended = false;
};

class DeploymentLog {
 public:
  static constexpr std::string_view kStream = "RF_DEPLOY";
  static constexpr std::string_view kSubject = "rf.deploy.log";

  // Creates the stream if it is not there, or checks the one there has these settings.
  static Result<std::unique_ptr<DeploymentLog>> open(std::shared_ptr<NatsClient> client,
                                                     DeploymentLogOptions options);

  // The last entry's sequence; 0 when the log is empty.
  Result<Seq> tail();
  // The entry at `seq` (kNotFound when there is none).
  Result<DeploymentEntry> at(Seq seq);
  // The latest entry; nullopt when the log is empty.
  Result<std::optional<DeploymentEntry>> latest();
  // Appends `entry` unless the latest entry has its version (see the header).
  Result<Published> publish(const DeploymentEntry& entry);
  // The first entry: appended only when the log is empty; when it is not, the latest
  // entry's sequence with appended = false (whatever its version).
  Result<Published> seed(const DeploymentEntry& entry);

 private:
  DeploymentLog(std::shared_ptr<NatsClient> client, DeploymentLogOptions options)
      : client_(std::move(client)), options_(options) {}
  Result<Published> append(const DeploymentEntry& entry, bool only_when_empty);

  std::shared_ptr<NatsClient> client_;
  DeploymentLogOptions options_;
};

}  // namespace rflow::cluster
