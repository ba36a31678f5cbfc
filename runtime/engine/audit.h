// The audit trail (runtime.md §5): each instance's numbered entries, written in the batch
// of the step that made them, and the one codec that writes and reads them (the engine,
// `history`, and `rflow audit verify` all go through it).
//
// Storage. Schema 2 keeps ONE key per step (keys.h: instance \0 the step's first seq)
// whose value is a group: [format 2, count, entries…], each entry [kind id, at, text,
// by, extra, seal (32 bytes)]. Schema 1 kept one key per entry: [format 1, at, kind
// text, text, by, extra, seal as a length-prefixed string] (or no seal, before entries
// were sealed). Both are read; only groups are written. The key of either is the seq of
// its (first) entry, so a prefix scan reads a trail in order across both forms.
//
// Seals. An entry's seal is SHA-256(previous seal || instance id || 0 || seq (be64) ||
// the entry's unsealed bytes), where the unsealed bytes are a v1 entry's stored bytes
// before its seal, or for a v2 entry [2, kind id, at, text, by, extra]. Each entry seals
// the one before it and its own place, so an altered, removed, reordered or moved entry
// breaks every seal after it, and the instance record's audit_chain seals the last one
// (a cut-off tail shows too).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace rflow::engine {

enum class AuditKind : uint8_t {
  kUnknown = 0,  // a schema-1 entry whose text is not in the table (never written)
#define RFLOW_AUDIT_KIND(Name, id, text) k##Name = id,
#include "engine/audit_kinds.def"
#undef RFLOW_AUDIT_KIND
};
// The kind's text ("approval requested"); "unknown" for kUnknown.
std::string_view auditKindName(AuditKind kind);

// One entry, as queries and `rflow run --history` show it.
struct AuditEntry {
  uint64_t seq = 0;
  int64_t at = 0;
  AuditKind kind = AuditKind::kUnknown;
  std::string kind_text;  // auditKindName(kind), or a schema-1 entry's own text
  std::string text;
  std::string by;     // the user, for decisions and refusals
  std::string extra;  // a role or user for notify; a task id; a request number
};

// The entries one step adds to one instance's trail, sealed as they are added.
class AuditGroup {
 public:
  // Seals an entry after entry `last_seq` of `instance` whose seal is `last_seal` (the
  // instance record's audit_seq and audit_chain) and moves both on.
  void add(std::string_view instance, uint64_t& last_seq, std::string& last_seal, int64_t at,
           AuditKind kind, std::string_view text, std::string_view by = {},
           std::string_view extra = {});
  bool empty() const { return count_ == 0; }
  // Puts the step's entries into `batch` under one key. Nothing when empty.
  void write(store::Batch& batch, std::string_view instance) const;

 private:
  uint64_t first_seq_ = 0;
  uint32_t count_ = 0;
  std::string entries_;
};

// An entry as stored, for `rflow audit verify`: its unsealed bytes and its seal (empty
// for a schema-1 entry written before seals).
struct StoredAuditEntry {
  AuditEntry entry;
  std::string unsealed;
  std::string seal;
};

// Visits the entries of one stored value at `key` of kAudit, in order, until `visit`
// returns false. False when the value cannot be read (altered, cut, an unknown format).
bool readAuditValue(std::string_view key, std::string_view value,
                    const std::function<bool(StoredAuditEntry&)>& visit);

std::string auditSeal(std::string_view previous, std::string_view instance, uint64_t seq,
                      std::string_view unsealed_entry);

}  // namespace rflow::engine
