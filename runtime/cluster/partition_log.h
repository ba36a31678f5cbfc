// The partition log: the write-ahead log of one partition, the truth its owner's RocksDB
// state is a projection of (../shared/design/scaleout.md §3, Design A in §4).
//
// How the engine uses it (the next step of issue 19): the commit pipeline gathers a group
// of step batches, appends them as ONE entry (append(records, expected_last_seq, epoch)),
// and only after Appended{seq} writes the same batches plus applied_seq=seq to RocksDB in
// one synced write, and only then releases effects (replies, connector sends, timers).
// LogWriter (log_writer.h) holds the owner's side of that protocol.
//
// Invariants every implementation keeps:
//   - Sequence numbers are the log's own, dense from 1: entry 1 is the genesis entry (kind
//     kGenesis, epoch 0), written when the log is created; every later entry is at the
//     sequence after the previous one. An append names the sequence it expects to be last
//     (>= 1), and lands at expected+1 or not at all: that check is the fence (H1).
//   - Ownership is the latest claim entry: claim(epoch+1, node) appended with the expected
//     tail. An owner whose expected tail is stale is Fenced on its next append, with the
//     claim (or entry) that now sits where it meant to write.
//   - Epochs only increase along the log: a claim names an epoch above every earlier one.
//   - Each entry carries an id unique to (partition, epoch, sequence) (msgId()), so two
//     owners can never be mistaken for one (H2).
//   - An append whose outcome is not known (Unknown) must be repeated unchanged (same
//     records, expected_last_seq and epoch) before anything else is appended: the repeat
//     either finds the entry (Appended) or writes it.
//   - Entries below first() were trimmed (they are in a snapshot); reading them is an
//     error, never a silent gap.
//
// Threads: append() and claim() are called by one thread at a time (the owner's committer,
// one append in flight); read(), bounds() and trim() may be called from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cluster/status.h"

namespace rflow::cluster {

using Seq = uint64_t;
using Epoch = uint64_t;

// The persisted kinds of entry. Values are stored in the log forever: never reuse one.
enum class EntryKind : uint8_t {
  kGenesis = 1,  // the first entry of every log, epoch 0
  kRecords = 2,  // a group of step batches
  kClaim = 3,    // an owner takes the partition at a new epoch
};

struct Claim {
  Epoch epoch = 0;
  std::string node;
};

struct LogEntry {
  Seq seq = 0;
  Epoch epoch = 0;
  EntryKind kind = EntryKind::kRecords;
  std::string msg_id;
  std::vector<std::string> records;  // kRecords: the appended records, in order
  std::string node;                  // kClaim: the claiming node
};

// The append is in the log at `seq` (expected_last_seq + 1).
struct Appended {
  Seq seq = 0;
  // It was found already there (a retry after a lost acknowledgement) and verified to be
  // this very entry: same id, same bytes (H2).
  bool was_duplicate = false;
};

// Another owner's entry sits at the sequence this append expected to write: the caller
// no longer owns the partition and must stop at once (no timers, no new calls).
struct Fenced {
  Seq at_seq = 0;       // where the other entry is
  Epoch by_epoch = 0;   // its epoch
  std::string by_node;  // the claiming node, when that entry is a claim
  std::string what;     // for the operator
};

// The outcome is not known (no acknowledgement in time, no stream leader, connection
// lost). Nothing may be released; the same append must be repeated.
struct Unknown {
  std::string why;
};

// Not appended, and repeating it will not help (too large, stream full, a bad argument,
// a configuration conflict): the group fails, the partition keeps its owner.
struct Rejected {
  std::string why;
};

// The log's last sequence is BELOW the entry this owner knows it appended (the stream
// lost acknowledged entries: NATS 2.9.10 acknowledges before fsync). H3: freeze the
// partition, alarm, re-append the missing records from the local redo copy.
struct Regressed {
  Seq log_last = 0;
  Seq expected_last = 0;
  std::string what;
};

class [[nodiscard]] AppendResult {
 public:
  using Outcome = std::variant<Appended, Fenced, Unknown, Rejected, Regressed>;
  // From any one outcome (Appended{…}, Fenced{…} …). NOLINT: implicit by design.
  template <typename T>
  requires std::is_constructible_v<Outcome, T&&> AppendResult(T&& outcome)
      : outcome_(std::forward<T>(outcome)) {}  // NOLINT
  const Outcome& outcome() const { return outcome_; }
  const Appended* appended() const { return std::get_if<Appended>(&outcome_); }
  const Fenced* fenced() const { return std::get_if<Fenced>(&outcome_); }
  const Unknown* unknown() const { return std::get_if<Unknown>(&outcome_); }
  const Rejected* rejected() const { return std::get_if<Rejected>(&outcome_); }
  const Regressed* regressed() const { return std::get_if<Regressed>(&outcome_); }
  // One line for logs and test failures: "appended at 42", "fenced at 42 by epoch 3 …".
  std::string describe() const;

 private:
  Outcome outcome_;
};

struct LogBounds {
  Seq first = 1;  // the oldest entry still readable; last + 1 when none is
  Seq last = 0;   // the newest entry
};

class PartitionLog {
 public:
  virtual ~PartitionLog() = default;
  virtual uint32_t partition() const = 0;

  // One entry holding `records`, at expected_last_seq + 1, written by an owner at `epoch`.
  virtual AppendResult append(std::span<const std::string_view> records, Seq expected_last_seq,
                              Epoch epoch) = 0;
  // A claim entry: claim.epoch must be above every epoch in the log so far.
  virtual AppendResult claim(const Claim& claim, Seq expected_last_seq) = 0;

  // Up to `max` entries from from_seq on, in order, ending at the last entry there was when
  // the call began. kNotFound when from_seq is below first() (trimmed).
  virtual Result<std::vector<LogEntry>> read(Seq from_seq, size_t max) = 0;
  // Drops the entries up to and including up_to (they are in a snapshot).
  virtual Status trim(Seq up_to) = 0;
  virtual Result<LogBounds> bounds() = 0;
  Result<Seq> lastSeq();

  // From any thread: an append or claim in progress now gives up after its current try,
  // Unknown (its owner lets the partition go while the log is out of reach, and must not
  // wait out a whole append deadline). Calls begun later are not affected. A log whose
  // calls do not wait does nothing.
  virtual void interrupt() {}
};

// The entry id: "<partition>/<epoch>/<seq>" (the stream's Nats-Msg-Id).
std::string msgId(uint32_t partition, Epoch epoch, Seq seq);

}  // namespace rflow::cluster
