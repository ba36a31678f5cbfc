// libnats behind rflow's types: connection options, publish with the JetStream headers,
// message get/delete, purge, stream info and creation, and ordered-consumer reads. Every
// libnats object is owned by a unique_ptr with its destroy function.
#include "cluster/nats_client.h"

#include <fmt/format.h>
#include <nats/nats.h>

#include <algorithm>

namespace rflow::cluster {
namespace {

template <typename T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p) Destroy(p);
  }
};
using MsgPtr = std::unique_ptr<natsMsg, Deleter<natsMsg, natsMsg_Destroy>>;
using OptionsPtr = std::unique_ptr<natsOptions, Deleter<natsOptions, natsOptions_Destroy>>;
using PubAckPtr = std::unique_ptr<jsPubAck, Deleter<jsPubAck, jsPubAck_Destroy>>;
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, Deleter<jsStreamInfo, jsStreamInfo_Destroy>>;
using SubPtr =
    std::unique_ptr<natsSubscription, Deleter<natsSubscription, natsSubscription_Destroy>>;
using KvEntryPtr = std::unique_ptr<kvEntry, Deleter<kvEntry, kvEntry_Destroy>>;
using KvStatusPtr = std::unique_ptr<kvStatus, Deleter<kvStatus, kvStatus_Destroy>>;
using MetaPtr = std::unique_ptr<jsMsgMetaData, Deleter<jsMsgMetaData, jsMsgMetaData_Destroy>>;

int64_t ms(std::chrono::milliseconds d) {
  return static_cast<int64_t>(d.count());
}

std::string lastErrorText(natsStatus s) {
  natsStatus ignored = NATS_OK;
  const char* text = nats_GetLastError(&ignored);
  if (text && *text) return text;
  return natsStatus_GetText(s);
}

// Copies a received message (headers too) into a StoredMsg.
StoredMsg toStored(natsMsg* msg, uint64_t seq) {
  StoredMsg out;
  out.seq = seq;
  if (const char* subj = natsMsg_GetSubject(msg)) out.subject = subj;
  if (const char* data = natsMsg_GetData(msg)) {
    out.data.assign(data, static_cast<size_t>(natsMsg_GetDataLength(msg)));
  }
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK && keys) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value) {
        out.headers.push_back({keys[i], value});
      }
    }
    free(static_cast<void*>(keys));
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::string_view StoredMsg::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

Result<std::unique_ptr<NatsClient>> NatsClient::connect(const NatsOptions& options) {
  const std::string where = "NATS at " + joined(options.servers);
  if (options.servers.empty()) {
    return Status::failure(ErrorKind::kRefused,
                           "no NATS server given: list the cluster's client URLs "
                           "(nats://host:4222) in the configuration");
  }
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) {
    return Status::failure(ErrorKind::kUnavailable, "libnats could not allocate its options");
  }
  OptionsPtr opts(raw);
  std::vector<const char*> urls;
  for (const auto& s : options.servers)
    urls.push_back(s.c_str());
  natsStatus s = natsOptions_SetServers(opts.get(), urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), ms(options.request_timeout));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);  // forever
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), ms(options.reconnect_wait));
  // Detect a dead server within a few seconds rather than the default 2 minutes.
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts.get(), 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts.get(), 3);
  if (s != NATS_OK) {
    return Status::failure(ErrorKind::kRefused,
                           fmt::format("{}: bad connection options: {}", where, lastErrorText(s)));
  }
  natsConnection* conn = nullptr;
  s = natsConnection_Connect(&conn, opts.get());
  if (s != NATS_OK) {
    return Status::failure(ErrorKind::kUnavailable,
                           fmt::format("{}: cannot connect ({}); check that nats-server runs "
                                       "there with JetStream enabled and that the port is open",
                                       where, lastErrorText(s)));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = ms(options.request_timeout);
  jsCtx* js = nullptr;
  s = natsConnection_JetStream(&js, conn, &jo);
  if (s != NATS_OK) {
    natsConnection_Destroy(conn);
    return Status::failure(ErrorKind::kUnavailable,
                           fmt::format("{}: no JetStream context: {}", where, lastErrorText(s)));
  }
  return std::unique_ptr<NatsClient>(new NatsClient(options, conn, js));
}

NatsClient::NatsClient(NatsOptions options, natsConnection* conn, jsCtx* js)
    : options_(std::move(options)),
      where_("NATS at " + joined(options_.servers)),
      conn_(conn),
      js_(js) {}

NatsClient::~NatsClient() {
  for (auto& [name, kv] : kv_)
    kvStore_Destroy(kv);
  jsCtx_Destroy(js_);
  natsConnection_Destroy(conn_);
}

Status NatsClient::failure(int status, int js_code, std::string_view doing) const {
  const auto s = static_cast<natsStatus>(status);
  const std::string text = lastErrorText(s);
  ErrorKind kind = ErrorKind::kRefused;
  std::string advice;
  // With no server answering, libnats 3.4.1 also reports JetStream error 10076 ("not
  // enabled"): during a stream leader election that is not a refusal.
  if (s == NATS_NO_RESPONDERS) js_code = 0;
  switch (js_code) {
    case JSStreamWrongLastSequenceErr:
      kind = ErrorKind::kWrongLastSequence;
      break;
    case JSStreamNotFoundErr:
    case JSNoMessageFoundErr:
    case JSSequenceNotFoundErr:
      kind = ErrorKind::kNotFound;
      break;
    case JSClusterNotAvailErr:
    case JSClusterNotLeaderErr:
    case JSClusterNotAssignedErr:
    case JSClusterIncompleteErr:
      kind = ErrorKind::kUnavailable;
      break;
    case JSStorageResourcesExceededErr:
    case JSInsufficientResourcesErr:
    case JSAccountResourcesExceededErr:
      advice = "; the JetStream store is full: give the servers more max_file_store or disk";
      break;
    default:
      if (js_code == 0) {
        if (s == NATS_TIMEOUT || s == NATS_NO_RESPONDERS || s == NATS_CONNECTION_CLOSED ||
            s == NATS_CONNECTION_DISCONNECTED || s == NATS_IO_ERROR || s == NATS_NO_SERVER ||
            s == NATS_STALE_CONNECTION) {
          kind = ErrorKind::kUnavailable;
          advice = s == NATS_NO_RESPONDERS
                       ? "; no server answered: the stream has no leader (an election, or a "
                         "quorum of its servers is down): check /jsz and the servers' logs"
                       : "; check the servers' /healthz and logs";
        } else if (s == NATS_NOT_FOUND) {
          kind = ErrorKind::kNotFound;
        }
      }
  }
  std::string msg = fmt::format("{}: {}: {}", where_, doing, text);
  if (js_code != 0) msg += fmt::format(" (JetStream error {})", js_code);
  msg += advice;
  return Status::failure(kind, std::move(msg)).withCode(js_code);
}

Result<PubAck> NatsClient::publish(std::string_view subject, std::span<const Header> headers,
                                   std::string_view data, const PublishOptions& options) {
  natsMsg* raw = nullptr;
  const std::string subj(subject);
  natsStatus s =
      natsMsg_Create(&raw, subj.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return failure(s, 0, fmt::format("publish to {}", subj));
  MsgPtr msg(raw);
  for (const auto& h : headers) {
    if (s == NATS_OK) s = natsMsgHeader_Set(msg.get(), h.name.c_str(), h.value.c_str());
  }
  // The C client cannot express "expected last subject sequence 0" in its options, so
  // the header is set by hand.
  if (s == NATS_OK && options.expect_no_subject_msg) {
    s = natsMsgHeader_Set(msg.get(), "Nats-Expected-Last-Subject-Sequence", "0");
  }
  if (s != NATS_OK) return failure(s, 0, fmt::format("publish to {}", subj));
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = ms(options.timeout.count() > 0 ? options.timeout : options_.request_timeout);
  if (!options.msg_id.empty()) po.MsgId = options.msg_id.c_str();
  po.ExpectLastSeq = options.expect_last_seq;
  jsPubAck* ack_raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack_raw, js_, msg.get(), &po, &jerr);
  PubAckPtr ack(ack_raw);
  if (s != NATS_OK) {
    return failure(s, static_cast<int>(jerr),
                   fmt::format("publish to {} (Msg-Id {})", subj,
                               options.msg_id.empty() ? "none" : options.msg_id));
  }
  return PubAck{ack->Sequence, ack->Duplicate};
}

Result<StoredMsg> NatsClient::getMsg(const std::string& stream, uint64_t seq) {
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&raw, js_, stream.c_str(), seq, nullptr, &jerr);
  MsgPtr msg(raw);
  if (s != NATS_OK) {
    return failure(s, static_cast<int>(jerr), fmt::format("read stream {} at {}", stream, seq));
  }
  return toStored(msg.get(), natsMsg_GetSequence(msg.get()));
}

Result<StoredMsg> NatsClient::getLastMsg(const std::string& stream, const std::string& subject) {
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&raw, js_, stream.c_str(), subject.c_str(), nullptr, &jerr);
  MsgPtr msg(raw);
  if (s != NATS_OK) {
    return failure(s, static_cast<int>(jerr),
                   fmt::format("read the last message on {} in stream {}", subject, stream));
  }
  return toStored(msg.get(), natsMsg_GetSequence(msg.get()));
}

Status NatsClient::deleteMsg(const std::string& stream, uint64_t seq) {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteMsg(js_, stream.c_str(), seq, nullptr, &jerr);
  if (s != NATS_OK) {
    return failure(s, static_cast<int>(jerr), fmt::format("delete {} from stream {}", seq, stream));
  }
  return {};
}

Status NatsClient::purge(const std::string& stream, const std::string& subject,
                         uint64_t before_seq) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = ms(options_.request_timeout);
  if (!subject.empty()) jo.Stream.Purge.Subject = subject.c_str();
  jo.Stream.Purge.Sequence = before_seq;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(js_, stream.c_str(), &jo, &jerr);
  if (s != NATS_OK) {
    return failure(
        s, static_cast<int>(jerr),
        fmt::format("purge stream {}{}{}", stream, subject.empty() ? "" : " subject " + subject,
                    before_seq ? fmt::format(" below {}", before_seq) : ""));
  }
  return {};
}

Result<StreamState> NatsClient::streamInfo(const std::string& stream) {
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js_, stream.c_str(), nullptr, &jerr);
  StreamInfoPtr si(raw);
  if (s != NATS_OK) {
    return failure(s, static_cast<int>(jerr), fmt::format("stream info of {}", stream));
  }
  StreamState out;
  out.first_seq = si->State.FirstSeq;
  out.last_seq = si->State.LastSeq;
  out.msgs = si->State.Msgs;
  out.bytes = si->State.Bytes;
  out.replicas = si->Config ? static_cast<int>(si->Config->Replicas) : 0;
  if (si->Cluster) {
    if (si->Cluster->Leader) out.leader = si->Cluster->Leader;
    for (int i = 0; i < si->Cluster->ReplicasLen; ++i) {
      const jsPeerInfo* p = si->Cluster->Replicas[i];
      out.followers.push_back({p->Name ? p->Name : "", p->Current, p->Offline, p->Lag});
    }
  }
  return out;
}

Status NatsClient::ensureStream(const StreamSpec& spec) {
  std::vector<const char*> subjects;
  for (const auto& s : spec.subjects)
    subjects.push_back(s.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;  // with no limits set: nothing leaves but by purge
  cfg.Discard = js_DiscardNew;      // a full stream refuses new entries, never drops old ones
  cfg.MaxBytes = spec.max_bytes;
  cfg.Replicas = spec.replicas;
  cfg.Duplicates =
      std::chrono::duration_cast<std::chrono::nanoseconds>(spec.duplicate_window).count();
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&raw, js_, &cfg, nullptr, &jerr);
  StreamInfoPtr si(raw);
  if (s == NATS_OK) return {};
  if (jerr == JSStreamSubjectOverlapErr) {
    // Another node is creating the same stream at this moment; asking again finds it.
    return Status::failure(
        ErrorKind::kUnavailable,
        failure(s, static_cast<int>(jerr), fmt::format("create stream {}", spec.name)).message());
  }
  if (jerr != JSStreamNameExistErr) {
    return failure(s, static_cast<int>(jerr), fmt::format("create stream {}", spec.name));
  }
  // It exists with another configuration: say what differs rather than change it.
  jsStreamInfo* have_raw = nullptr;
  s = js_GetStreamInfo(&have_raw, js_, spec.name.c_str(), nullptr, &jerr);
  StreamInfoPtr have(have_raw);
  if (s != NATS_OK) {
    return failure(s, static_cast<int>(jerr), fmt::format("stream info of {}", spec.name));
  }
  const jsStreamConfig& c = *have->Config;
  std::string diff;
  if (c.Replicas != spec.replicas)
    diff += fmt::format(" replicas {} (want {});", c.Replicas, spec.replicas);
  if (c.Storage != js_FileStorage) diff += " memory storage (want file);";
  if (c.Discard != js_DiscardNew) diff += " discard=old (want new);";
  if (c.MaxMsgs > 0 || c.MaxAge > 0 || c.MaxMsgsPerSubject > 0) {
    diff += " limits that drop entries (max_msgs, max_age or max_msgs_per_subject);";
  }
  if (diff.empty()) diff = " settings differ (subjects, max_bytes or the duplicate window);";
  return Status::failure(
      ErrorKind::kRefused,
      fmt::format("{}: stream {} exists with other settings:{} rflow does not change a stream "
                  "that holds data; fix it with `nats stream edit {}` or give rflow the same "
                  "settings",
                  where_, spec.name, diff, spec.name));
}

Result<std::vector<StoredMsg>> NatsClient::readRange(const std::string& stream,
                                                     const std::string& subject, uint64_t start_seq,
                                                     uint64_t stop_seq, size_t max,
                                                     std::chrono::milliseconds timeout) {
  std::vector<StoredMsg> out;
  if (max == 0 || stop_seq < start_seq) return out;
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = ms(options_.request_timeout);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = std::max<uint64_t>(start_seq, 1);
  natsSubscription* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&raw, js_, subject.c_str(), &jo, &so, &jerr);
  SubPtr sub(raw);
  const std::string doing = fmt::format("read stream {} ({}) from {}", stream, subject, start_seq);
  if (s != NATS_OK) return failure(s, static_cast<int>(jerr), doing);
  // Nothing to wait for when no message matches: the consumer has delivered none and has
  // none pending. Otherwise each message's metadata says how many still follow it.
  {
    jsConsumerInfo* ci_raw = nullptr;
    s = natsSubscription_GetConsumerInfo(&ci_raw, sub.get(), &jo, &jerr);
    std::unique_ptr<jsConsumerInfo, Deleter<jsConsumerInfo, jsConsumerInfo_Destroy>> ci(ci_raw);
    if (s != NATS_OK) {
      natsSubscription_Unsubscribe(sub.get());
      return failure(s, static_cast<int>(jerr), doing);
    }
    if (ci->NumPending == 0 && ci->Delivered.Consumer == 0) {
      natsSubscription_Unsubscribe(sub.get());
      return out;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < max) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      natsSubscription_Unsubscribe(sub.get());
      return Status::failure(
          ErrorKind::kUnavailable,
          fmt::format("{}: {}: {} messages arrived in {} ms, the last at {}, short of {}; a "
                      "replica may be catching up: check /jsz",
                      where_, doing, out.size(), timeout.count(), out.empty() ? 0 : out.back().seq,
                      stop_seq));
    }
    natsMsg* m_raw = nullptr;
    s = natsSubscription_NextMsg(&m_raw, sub.get(), ms(left));
    MsgPtr m(m_raw);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      natsSubscription_Unsubscribe(sub.get());
      return failure(s, 0, doing);
    }
    jsMsgMetaData* meta_raw = nullptr;
    if (natsMsg_GetMetaData(&meta_raw, m.get()) != NATS_OK) continue;  // not a stream message
    MetaPtr meta(meta_raw);
    const uint64_t seq = meta->Sequence.Stream;
    out.push_back(toStored(m.get(), seq));
    if (seq >= stop_seq || meta->NumPending == 0) break;
  }
  natsSubscription_Unsubscribe(sub.get());
  return out;
}

size_t NatsClient::maxPayload() const {
  return static_cast<size_t>(natsConnection_GetMaxPayload(conn_));
}

}  // namespace rflow::cluster

namespace rflow::cluster {

Status NatsClient::ensureKv(const KvSpec& spec) {
  std::lock_guard lock(kv_mutex_);
  if (kv_.count(spec.bucket)) return {};
  kvConfig cfg;
  kvConfig_Init(&cfg);
  cfg.Bucket = spec.bucket.c_str();
  cfg.History = 1;
  // libnats passes TTL through as the stream's MaxAge: nanoseconds.
  cfg.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(spec.ttl).count();
  cfg.Replicas = spec.replicas;
  cfg.StorageType = js_FileStorage;
  kvStore* raw = nullptr;
  natsStatus s = js_CreateKeyValue(&raw, js_, &cfg);
  if (s != NATS_OK) {
    // There with other settings (creating a stream is idempotent only for the same ones):
    // bind to it and say what differs.
    if (js_KeyValue(&raw, js_, spec.bucket.c_str()) != NATS_OK) {
      Status why = failure(s, 0, fmt::format("create key-value bucket {}", spec.bucket));
      // libnats' key-value calls give no JetStream error code: JetStream's "temporarily
      // unavailable" (10008, no meta leader or peers not current) is known by its text.
      // "subjects overlap": another node is creating the same bucket at this moment (its
      // stream is not there by name yet); asking again finds it.
      if (why.message().find("temporarily unavailable") != std::string::npos ||
          why.message().find("subjects overlap") != std::string::npos)
        return Status::failure(ErrorKind::kUnavailable, why.message());
      return why;
    }
    kvStatus* st_raw = nullptr;
    natsStatus si = kvStore_Status(&st_raw, raw);
    KvStatusPtr st(st_raw);
    std::string diff;
    if (si == NATS_OK) {
      if (kvStatus_TTL(st.get()) != cfg.TTL)
        diff += fmt::format(" a TTL of {} ms (want {} ms);", kvStatus_TTL(st.get()) / 1'000'000,
                            spec.ttl.count());
      if (kvStatus_Replicas(st.get()) != spec.replicas)
        diff += fmt::format(" {} replicas (want {});", kvStatus_Replicas(st.get()), spec.replicas);
    }
    if (si == NATS_OK && diff.empty()) {
      // Another node created it with the same settings while this one asked (the create
      // failed on "subjects overlap", the bind found it): it is the bucket wanted.
      kv_.emplace(spec.bucket, raw);
      return {};
    }
    kvStore_Destroy(raw);
    if (diff.empty()) return failure(s, 0, fmt::format("create key-value bucket {}", spec.bucket));
    diff.pop_back();
    return Status::failure(
        ErrorKind::kRefused,
        fmt::format("{}: key-value bucket {} exists with{}: every node of a cluster must be "
                    "configured alike (or delete the bucket: `nats kv del {}`; it holds "
                    "only hints)",
                    where_, spec.bucket, diff, spec.bucket));
  }
  kv_.emplace(spec.bucket, raw);
  return {};
}

Status NatsClient::bindKv(const std::string& bucket) {
  std::lock_guard lock(kv_mutex_);
  if (kv_.count(bucket)) return {};
  kvStore* raw = nullptr;
  const natsStatus s = js_KeyValue(&raw, js_, bucket.c_str());
  if (s == NATS_NOT_FOUND)
    return Status::failure(ErrorKind::kNotFound,
                           fmt::format("{}: there is no key-value bucket {}", where_, bucket));
  if (s != NATS_OK) return failure(s, 0, fmt::format("open key-value bucket {}", bucket));
  kv_.emplace(bucket, raw);
  return {};
}

Result<__kvStore*> NatsClient::kv(const std::string& bucket) {
  std::lock_guard lock(kv_mutex_);
  auto it = kv_.find(bucket);
  if (it == kv_.end())
    return Status::failure(ErrorKind::kNotFound,
                           fmt::format("key-value bucket {} was not opened (ensureKv)", bucket));
  return it->second;
}

Result<KvEntry> NatsClient::kvGet(const std::string& bucket, const std::string& key) {
  auto store = kv(bucket);
  if (!store.ok()) return store.status();
  kvEntry* raw = nullptr;
  natsStatus s = kvStore_Get(&raw, store.value(), key.c_str());
  KvEntryPtr e(raw);
  if (s == NATS_NOT_FOUND) {
    return Status::failure(ErrorKind::kNotFound,
                           fmt::format("{}: {} has no key {}", where_, bucket, key));
  }
  if (s != NATS_OK) return failure(s, 0, fmt::format("read {} from bucket {}", key, bucket));
  KvEntry out;
  out.key = key;
  if (const void* v = kvEntry_Value(e.get()))
    out.value.assign(static_cast<const char*>(v), static_cast<size_t>(kvEntry_ValueLen(e.get())));
  out.revision = kvEntry_Revision(e.get());
  return out;
}

Result<uint64_t> NatsClient::kvPut(const std::string& bucket, const std::string& key,
                                   std::string_view value) {
  auto store = kv(bucket);
  if (!store.ok()) return store.status();
  uint64_t rev = 0;
  natsStatus s =
      kvStore_Put(&rev, store.value(), key.c_str(), value.data(), static_cast<int>(value.size()));
  if (s != NATS_OK) return failure(s, 0, fmt::format("write {} in bucket {}", key, bucket));
  return rev;
}

Result<uint64_t> NatsClient::kvCreate(const std::string& bucket, const std::string& key,
                                      std::string_view value) {
  auto store = kv(bucket);
  if (!store.ok()) return store.status();
  uint64_t rev = 0;
  natsStatus s = kvStore_Create(&rev, store.value(), key.c_str(), value.data(),
                                static_cast<int>(value.size()));
  if (s != NATS_OK) {
    Status f = failure(s, 0, fmt::format("create {} in bucket {}", key, bucket));
    if (f.kind() == ErrorKind::kUnavailable) return f;
    return Status::failure(ErrorKind::kRefused, f.message());
  }
  return rev;
}

Status NatsClient::kvDelete(const std::string& bucket, const std::string& key) {
  auto store = kv(bucket);
  if (!store.ok()) return store.status();
  natsStatus s = kvStore_Delete(store.value(), key.c_str());
  if (s != NATS_OK) return failure(s, 0, fmt::format("delete {} from bucket {}", key, bucket));
  return {};
}

Result<std::vector<std::string>> NatsClient::kvKeys(const std::string& bucket) {
  auto store = kv(bucket);
  if (!store.ok()) return store.status();
  kvWatchOptions o;
  kvWatchOptions_Init(&o);
  o.Timeout = ms(options_.request_timeout);
  kvKeysList list{};
  natsStatus s = kvStore_Keys(&list, store.value(), &o);
  std::vector<std::string> keys;
  if (s == NATS_OK) {
    for (int i = 0; i < list.Count; ++i)
      keys.emplace_back(list.Keys[i]);
  }
  kvKeysList_Destroy(&list);
  if (s == NATS_NOT_FOUND) {
    return keys;
  }
  if (s != NATS_OK) return failure(s, 0, fmt::format("list the keys of bucket {}", bucket));
  return keys;
}

}  // namespace rflow::cluster
