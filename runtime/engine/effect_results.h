// The results an instance's effects got from outside — each connector call's final
// answer and each classification — kept with the instance so that `rflow whatif`
// (intelligence.md §4) can replay the instance and give each effect the answer the
// original got. Approval and task decisions need no record of their own: the task
// record keeps them (records.h, TaskRecord, with the form of a completed task).
//
// Storage (kMeta; keys.h): "effect" \0 instance \0 request (be64) -> EffectResult, written
// in the batch of the step that got the answer. Compact on purpose — one per call or
// classification of every instance, waiting ones included: the operation's or
// classifier's index in the module, a 16-byte digest of the arguments (or the text)
// instead of the arguments, and the result's value bytes. Instances are never deleted;
// whatever deletes one must delete its prefix (effectResultPrefix) too.
//
// What it costs (measured by whatif_tests, WhatIf.AKeptCallResultCostsItsValueAnd…):
// per kept result, 51 bytes of key and value plus the operation's name plus the result's
// value bytes, before RocksDB compresses them — the key 16 + the instance id (29 for
// "in-0000000001"), the value 22 + the name. An `erp.post` answering a 19-byte string
// keeps 59 + 19 = 78 bytes; a waiting instance that made three such calls, 234.
//
// PERSISTED: the format byte and EffectKind's values are never reused; fields are only
// ever appended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/store.h"

namespace rflow::engine {

enum class EffectKind : uint8_t {
  kCall = 1,      // a connector call's final answer (after its retries)
  kClassify = 2,  // a classification: the classifier's record
};

struct EffectResult {
  EffectKind kind = EffectKind::kCall;
  uint64_t request = 0;  // the VM's request id (from the key): the order they were made
  std::string name;      // "conn.op" for a call, the classifier's qualified name
  std::string digest;    // effectDigest() of the call's argument bytes, or of the text
  bool ok = true;
  std::string value;   // ok: value bytes (the op's result, the classifier's record)
  std::string reason;  // !ok: why the call failed, without the "conn.op: " prefix

  std::string encode() const;
  static std::optional<EffectResult> decode(std::string_view bytes);
};

// 16 bytes of SHA-256: equal arguments (value bytes) or texts give equal digests.
std::string effectDigest(std::string_view bytes);

std::string effectResultKey(std::string_view instance, uint64_t request);
std::string effectResultPrefix(std::string_view instance);

// An instance's results in the order their effects were made. A value that cannot be
// read is skipped (a replay then finds no answer and says so); a failed read is the
// Status.
store::Result<std::vector<EffectResult>> effectResults(const store::Store& store,
                                                       std::string_view instance);

}  // namespace rflow::engine
