// The outbox (outbox.h): the message codec, the producer's sequence and pending messages,
// and applying an inbound message on its target exactly once.
#include "engine/outbox.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/keys.h"
#include "engine/partition.h"
#include "engine/parts.h"
#include "engine/record_codec.h"
#include "engine/record_values.h"

namespace rflow::engine {

namespace {

constexpr uint8_t kOutboxFormat = 1;

std::string be32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[static_cast<size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return out;
}

}  // namespace

std::string OutboxMessage::encode() const {
  RecordWriter w;
  w.u8(kOutboxFormat);
  w.u8(static_cast<uint8_t>(kind));
  w.varint(producer);
  w.varint(seq);
  w.varint(target);
  w.text(instance);
  w.text(version);
  w.text(workflow);
  w.text(args);
  w.u8(spawn ? 1 : 0);
  w.optionalText(parent);
  w.varint(parent_request);
  w.optionalText(spawned_by);
  w.text(inbox);
  return w.take();
}

std::optional<OutboxMessage> OutboxMessage::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (r.u8() != kOutboxFormat || !r.ok()) return std::nullopt;
  OutboxMessage m;
  const uint8_t kind = r.u8();
  if (kind != static_cast<uint8_t>(Kind::kStart) && kind != static_cast<uint8_t>(Kind::kResult))
    return std::nullopt;
  m.kind = static_cast<Kind>(kind);
  const uint64_t producer = r.varint();
  m.seq = r.varint();
  const uint64_t target = r.varint();
  if (producer >= kMaxPartitions || target >= kMaxPartitions) return std::nullopt;
  m.producer = static_cast<uint32_t>(producer);
  m.target = static_cast<uint32_t>(target);
  m.instance = r.text();
  m.version = r.text();
  m.workflow = r.text();
  m.args = r.text();
  m.spawn = r.u8() != 0;
  m.parent = r.optionalText();
  m.parent_request = r.varint();
  m.spawned_by = r.optionalText();
  m.inbox = r.text();
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return m;
}

namespace keys {
std::string outbox(uint64_t seq) {
  std::string key(kOutboxPrefix);
  store::appendU64(key, seq);
  return key;
}
std::string inbound(uint32_t producer) {
  return std::string("inbound\0", 8) + be32(producer);
}
std::string refusedStart(std::string_view instance) {
  return store::joinKey("refused-start", instance);
}
}  // namespace keys

namespace {
constexpr uint8_t kRefusalFormat = 1;

std::string encodeRefusal(int64_t at, std::string_view workflow, std::string_view reason) {
  RecordWriter w;
  w.u8(kRefusalFormat);
  w.varint(static_cast<uint64_t>(at));
  w.text(workflow);
  w.text(reason);
  return w.take();
}
}  // namespace

std::optional<std::string> describeRefusedStart(std::string_view id, std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (r.u8() != kRefusalFormat || !r.ok()) return std::nullopt;
  const auto at = static_cast<int64_t>(r.varint());
  const std::string workflow = r.text();
  const std::string reason = r.text();
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return fmt::format(
      "instance {} was never begun: its start of `{}` reached its key's partition at {} ms "
      "and was refused there: {}",
      id, workflow, at, reason);
}

std::string remoteInstanceId(uint64_t seq, uint32_t target, uint32_t producer) {
  return keys::instanceId(seq, target) + fmt::format("-s{:02}", producer);
}

std::optional<uint32_t> Outbox::remoteTarget(std::string_view workflow,
                                             std::string_view key) const {
  const EngineOptions& o = parts_.options;
  if (!o.partition || !o.partition_of) return std::nullopt;
  const uint32_t p = o.partition_of(workflow, key);
  if (p == *o.partition) return std::nullopt;
  return p;
}

std::optional<uint32_t> Outbox::remotePartitionOf(std::string_view instance) const {
  const EngineOptions& o = parts_.options;
  if (!o.partition || !o.partition_of) return std::nullopt;
  const auto p = partitionOfId(instance);
  if (!p || *p == *o.partition) return std::nullopt;
  return p;
}

store::Status Outbox::loadCounter() {
  if (loaded_) return {};
  auto last = parts_.store.lastKey(store::Column::kMeta, keys::kOutboxPrefix);
  if (!last.ok()) return last.status();
  auto acked = parts_.store.get(store::Column::kMeta, keys::kOutboxAcked);
  if (!acked.ok()) return acked.status();
  uint64_t top = 0;
  if (last.value())
    top = store::readU64(last.value()->substr(keys::kOutboxPrefix.size())).value_or(0);
  if (acked.value()) top = std::max(top, store::readU64(*acked.value()).value_or(0));
  next_ = top + 1;
  loaded_ = true;
  return {};
}

store::Status Outbox::add(Step& step, OutboxMessage& message) {
  {
    std::lock_guard lock(mutex_);
    if (store::Status loaded = loadCounter(); !loaded.ok()) return loaded;
    message.seq = next_++;
    in_flight_.insert(message.seq);
  }
  message.producer = parts_.options.partition.value_or(0);
  if (message.kind == OutboxMessage::Kind::kStart && message.instance.empty())
    message.instance = remoteInstanceId(message.seq, message.target, message.producer);
  step.batch.put(store::Column::kMeta, keys::outbox(message.seq), message.encode());
  step.outbox.push_back(message.seq);
  return {};
}

void Outbox::released(const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return;
  {
    std::lock_guard lock(mutex_);
    for (uint64_t seq : seqs)
      in_flight_.erase(seq);
  }
  if (parts_.options.on_outbox) parts_.options.on_outbox();
}

store::Result<std::vector<PendingMessage>> Outbox::pending(size_t limit) const {
  uint64_t below = UINT64_MAX;
  {
    std::lock_guard lock(mutex_);
    if (!in_flight_.empty()) below = *in_flight_.begin();
  }
  std::vector<PendingMessage> out;
  store::Status scanned = parts_.store.scan(
      store::Column::kMeta, keys::kOutboxPrefix, [&](std::string_view key, std::string_view bytes) {
        const uint64_t seq = store::readU64(key.substr(keys::kOutboxPrefix.size())).value_or(0);
        if (seq >= below || out.size() >= limit) return false;
        auto m = OutboxMessage::decode(bytes);
        // An undecodable message is left where it is (cluster verify and the operator see
        // it); it never blocks the others, and nothing is guessed about its target.
        if (m) out.push_back(PendingMessage{seq, m->target, std::string(bytes)});
        return true;
      });
  if (!scanned.ok()) return scanned;
  return out;
}

store::Status Outbox::forget(const std::vector<uint64_t>& seqs) {
  if (seqs.empty()) return {};
  std::lock_guard lock(forget_mutex_);
  auto acked = parts_.store.get(store::Column::kMeta, keys::kOutboxAcked);
  if (!acked.ok()) return acked.status();
  uint64_t top = acked.value() ? store::readU64(*acked.value()).value_or(0) : 0;
  store::Batch batch;
  for (uint64_t seq : seqs) {
    batch.remove(store::Column::kMeta, keys::outbox(seq));
    top = std::max(top, seq);
  }
  std::string bytes;
  store::appendU64(bytes, top);
  batch.put(store::Column::kMeta, keys::kOutboxAcked, bytes);
  return parts_.pipeline.commitAndWait(std::move(batch));
}

Found<bool> Outbox::apply(std::string_view bytes) {
  auto m = OutboxMessage::decode(bytes);
  if (!m)
    return EngineError{EngineError::Code::kBadInput,
                       "the inbound message cannot be read (not an outbox message of format 1)"};
  const EngineOptions& o = parts_.options;
  if (!o.partition || m->target != *o.partition)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("message {} of partition {} is for partition {}, not this one",
                                   m->seq, m->producer, m->target)};
  if (store::Status ids = parts_.ids.ready(); !ids.ok()) return storageError(ids);
  // Held until the applying step is reported: a second delivery of the same message
  // reads the high-water mark only once the first one's is durable.
  auto lease = parts_.claims.lock(store::joinKey("inbound", keys::inbound(m->producer)));
  auto mark = parts_.store.get(store::Column::kMeta, keys::inbound(m->producer));
  if (!mark.ok()) return storageError(mark.status());
  if (mark.value() && store::readU64(*mark.value()).value_or(0) >= m->seq) return false;
  auto step = parts_.steps.detached(m->instance, std::move(lease));
  std::string seq;
  store::appendU64(seq, m->seq);
  step->batch.put(store::Column::kMeta, keys::inbound(m->producer), seq);
  store::Status made =
      m->kind == OutboxMessage::Kind::kStart ? applyStart(*step, *m) : applyResult(*step, *m);
  if (!made.ok()) return storageError(made);
  if (auto error = parts_.steps.commit(std::move(step))) return std::move(*error);
  return true;
}

store::Status Outbox::applyResult(Step& step, const OutboxMessage& m) {
  step.batch.put(store::Column::kInbox, keys::perInstance(m.instance, m.parent_request), m.inbox);
  step.inboxes.push_back(m.instance);
  return {};
}

store::Status Outbox::applyStart(Step& step, const OutboxMessage& m) {
  step.leases.push_back(parts_.instance_gate.lock(m.instance));
  std::string refused;
  auto program = parts_.programs.get(m.version);
  if (!program && !program.notFound()) return store::Status::failure(program.error().message);
  if (!program) {
    refused = fmt::format("version {} of `{}` is not deployed on partition {}; deploy it there",
                          m.version, m.workflow, m.target);
  } else {
    auto found = findWorkflow((*program)->module(), m.workflow);
    auto args = detail::decodeList(m.args, (*program)->module());
    if (auto* error = std::get_if<EngineError>(&found)) {
      refused = error->message;
    } else if (!args) {
      refused = "its arguments cannot be read";
    } else {
      step.program = *program;
      auto created = parts_.instances.create(step, *program, std::get<uint32_t>(found),
                                             std::move(*args), m.spawn, m.instance);
      if (!created && created.error().code == EngineError::Code::kStorage)
        return store::Status::failure(created.error().message);
      if (!created) {
        refused = created.error().message;
      } else {
        step.rec = std::move(*created);
        step.rec.parent = m.parent;
        step.rec.parent_request = m.parent_request;
        step.rec.spawned_by = m.spawned_by;
        step.instance_changed = true;
        step.batch.put(store::Column::kMeta, keys::beginMarker(step.rec.id), "");
        step.begin.push_back(step.rec.id);
        return {};
      }
    }
  }
  // Not begun: a child's parent hears why, as it would have at once on one partition. A
  // refused spawn or event start has nobody waiting: its id, already answered, keeps why
  // (Queries::missing), so a lookup of it says so rather than "no instance".
  if (!m.parent) {
    step.batch.put(store::Column::kMeta, keys::refusedStart(m.instance),
                   encodeRefusal(step.now, m.workflow, refused));
    return {};
  }
  InboxRecord inbox;
  inbox.request = m.parent_request;
  inbox.ok = false;
  inbox.error_kind = "child";
  inbox.error_message = refused;
  return tellParent(parts_, step, *m.parent, inbox);
}

store::Status tellParent(EngineParts& parts, Step& step, const std::string& parent,
                         const InboxRecord& inbox) {
  if (auto remote = parts.outbox.remotePartitionOf(parent)) {
    OutboxMessage m;
    m.kind = OutboxMessage::Kind::kResult;
    m.target = *remote;
    m.instance = parent;
    m.parent_request = inbox.request;
    m.inbox = inbox.encode();
    return parts.outbox.add(step, m);
  }
  step.batch.put(store::Column::kInbox, keys::perInstance(parent, inbox.request), inbox.encode());
  step.inboxes.push_back(parent);
  return {};
}

}  // namespace rflow::engine
