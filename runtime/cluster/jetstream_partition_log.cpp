// The replicated log's append protocol (retry, verify, fence), reads and trims; the
// protocol is described in jetstream_partition_log.h.
#include "cluster/jetstream_partition_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "cluster/entry_codec.h"
#include "cluster/publish_pacing.h"

namespace rflow::cluster {
namespace {

constexpr std::string_view kEpochHeader = "Rflow-Epoch";
constexpr std::string_view kMsgIdHeader = "Nats-Msg-Id";

using Clock = std::chrono::steady_clock;

}  // namespace

std::string JetStreamPartitionLog::streamName(uint32_t partition) {
  return fmt::format("RF_P{:02}", partition);
}

std::string JetStreamPartitionLog::subject(uint32_t partition) {
  return fmt::format("rf.p.{:02}.log", partition);
}

JetStreamPartitionLog::JetStreamPartitionLog(std::shared_ptr<NatsClient> client, uint32_t partition,
                                             JetStreamLogOptions options)
    : client_(std::move(client)),
      partition_(partition),
      options_(options),
      stream_(streamName(partition)),
      subject_(subject(partition)),
      genesis_subject_(fmt::format("rf.p.{:02}.genesis", partition)) {}

Result<std::unique_ptr<JetStreamPartitionLog>> JetStreamPartitionLog::open(
    std::shared_ptr<NatsClient> client, uint32_t partition, JetStreamLogOptions options) {
  std::unique_ptr<JetStreamPartitionLog> log(
      new JetStreamPartitionLog(std::move(client), partition, options));
  StreamSpec spec;
  spec.name = log->stream_;
  spec.subjects = {fmt::format("rf.p.{:02}.>", partition)};
  spec.replicas = options.replicas;
  spec.max_bytes = options.max_bytes;
  spec.duplicate_window = options.duplicate_window;
  if (Status s = log->client_->ensureStream(spec); !s.ok()) return s;
  if (Status s = log->writeGenesis(); !s.ok()) return s;
  return log;
}

Status JetStreamPartitionLog::writeGenesis() {
  const auto deadline = Clock::now() + options_.append_deadline;
  for (int attempt = 0;; ++attempt) {
    auto info = client_->streamInfo(stream_);
    if (info.ok() && info.value().last_seq > 0) return {};
    if (info.ok()) {
      const std::string body = encodeGenesis();
      const Header headers[] = {{std::string(kEpochHeader), "0"}};
      PublishOptions po;
      po.msg_id = msgId(partition_, 0, 1);
      po.expect_no_subject_msg = true;  // not a fence (H1): only keeps a late genesis out
      po.timeout = options_.publish_timeout;
      auto ack = client_->publish(genesis_subject_, headers, body, po);
      if (ack.ok()) {
        if (ack.value().seq == 1) return {};
        return Status::failure(
            ErrorKind::kCorrupt,
            fmt::format("{}: stream {}'s genesis entry landed at {}, not 1: the stream was "
                        "written by something other than rflow; give rflow an empty stream",
                        client_->where(), stream_, ack.value().seq));
      }
      // Another node wrote the genesis first: the stream is no longer empty.
      if (ack.status().kind() == ErrorKind::kWrongLastSequence) continue;
      if (ack.status().kind() != ErrorKind::kUnavailable) return ack.status();
    } else if (info.status().kind() != ErrorKind::kUnavailable) {
      return info.status();
    }
    if (Clock::now() > deadline) {
      return Status::failure(
          ErrorKind::kUnavailable,
          fmt::format("{}: could not write stream {}'s genesis entry within {} ms; check that "
                      "the stream has a leader (/jsz?streams=true)",
                      client_->where(), stream_, options_.append_deadline.count()));
    }
    std::this_thread::sleep_for(publishBackoff(attempt));
  }
}

AppendResult JetStreamPartitionLog::append(std::span<const std::string_view> records,
                                           Seq expected_last_seq, Epoch epoch) {
  return appendEntry(epoch, encodeRecords(epoch, records), expected_last_seq);
}

AppendResult JetStreamPartitionLog::claim(const Claim& claim, Seq expected_last_seq) {
  if (claim.node.empty()) return Rejected{"a claim names the claiming node"};
  // Epochs only increase: the tail entry carries the latest owner's epoch.
  auto tail = client_->getMsg(stream_, expected_last_seq);
  if (tail.ok()) {
    auto entry = toEntry(tail.value());
    if (entry.ok() && entry.value().epoch >= claim.epoch) {
      return Rejected{
          fmt::format("a claim must raise the epoch: stream {} is at epoch {} (entry "
                      "{}), the claim by {} names {}",
                      stream_, entry.value().epoch, expected_last_seq, claim.node, claim.epoch)};
    }
  }
  return appendEntry(claim.epoch, encodeClaim(claim), expected_last_seq);
}

AppendResult JetStreamPartitionLog::appendEntry(Epoch epoch, const std::string& body,
                                                Seq expected_last_seq) {
  if (expected_last_seq < 1) {
    return Rejected{
        "expected_last_seq 0: a log begins with its genesis entry at 1, so an append always "
        "names the sequence it follows (this is a bug in the caller)"};
  }
  const size_t limit = client_->maxPayload();
  if (body.size() + kHeaderRoom > limit) {
    return Rejected{fmt::format(
        "an entry of {} bytes for stream {} exceeds the servers' max_payload of {} bytes: "
        "group commits must be cut smaller (or raise max_payload on every server)",
        body.size(), stream_, limit)};
  }
  const Seq target = expected_last_seq + 1;
  const std::string id = msgId(partition_, epoch, target);
  const Header headers[] = {{std::string(kEpochHeader), std::to_string(epoch)}};
  PublishOptions po;
  po.msg_id = id;
  po.expect_last_seq = expected_last_seq;
  po.timeout = options_.publish_timeout;
  const auto deadline = Clock::now() + options_.append_deadline;
  const uint64_t interrupts = interrupts_.load();
  std::string why;
  for (int attempt = 0;; ++attempt) {
    auto ack = client_->publish(subject_, headers, body, po);
    if (ack.ok() && !ack.value().duplicate) {
      if (ack.value().seq == target) return Appended{target, false};
      return Unknown{
          fmt::format("{}: stream {} stored entry {} at {} although the publish "
                      "expected {} to be last; the partition must not advance: check "
                      "the servers",
                      client_->where(), stream_, id, ack.value().seq, expected_last_seq)};
    }
    if (ack.ok() || ack.status().kind() == ErrorKind::kWrongLastSequence) {
      const Seq at = ack.ok() ? ack.value().seq : target;
      if (auto r = resolveAt(at, id, body, expected_last_seq, ack.ok())) return *std::move(r);
      why = fmt::format("{}: stream {}: entry {} could not be read back to verify it",
                        client_->where(), stream_, at);
    } else if (ack.status().kind() == ErrorKind::kUnavailable) {
      why = ack.status().message();
    } else if (ack.status().kind() == ErrorKind::kNotFound) {
      return Rejected{ack.status().message() +
                      "; the partition's stream is gone: restore it from a snapshot before this "
                      "partition takes steps again"};
    } else {
      return Rejected{ack.status().message()};
    }
    if (Clock::now() >= deadline) {
      return Unknown{fmt::format("{} (gave up after {} tries over {} ms; repeat the same append)",
                                 why, attempt + 1, options_.append_deadline.count())};
    }
    if (interrupts_.load() != interrupts)
      return Unknown{fmt::format("{} (interrupted after {} tries: the partition is being let go)",
                                 why, attempt + 1)};
    std::this_thread::sleep_for(publishBackoff(attempt));
  }
}

std::optional<AppendResult> JetStreamPartitionLog::resolveAt(Seq seq, const std::string& id,
                                                             const std::string& body,
                                                             Seq expected_last_seq,
                                                             bool was_duplicate_ack) {
  auto stored = client_->getMsg(stream_, seq);
  if (!stored.ok()) {
    if (stored.status().kind() != ErrorKind::kNotFound) return std::nullopt;
    auto info = client_->streamInfo(stream_);
    if (!info.ok()) return std::nullopt;
    const StreamState& st = info.value();
    if (st.last_seq < expected_last_seq) {
      return AppendResult(Regressed{
          st.last_seq, expected_last_seq,
          fmt::format("{}: stream {} ends at {}, but this owner appended up to {}: NATS lost "
                      "acknowledged entries (2.9.10 acknowledges before fsync). Freeze the "
                      "partition and re-append the missing records from the local redo copy",
                      client_->where(), stream_, st.last_seq, expected_last_seq)});
    }
    if (st.first_seq > seq) {
      return AppendResult(Fenced{seq,
                                 0,
                                 {},
                                 fmt::format("stream {} was trimmed past {} (to {}): another "
                                             "owner has taken a snapshot beyond this one's tail",
                                             stream_, seq, st.first_seq)});
    }
    return std::nullopt;
  }
  const StoredMsg& msg = stored.value();
  if (msg.header(kMsgIdHeader) == id) {
    if (msg.data == body) return AppendResult(Appended{seq, true});
    return AppendResult(
        Fenced{seq,
               0,
               {},
               fmt::format("stream {} holds a different entry under this owner's Msg-Id {}: two "
                           "owners wrote at the same epoch; this one stops",
                           stream_, id)});
  }
  if (was_duplicate_ack) {
    // The server said "duplicate of `seq`", but `seq` holds another id (H2): not ours.
    return AppendResult(Unknown{fmt::format(
        "{}: stream {} acknowledged Msg-Id {} as a duplicate of entry {}, which holds Msg-Id {}: "
        "the acknowledgement does not verify; the partition must not advance until an operator "
        "has checked the stream",
        client_->where(), stream_, id, seq, msg.header(kMsgIdHeader))});
  }
  auto entry = toEntry(msg);
  Fenced f{seq, 0, {}, {}};
  if (entry.ok()) {
    f.by_epoch = entry.value().epoch;
    f.by_node = entry.value().node;
  }
  f.what = fmt::format(
      "stream {} holds entry {} (Msg-Id {}) where this owner expected to write "
      "{}: another owner has taken the partition",
      stream_, seq, msg.header(kMsgIdHeader), id);
  return AppendResult(std::move(f));
}

Result<LogEntry> JetStreamPartitionLog::toEntry(const StoredMsg& msg) const {
  LogEntry entry;
  entry.seq = msg.seq;
  entry.msg_id = std::string(msg.header(kMsgIdHeader));
  if (Status s = decodeEntry(msg.data, entry); !s.ok()) {
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("{}: stream {} entry {}: {}", client_->where(), stream_, msg.seq, s.message()));
  }
  const std::string_view header_epoch = msg.header(kEpochHeader);
  if (header_epoch != std::to_string(entry.epoch)) {
    return Status::failure(
        ErrorKind::kCorrupt,
        fmt::format("{}: stream {} entry {}: its Rflow-Epoch header '{}' "
                    "disagrees with the epoch {} in its body",
                    client_->where(), stream_, msg.seq, header_epoch, entry.epoch));
  }
  return entry;
}

Result<std::vector<LogEntry>> JetStreamPartitionLog::read(Seq from_seq, size_t max) {
  // An ordered consumer is created through the meta leader: during an election the first
  // tries time out, so the read is repeated until read_timeout.
  const auto deadline = Clock::now() + options_.read_timeout;
  for (int attempt = 0;; ++attempt) {
    auto r = readOnce(from_seq, max);
    if (r.ok() || r.status().kind() != ErrorKind::kUnavailable || Clock::now() >= deadline) {
      return r;
    }
    std::this_thread::sleep_for(publishBackoff(attempt));
  }
}

Result<std::vector<LogEntry>> JetStreamPartitionLog::readOnce(Seq from_seq, size_t max) {
  auto b = bounds();
  if (!b.ok()) return b.status();
  const LogBounds bounds = b.value();
  if (from_seq < bounds.first) {
    return Status::failure(ErrorKind::kNotFound,
                           fmt::format("{}: stream {} begins at {}: entries from {} were trimmed "
                                       "into a snapshot; restore the snapshot, then read on",
                                       client_->where(), stream_, bounds.first, from_seq));
  }
  std::vector<LogEntry> out;
  if (from_seq > bounds.last || max == 0) return out;
  const Seq stop = std::min<Seq>(bounds.last, from_seq + max - 1);
  auto msgs = client_->readRange(stream_, fmt::format("rf.p.{:02}.>", partition_), from_seq, stop,
                                 max, options_.read_timeout);
  if (!msgs.ok()) return msgs.status();
  Seq next = from_seq;
  for (const StoredMsg& msg : msgs.value()) {
    if (msg.seq != next) {
      return Status::failure(
          ErrorKind::kCorrupt,
          fmt::format("{}: stream {} has no entry {} (the next is {}): an entry was deleted by "
                      "hand; the partition cannot be rebuilt from this log, only from a "
                      "snapshot at or after {}",
                      client_->where(), stream_, next, msg.seq, next));
    }
    auto entry = toEntry(msg);
    if (!entry.ok()) return entry.status();
    out.push_back(std::move(entry).value());
    ++next;
  }
  return out;
}

Status JetStreamPartitionLog::trim(Seq up_to) {
  auto b = bounds();
  if (!b.ok()) return b.status();
  if (up_to > b.value().last) {
    return Status::failure(ErrorKind::kRefused,
                           fmt::format("cannot trim stream {} up to {}: its last entry is {}",
                                       stream_, up_to, b.value().last));
  }
  if (up_to < b.value().first) return {};
  return client_->purge(stream_, "", up_to + 1);
}

Result<LogBounds> JetStreamPartitionLog::bounds() {
  auto info = client_->streamInfo(stream_);
  if (!info.ok()) return info.status();
  const StreamState& st = info.value();
  if (st.msgs == 0) return LogBounds{st.last_seq + 1, st.last_seq};
  return LogBounds{st.first_seq, st.last_seq};
}

}  // namespace rflow::cluster
