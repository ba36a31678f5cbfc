// Verifying the audit trail's chain (audit.h): every instance's entries
// are walked in order, each seal recomputed, and the first entry that does not match —
// altered, missing, out of place, or a tail cut off — is named.
#include "engine/audit_verify.h"

#include <fmt/format.h>

#include "base/time_text.h"
#include "engine/audit.h"
#include "engine/keys.h"
#include "engine/records.h"

namespace rflow::engine {

namespace {

// Walks one instance's trail in order, checking numbers and seals.
class TrailCheck {
 public:
  TrailCheck(const InstanceRecord& rec, uint64_t& entries, uint64_t& unsealed)
      : rec_(rec), entries_(entries), unsealed_(unsealed) {}
  std::optional<std::string> problem;
  uint64_t last() const { return expected_ - 1; }
  const std::string& lastSeal() const { return previous_; }

  // One stored entry; false ends the walk (a problem was found).
  bool entry(const StoredAuditEntry& stored) {
    ++entries_;
    const AuditEntry& e = stored.entry;
    if (e.seq != expected_) {
      problem = e.seq > expected_
                    ? fmt::format("entry {} is missing (the next one is {})", expected_, e.seq)
                    : fmt::format("entry {} appears twice", e.seq);
      return false;
    }
    ++expected_;
    if (stored.seal.empty()) {
      // Written before entries were sealed; only allowed before the first sealed one.
      ++unsealed_;
      if (!sealed_seen_) return true;
      problem = fmt::format("entry {} ({}) has lost its seal: it was altered", e.seq, e.kind_text);
      return false;
    }
    if (auditSeal(previous_, rec_.id, e.seq, stored.unsealed) != stored.seal) {
      problem = fmt::format(
          "entry {} ({} at {}) was altered: its seal does not match it or the entries before "
          "it",
          e.seq, e.kind_text, base::formatTime(e.at));
      return false;
    }
    sealed_seen_ = true;
    previous_ = stored.seal;
    return true;
  }

 private:
  const InstanceRecord& rec_;
  uint64_t& entries_;
  uint64_t& unsealed_;
  std::string previous_;
  uint64_t expected_ = 1;
  bool sealed_seen_ = false;
};

// The first problem of one instance's trail, or nullopt when it is whole.
std::optional<std::string> checkTrail(const store::Store& store, const InstanceRecord& rec,
                                      uint64_t& entries, uint64_t& unsealed) {
  TrailCheck check(rec, entries, unsealed);
  store::Status scanned = store.scan(
      store::Column::kAudit, keys::perInstancePrefix(rec.id),
      [&](std::string_view key, std::string_view bytes) {
        const uint64_t before = check.last();
        bool going = true;
        const bool read = readAuditValue(
            key, bytes, [&](StoredAuditEntry& stored) { return going = check.entry(stored); });
        if (!going) return false;
        if (!read) {
          check.problem = fmt::format("entry {} cannot be read: it was altered", before + 1);
          return false;
        }
        return true;
      });
  if (check.problem) return check.problem;
  if (!scanned.ok()) return "its trail cannot be read: " + scanned.message();
  const uint64_t last = check.last();
  if (rec.audit_seq > last)
    return fmt::format("entries {} to {} are missing: the trail was cut off", last + 1,
                       rec.audit_seq);
  if (rec.audit_seq < last)
    return fmt::format("entries {} to {} were added afterwards", rec.audit_seq + 1, last);
  if (!rec.audit_chain.empty() && rec.audit_chain != check.lastSeal())
    return fmt::format("entry {}, the last, does not match the seal the instance keeps", last);
  return std::nullopt;
}

}  // namespace

AuditCheck verifyAudit(const store::Store& store) {
  AuditCheck check;
  store::Status scanned =
      store.scan(store::Column::kInstances, "", [&](std::string_view key, std::string_view bytes) {
        ++check.instances;
        auto rec = InstanceRecord::decode(bytes);
        if (!rec) {
          check.problems.push_back({std::string(key), "the instance record cannot be read"});
          return true;
        }
        if (auto problem = checkTrail(store, *rec, check.entries, check.unsealed))
          check.problems.push_back({rec->id, std::move(*problem)});
        return true;
      });
  if (!scanned.ok()) check.problems.push_back({"", scanned.message()});
  return check;
}

}  // namespace rflow::engine
