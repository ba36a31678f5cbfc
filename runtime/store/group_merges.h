// GroupMerges: the counters merges of one commit group, combined per key, so that a group
// of 64 steps that each add to the same hour's counters writes one merge operand to that
// key rather than 64. RocksDB keeps every operand in the memtable until a read or a
// compaction folds them; fewer operands mean fewer memtable inserts per step (issue 15's
// cost of the aggregates per step).
//
// Combined by joining, not adding (store/counters.h joinCounters): the operands' bytes
// are appended into one value that reads as their sum. Adding them up here decoded every
// operand into a map of names and encoded the sum again on the commit thread, which every
// step waits for; the names of tracked values differ from instance to instance, so that
// work grew with `track` and saved little (measured in bench/README.md). The merge
// operator folds the repeats at flush and compaction, off the commit path.
//
// Invariants:
//   - What the group writes is unchanged in meaning: counters add up, so a joined or
//     added operand merged once is the same as each merged. A key's combined operand is
//     written BEFORE any put or remove of that key in the group (flush(key)), so a later
//     put still wins as it did.
//   - A key with one operand passes it on as it came. Operands that cannot be joined
//     (format 1, never written by this build) are added up instead; one that does not
//     decode as counters is passed on as it came too, after what was held for its key, so
//     the merge operator meets it exactly as before.
//   - Keys and operands are views into the group's batches: a GroupMerges lives within
//     one commitGroup call.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/counters.h"

namespace rflow::store {

class GroupMerges {
 public:
  using Write = std::function<bool(std::string_view key, std::string_view operand)>;

  // A merge of `operand` to `key`, held until flush. false when `write` failed (while
  // passing on an operand that does not decode).
  bool add(std::string_view key, std::string_view operand, const Write& write);
  // Writes what is held for `key` (before a put or remove of it). false when `write` did.
  bool flush(std::string_view key, const Write& write);
  // Writes everything held, keys in the order they were first merged.
  bool flushAll(const Write& write);
  // Operands received and written since construction (tests and counters).
  size_t received() const { return received_; }
  size_t written() const { return written_; }

 private:
  struct Held {
    std::string_view first;       // the only operand so far
    std::string joined;           // two or more, joined (all joinable)
    std::optional<Counters> sum;  // two or more, added up (one was not joinable)
    bool flushed = false;
  };
  bool writeHeld(std::string_view key, Held& held, const Write& write);

  std::unordered_map<std::string_view, Held> held_;
  std::vector<std::string_view> order_;
  size_t received_ = 0;
  size_t written_ = 0;
  std::string encoded_;  // the last sum encoded (written before the next is encoded)
};

}  // namespace rflow::store
