// Verifying the audit trail's chain (records.h, "Audit entries"): every instance's entries
// are walked in order, each seal recomputed, and the first entry that does not match —
// altered, missing, out of place, or a tail cut off — is named.
#include "engine/audit_verify.h"

#include <fmt/format.h>

#include "base/time_text.h"
#include "engine/engine_internal.h"

namespace rflow::engine {

namespace {

// The first problem of one instance's trail, or nullopt when it is whole.
std::optional<std::string> checkTrail(const store::Store& store, const InstanceRecord& rec,
                                      uint64_t& entries, uint64_t& unsealed) {
  std::optional<std::string> problem;
  std::string previous;
  uint64_t expected = 1;
  bool sealed_seen = false;
  const std::string scan_error = store.scan(
      store::Column::kAudit, perInstancePrefix(rec.id),
      [&](std::string_view key, std::string_view bytes) {
        ++entries;
        const uint64_t seq = store::readU64(key.substr(key.size() - 8)).value_or(0);
        if (seq != expected) {
          problem = seq > expected
                        ? fmt::format("entry {} is missing (the next one is {})", expected, seq)
                        : fmt::format("entry {} appears twice", seq);
          return false;
        }
        ++expected;
        RecordReader r(bytes, nullptr);
        const uint8_t format = r.u8();
        const int64_t at = r.svarint();
        const std::string kind = r.text();
        (void)r.text();
        (void)r.text();
        (void)r.text();
        if (!r.ok() || format != kRecordFormat) {
          problem = fmt::format("entry {} cannot be read: it was altered", seq);
          return false;
        }
        if (r.atEnd()) {
          // Written before entries were sealed; only allowed before the first sealed one.
          ++unsealed;
          if (sealed_seen) {
            problem = fmt::format("entry {} ({}) has lost its seal: it was altered", seq, kind);
            return false;
          }
          return true;
        }
        const std::string seal = r.text();
        RecordWriter suffix;
        suffix.text(seal);
        const std::string tail = suffix.take();
        if (!r.ok() || !r.atEnd() || bytes.size() < tail.size()) {
          problem = fmt::format("entry {} cannot be read: it was altered", seq);
          return false;
        }
        const std::string_view unsealed_bytes = bytes.substr(0, bytes.size() - tail.size());
        if (auditChain(previous, rec.id, seq, unsealed_bytes) != seal) {
          problem = fmt::format(
              "entry {} ({} at {}) was altered: its seal does not match it or "
              "the entries before it",
              seq, kind, base::formatTime(at));
          return false;
        }
        sealed_seen = true;
        previous = seal;
        return true;
      });
  if (problem) return problem;
  if (!scan_error.empty()) return "its trail cannot be read: " + scan_error;
  const uint64_t last = expected - 1;
  if (rec.audit_seq > last)
    return fmt::format("entries {} to {} are missing: the trail was cut off", last + 1,
                       rec.audit_seq);
  if (rec.audit_seq < last)
    return fmt::format("entries {} to {} were added afterwards", rec.audit_seq + 1, last);
  if (!rec.audit_chain.empty() && rec.audit_chain != previous)
    return fmt::format("entry {}, the last, does not match the seal the instance keeps", last);
  return std::nullopt;
}

}  // namespace

AuditCheck verifyAudit(const store::Store& store) {
  AuditCheck check;
  const std::string error =
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
  if (!error.empty()) check.problems.push_back({"", error});
  return check;
}

}  // namespace rflow::engine
