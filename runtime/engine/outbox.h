// The transactional outbox of a partitioned engine (issue 19, docs/cluster.md "Outbox"):
// what one partition's step asks of another partition, written in the step's own batch
// (so it is in the partition log, replicated, and gone with a fenced owner's step), read
// by the host's relay, applied on the target in one committed step, then forgotten.
//
// Messages (OutboxMessage, format 1, PERSISTED; sample in tests/engine/samples/outbox_format_1/):
//   kStart   begin an instance on the target partition, with the id the producer minted
//            (a keyed `spawn` or child, a trigger's keyed start);
//   kResult  a child's result for its parent on the target partition (the target writes
//            it into the parent's kInbox and queues the parent, as a same-store child does).
//
// Keys (kMeta; keys.h lists the rest):
//   "outbox" \0 seq (be64)          a message not yet acknowledged by its target
//   "outbox-acked"                   the greatest seq ever acknowledged (be64)
//   "inbound" \0 producer (be32)     the greatest seq of that producer applied here (be64)
//   "refused-start" \0 instance      a start refused here that nobody waits for (a
//                                    `spawn`, an event's or schedule's start): why, so
//                                    that the id already answered says so (format 1:
//                                    u8 1, varint ms, text workflow, text reason)
//
// Invariants:
//   - Sequences are handed out once per partition, ever: the counter starts above every
//     pending message and above "outbox-acked" (a seq whose step never committed may be
//     handed out again: nothing of it exists anywhere).
//   - pending() answers only messages below the lowest seq of a step not yet reported, so
//     a relay never sees seq s+1 while s may still commit: a relay that delivers each
//     target's messages in seq order and stops at the first failure never makes a target
//     skip one (the target applies only seqs above its high-water mark for the producer).
//   - A target applies a message and raises its high-water mark in one batch, holding the
//     producer's claim: a message delivered twice is applied once.
//   - With no placement function (a single node, one partition) nothing here runs.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/records.h"

namespace rflow::engine {

class EngineParts;
class Step;

struct OutboxMessage {
  enum class Kind : uint8_t { kStart = 1, kResult = 2 };
  Kind kind = Kind::kStart;
  uint32_t producer = 0;
  uint64_t seq = 0;
  uint32_t target = 0;
  // kStart: the new instance. kResult: `instance` is the parent.
  std::string instance;
  std::string version;   // kStart: the program version the producer ran
  std::string workflow;  // kStart: qualified name
  std::string args;      // kStart: the arguments (detail::encodeList)
  bool spawn = false;
  std::optional<std::string> parent;      // kStart: a child's parent, which gets the result
  uint64_t parent_request = 0;            // kStart: the parent's wait; kResult: the request
  std::optional<std::string> spawned_by;  // kStart
  std::string inbox;                      // kResult: the InboxRecord bytes

  std::string encode() const;
  static std::optional<OutboxMessage> decode(std::string_view bytes);
};

namespace keys {
std::string outbox(uint64_t seq);
inline constexpr std::string_view kOutboxPrefix{"outbox\0", 7};
inline constexpr std::string_view kOutboxAcked = "outbox-acked";
std::string inbound(uint32_t producer);
std::string refusedStart(std::string_view instance);
}  // namespace keys

// Why the start of `id` was refused, for a lookup of that id that found no instance:
// "instance … was never begun: …"; nullopt when `bytes` is not a refusal this rflow reads.
std::optional<std::string> describeRefusedStart(std::string_view id, std::string_view bytes);

// The id of an instance begun on partition `target` by partition `producer`'s message
// `seq`: "in-<seq>-p<target>-s<producer>" (partition.h: partitionOfId reads the target).
std::string remoteInstanceId(uint64_t seq, uint32_t target, uint32_t producer);

class Outbox {
 public:
  explicit Outbox(EngineParts& parts) : parts_(parts) {}

  // The partition a keyed instance of `workflow` with `key` belongs on, when that is not
  // this engine's (nothing without a placement function or a partition).
  std::optional<uint32_t> remoteTarget(std::string_view workflow, std::string_view key) const;
  // The partition of `instance` when it is another than this engine's.
  std::optional<uint32_t> remotePartitionOf(std::string_view instance) const;
  // Gives `message` the next seq, puts it into `step`'s batch and remembers the seq as in
  // flight until the step is reported (Step::committed calls released()). kStorage when
  // the counter cannot be read.
  store::Status add(Step& step, OutboxMessage& message);
  void released(const std::vector<uint64_t>& seqs);

  // Engine::pendingOutbox, forgetOutbox and applyInbound (engine.h).
  store::Result<std::vector<PendingMessage>> pending(size_t limit) const;
  store::Status forget(const std::vector<uint64_t>& seqs);
  Found<bool> apply(std::string_view bytes);

 private:
  store::Status loadCounter();  // under mutex_
  store::Status applyStart(Step& step, const OutboxMessage& m);
  store::Status applyResult(Step& step, const OutboxMessage& m);

  EngineParts& parts_;
  mutable std::mutex mutex_;
  bool loaded_ = false;
  uint64_t next_ = 1;
  std::set<uint64_t> in_flight_;
  std::mutex forget_mutex_;  // one forget at a time: it reads, then raises "outbox-acked"
};

// A child's result for `parent`: into its inbox when it lives here, else an outbox
// message to its partition, in `step`'s batch either way.
store::Status tellParent(EngineParts& parts, Step& step, const std::string& parent,
                         const InboxRecord& inbox);

}  // namespace rflow::engine
