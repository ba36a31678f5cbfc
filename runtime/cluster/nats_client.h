// The one door to NATS: a connection and its JetStream context (libnats 3.4.1, Debian's
// libnats-dev), with the few JetStream calls the partition logs and the snapshot store
// need, in rflow's terms. The only code that sees libnats types; its errors are
// cluster::Status values that name the servers, the stream and what to do.
//
// Invariants: every call is bounded by NatsOptions::request_timeout (or its own timeout);
// a failure whose outcome is unknown (timeout, no responders, connection lost) is
// kUnavailable, error 10071 is kWrongLastSequence, a missing stream or message kNotFound.
// Thread-safe: libnats serializes on the connection; calls may come from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/status.h"

// libnats' opaque types, declared here so that its header stays out of ours.
struct __natsConnection;
struct __jsCtx;
struct __kvStore;

namespace rflow::cluster {

struct NatsOptions {
  std::vector<std::string> servers;  // "nats://127.0.0.1:4222", …
  std::string name = "rflow";        // the connection's name in the servers' /connz
  // Each JetStream API request and each publish waits this long for its answer.
  std::chrono::milliseconds request_timeout{2000};
  std::chrono::milliseconds reconnect_wait{100};
};

struct Header {
  std::string name;
  std::string value;
};

// A message as stored in a stream.
struct StoredMsg {
  uint64_t seq = 0;
  std::string subject;
  std::vector<Header> headers;
  std::string data;
  // The first value of header `name`; empty when it has none.
  std::string_view header(std::string_view name) const;
};

struct PublishOptions {
  std::string msg_id;            // Nats-Msg-Id (deduplication), empty: none
  uint64_t expect_last_seq = 0;  // Nats-Expected-Last-Sequence; 0: no check (2.9.10 ignores 0)
  bool expect_no_subject_msg = false;    // Nats-Expected-Last-Subject-Sequence: 0
  std::chrono::milliseconds timeout{0};  // 0: NatsOptions::request_timeout
};

struct PubAck {
  uint64_t seq = 0;
  bool duplicate = false;  // the Msg-Id was seen within the window; seq is the original's
};

struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  int replicas = 1;
  int64_t max_bytes = -1;  // -1: unlimited (discard=new applies once it is set)
  std::chrono::seconds duplicate_window{120};
};

struct ReplicaState {
  std::string name;
  bool current = false;
  bool offline = false;
  uint64_t lag = 0;
};

struct StreamState {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t msgs = 0;
  uint64_t bytes = 0;
  int replicas = 0;
  std::string leader;                   // server name, empty when not clustered
  std::vector<ReplicaState> followers;  // the other replicas, as the leader sees them
};

// A key-value bucket (stream KV_<bucket>). Only hints live in KV (membership, the owner
// map for routing, the cluster's settings): no safety decision reads it (H1, nats-server
// #4320: its compare-and-set is not serializable when clustered).
struct KvSpec {
  std::string bucket;  // A-Z a-z 0-9 _ -
  int replicas = 1;
  // Each value is dropped this long after it was written; 0: kept.
  std::chrono::milliseconds ttl{0};
};

struct KvEntry {
  std::string key;
  std::string value;
  uint64_t revision = 0;
};

class NatsClient {
 public:
  static Result<std::unique_ptr<NatsClient>> connect(const NatsOptions& options);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  Result<PubAck> publish(std::string_view subject, std::span<const Header> headers,
                         std::string_view data, const PublishOptions& options);
  // From the stream's leader (not a possibly stale replica).
  Result<StoredMsg> getMsg(const std::string& stream, uint64_t seq);
  Result<StoredMsg> getLastMsg(const std::string& stream, const std::string& subject);
  Status deleteMsg(const std::string& stream, uint64_t seq);
  // Purges the messages below `before_seq` (0: all) on `subject` (empty: every subject).
  Status purge(const std::string& stream, const std::string& subject, uint64_t before_seq);
  Result<StreamState> streamInfo(const std::string& stream);
  // Creates the stream, or checks that the one there has this spec's storage, replicas,
  // subjects and limits; a different one is kRefused with what differs.
  Status ensureStream(const StreamSpec& spec);
  // Messages on `subject` (wildcards allowed) from start_seq on, in order, through an
  // ordered consumer: until one at or past stop_seq has arrived, `max` have, or none
  // matching follows; kUnavailable when `timeout` passes first.
  Result<std::vector<StoredMsg>> readRange(const std::string& stream, const std::string& subject,
                                           uint64_t start_seq, uint64_t stop_seq, size_t max,
                                           std::chrono::milliseconds timeout);
  // Creates the bucket, or binds to the one there; one there with another TTL or replica
  // count is kRefused, saying what differs. Then the kv*() calls below may name it.
  Status ensureKv(const KvSpec& spec);
  // Binds to the bucket if it exists, creating nothing (readers such as `rflow cluster
  // status`): kNotFound when there is none.
  Status bindKv(const std::string& bucket);
  // The key's current value; kNotFound when it has none (never written, deleted, expired).
  Result<KvEntry> kvGet(const std::string& bucket, const std::string& key);
  // Writes the value; its revision.
  Result<uint64_t> kvPut(const std::string& bucket, const std::string& key, std::string_view value);
  // Writes the value only if the key has none; kRefused when it has one. Not serializable
  // under R3 (#4320): callers read the value back and decide on what they read.
  Result<uint64_t> kvCreate(const std::string& bucket, const std::string& key,
                            std::string_view value);
  Status kvDelete(const std::string& bucket, const std::string& key);
  // The keys that have a value now (none: an empty list).
  Result<std::vector<std::string>> kvKeys(const std::string& bucket);

  // The largest message the servers accept (their max_payload, 1 MiB by default).
  size_t maxPayload() const;
  // "NATS at nats://a:4222,nats://b:4222": the start of every error message.
  const std::string& where() const { return where_; }
  std::chrono::milliseconds requestTimeout() const { return options_.request_timeout; }

 private:
  NatsClient(NatsOptions options, __natsConnection* conn, __jsCtx* js);
  // The Status for a failed libnats call (its status, the JetStream code, the last error).
  Status failure(int status, int js_code, std::string_view doing) const;

  // The bound bucket, or a kNotFound Status saying ensureKv() was not called for it.
  Result<__kvStore*> kv(const std::string& bucket);

  NatsOptions options_;
  std::string where_;
  std::mutex kv_mutex_;
  std::map<std::string, __kvStore*> kv_;  // owned: destroyed with the client
  __natsConnection* conn_;
  __jsCtx* js_;
};

}  // namespace rflow::cluster
