// Counters: named int64 sums, the value of a kMetrics key in schema 2. A batch adds a
// delta to a key (Batch::addCounters) without reading it first; RocksDB's merge adds the
// deltas up (store.cpp), so concurrent steps never overwrite each other's counts and a
// refused batch adds nothing.
//
// Encoding (PERSISTED): a format byte, then for each counter its name and value (zigzag
// varint). Format 1 writes a name whole (varint length, bytes); format 2, written now,
// as the length it shares with the name before it (varint), then the rest (varint
// length, bytes). Both are read. Counters that add up to zero are dropped, so a gauge
// that went back to zero (a minute with no open task left) costs nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace rflow::store {

using Counters = std::map<std::string, int64_t, std::less<>>;

std::string encodeCounters(const Counters& counters);

// Encodes counters one at a time (names in any order, each once; in order they share
// the most).
class CountersWriter {
 public:
  CountersWriter();
  void add(std::string_view name, int64_t value);
  bool empty() const { return out_.size() == 1; }
  std::string take();

 private:
  std::string out_;
  std::string previous_;  // the last name added
};
// Adds the counters encoded in `bytes` to `into`; false (and `into` partly changed) when
// the bytes are not a counters value. A name that comes more than once is added up.
bool addEncodedCounters(std::string_view bytes, Counters& into);

// Joining: two format-2 values joined (the second's counters after the first's, without
// its format byte) are one format-2 value that reads as their sum, since each value's
// first name shares nothing with the name before it and readers add up repeated names.
// How a commit group makes one merge operand of many without decoding them
// (group_merges.h); folding the repeats is left to the merge operator.
bool joinableCounters(std::string_view bytes);
// Appends joinable `more` to joinable `into`.
void joinCounters(std::string& into, std::string_view more);

}  // namespace rflow::store
