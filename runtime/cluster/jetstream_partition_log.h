// The replicated partition log (Design A, ../shared/design/scaleout.md §4): stream
// RF_P<nn> per partition on NATS JetStream (R1 or R3, file storage, discard=new, no limit
// that drops entries; entries leave only by trim()). Entries are on subject rf.p.<nn>.log,
// the genesis entry on rf.p.<nn>.genesis.
//
// An append publishes one message with Nats-Expected-Last-Sequence = expected_last_seq
// (the stream-level check, applied in log order: H1 — never KV or subject CAS), a
// Nats-Msg-Id "<p>/<epoch>/<seq>" unique to the owner's epoch (H2) and an Rflow-Epoch
// header. Then:
//   - no answer, no responders, connection lost: the same message is published again
//     (same Msg-Id) until append_deadline, then Unknown;
//   - a `duplicate` acknowledgement: the stored message is read back and must carry our
//     Msg-Id and our bytes (H2), else it is not taken as ours;
//   - error 10071 (wrong last sequence): the message at expected+1 is read from the
//     stream's leader: ours (same Msg-Id and bytes: an earlier try landed) → Appended;
//     another → Fenced by it; none, and the stream ends below expected → Regressed (H3).
//
// Reads: read() through an ordered consumer; the single-message reads that decide an
// append's outcome through the stream leader (STREAM.MSG.GET), never a direct get, which
// any replica may answer, a lagging one with "no such message".
//
// Why a genesis entry: nats-server 2.9.10 ignores Nats-Expected-Last-Sequence 0
// (stream.go: `seq > 0 && seq != mset.lseq`), so an append to an empty stream could not be
// fenced. open() writes the genesis entry at 1 (fixed Msg-Id "<p>/0/1", deduplicated
// between nodes creating the stream at once, and only onto an empty genesis subject), and
// every append names an expected sequence >= 1.
#pragma once

#include <atomic>

#include <chrono>
#include <memory>

#include "cluster/nats_client.h"
#include "cluster/partition_log.h"

namespace rflow::cluster {

struct JetStreamLogOptions {
  int replicas = 3;        // 1 for a single NATS server
  int64_t max_bytes = -1;  // the stream's size cap (discard=new: appends are Rejected past it)
  // An append without an answer is repeated (same Msg-Id) for this long, then Unknown. A
  // stream leader election took up to 5 s when measured (scaleout.md §2).
  std::chrono::milliseconds append_deadline{10000};
  // Each publish waits this long for its acknowledgement; 0: the client's request timeout.
  std::chrono::milliseconds publish_timeout{0};
  // The stream's deduplication window (a new stream only). A retry later than this is
  // not answered `duplicate` but 10071, and is still found to be ours by reading it back.
  std::chrono::seconds duplicate_window{120};
  // A read() of up to `max` entries, repeated while the servers do not answer.
  std::chrono::milliseconds read_timeout{10000};
};

class JetStreamPartitionLog final : public PartitionLog {
 public:
  // Creates the partition's stream and its genesis entry if they are not there, or checks
  // that the stream there has this log's settings.
  static Result<std::unique_ptr<JetStreamPartitionLog>> open(std::shared_ptr<NatsClient> client,
                                                             uint32_t partition,
                                                             JetStreamLogOptions options);
  static std::string streamName(uint32_t partition);  // "RF_P07"
  static std::string subject(uint32_t partition);     // "rf.p.07.log"

  uint32_t partition() const override { return partition_; }
  AppendResult append(std::span<const std::string_view> records, Seq expected_last_seq,
                      Epoch epoch) override;
  AppendResult claim(const Claim& claim, Seq expected_last_seq) override;
  Result<std::vector<LogEntry>> read(Seq from_seq, size_t max) override;
  Status trim(Seq up_to) override;
  Result<LogBounds> bounds() override;
  void interrupt() override { ++interrupts_; }

  // The stream as its leader reports it (leader, replicas' lag): for status pages.
  Result<StreamState> streamState() { return client_->streamInfo(stream_); }

 private:
  JetStreamPartitionLog(std::shared_ptr<NatsClient> client, uint32_t partition,
                        JetStreamLogOptions options);
  Status writeGenesis();
  AppendResult appendEntry(Epoch epoch, const std::string& body, Seq expected_last_seq);
  // What the stream holds where an append meant to write (after 10071 or a duplicate
  // ack); nullopt when it could not be read now (retry).
  std::optional<AppendResult> resolveAt(Seq seq, const std::string& id, const std::string& body,
                                        Seq expected_last_seq, bool was_duplicate_ack);
  Result<LogEntry> toEntry(const StoredMsg& msg) const;
  Result<std::vector<LogEntry>> readOnce(Seq from_seq, size_t max);

  std::shared_ptr<NatsClient> client_;
  const uint32_t partition_;
  const JetStreamLogOptions options_;
  // interrupt() counts here; an append gives up when the count moved since it began.
  std::atomic<uint64_t> interrupts_{0};
  const std::string stream_;
  const std::string subject_;
  const std::string genesis_subject_;
};

}  // namespace rflow::cluster
