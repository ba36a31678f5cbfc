#include "engine/audit.h"

#include <array>

#include "bytecode/hash.h"
#include "engine/keys.h"
#include "engine/record_codec.h"

namespace rflow::engine {

namespace {

constexpr uint8_t kEntryFormatV1 = 1;
constexpr uint8_t kGroupFormat = 2;
constexpr size_t kSealBytes = 32;

struct KindRow {
  AuditKind kind;
  std::string_view text;
};
constexpr std::array kKinds = {
#define RFLOW_AUDIT_KIND(Name, id, text) KindRow{AuditKind::k##Name, text},
#include "engine/audit_kinds.def"
#undef RFLOW_AUDIT_KIND
};

AuditKind kindOfText(std::string_view text) {
  for (const KindRow& row : kKinds) {
    if (row.text == text) return row.kind;
  }
  return AuditKind::kUnknown;
}

bool knownKind(uint8_t id) {
  for (const KindRow& row : kKinds) {
    if (static_cast<uint8_t>(row.kind) == id) return true;
  }
  return false;
}

// A schema-1 entry: [1, at, kind text, text, by, extra] and an optional seal.
bool readV1(uint64_t seq, std::string_view value, StoredAuditEntry& out) {
  RecordReader r(value, nullptr);
  if (r.u8() != kEntryFormatV1) return false;
  out.entry.seq = seq;
  out.entry.at = r.svarint();
  out.entry.kind_text = r.text();
  out.entry.kind = kindOfText(out.entry.kind_text);
  out.entry.text = r.text();
  out.entry.by = r.text();
  out.entry.extra = r.text();
  if (!r.ok()) return false;
  const size_t unsealed = value.size() - r.remaining();
  out.unsealed.assign(value.substr(0, unsealed));
  out.seal.clear();
  if (r.atEnd()) return true;
  out.seal = r.text();
  return r.ok() && r.atEnd();
}

}  // namespace

std::string_view auditKindName(AuditKind kind) {
  for (const KindRow& row : kKinds) {
    if (row.kind == kind) return row.text;
  }
  return "unknown";
}

std::string auditSeal(std::string_view previous, std::string_view instance, uint64_t seq,
                      std::string_view unsealed_entry) {
  std::string input;
  input.reserve(previous.size() + instance.size() + 9 + unsealed_entry.size());
  input += previous;
  input += instance;
  input += '\0';
  store::appendU64(input, seq);
  input += unsealed_entry;
  const bytecode::Sha256 hash =
      bytecode::sha256({reinterpret_cast<const uint8_t*>(input.data()), input.size()});
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

void AuditGroup::add(std::string_view instance, uint64_t& last_seq, std::string& last_seal,
                     int64_t at, AuditKind kind, std::string_view text, std::string_view by,
                     std::string_view extra) {
  RecordWriter w;
  w.u8(kGroupFormat);
  w.u8(static_cast<uint8_t>(kind));
  w.svarint(at);
  w.text(text);
  w.text(by);
  w.text(extra);
  const std::string unsealed = w.take();
  const uint64_t seq = ++last_seq;
  if (count_ == 0) first_seq_ = seq;
  ++count_;
  last_seal = auditSeal(last_seal, instance, seq, unsealed);
  // The format byte is sealed but stored once, at the head of the group.
  entries_.append(unsealed, 1, std::string::npos);
  entries_ += last_seal;
}

void AuditGroup::write(store::Batch& batch, std::string_view instance) const {
  if (count_ == 0) return;
  RecordWriter head;
  head.u8(kGroupFormat);
  head.varint(count_);
  std::string value = head.take();
  value += entries_;
  batch.put(store::Column::kAudit, keys::perInstance(instance, first_seq_), value);
}

bool readAuditValue(std::string_view key, std::string_view value,
                    const std::function<bool(StoredAuditEntry&)>& visit) {
  const auto first = keys::numberOf(key);
  if (!first || value.empty()) return false;
  StoredAuditEntry stored;
  if (static_cast<uint8_t>(value[0]) == kEntryFormatV1) {
    if (!readV1(*first, value, stored)) return false;
    (void)visit(stored);
    return true;
  }
  RecordReader r(value, nullptr);
  if (r.u8() != kGroupFormat) return false;
  const uint64_t count = r.varint();
  for (uint64_t i = 0; r.ok() && i < count; ++i) {
    const size_t begin = value.size() - r.remaining();
    const uint8_t kind = r.u8();
    AuditEntry& e = stored.entry;
    e.seq = *first + i;
    e.at = r.svarint();
    e.text = r.text();
    e.by = r.text();
    e.extra = r.text();
    const size_t end = value.size() - r.remaining();
    stored.seal = r.bytes(kSealBytes);
    if (!r.ok() || !knownKind(kind)) return false;
    e.kind = static_cast<AuditKind>(kind);
    e.kind_text = std::string(auditKindName(e.kind));
    stored.unsealed.assign(1, static_cast<char>(kGroupFormat));
    stored.unsealed.append(value.substr(begin, end - begin));
    if (!visit(stored)) return true;
  }
  return r.ok() && r.atEnd();
}

}  // namespace rflow::engine
