// The results an instance's effects got, kept for replays (effect_results.h).
#include "engine/effect_results.h"

#include "bytecode/hash.h"
#include "engine/keys.h"
#include "engine/record_codec.h"

namespace rflow::engine {

namespace {

constexpr uint8_t kEffectResultFormat = 1;
constexpr size_t kDigestBytes = 16;

}  // namespace

std::string EffectResult::encode() const {
  RecordWriter w;
  w.u8(kEffectResultFormat);
  w.u8(static_cast<uint8_t>(kind));
  w.text(name);
  w.text(digest);
  w.u8(ok ? 1 : 0);
  w.text(ok ? value : reason);
  return w.take();
}

std::optional<EffectResult> EffectResult::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (r.u8() != kEffectResultFormat) return std::nullopt;
  EffectResult e;
  const uint8_t kind = r.u8();
  if (kind != static_cast<uint8_t>(EffectKind::kCall) &&
      kind != static_cast<uint8_t>(EffectKind::kClassify))
    return std::nullopt;
  e.kind = static_cast<EffectKind>(kind);
  e.name = r.text();
  e.digest = r.text();
  e.ok = r.u8() != 0;
  if (e.ok) {
    e.value = r.text();
  } else {
    e.reason = r.text();
  }
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return e;
}

std::string effectDigest(std::string_view bytes) {
  const bytecode::Sha256 hash =
      bytecode::sha256({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  return std::string(reinterpret_cast<const char*>(hash.data()), kDigestBytes);
}

std::string effectResultPrefix(std::string_view instance) {
  return store::joinKey("effect", keys::perInstancePrefix(instance));
}

std::string effectResultKey(std::string_view instance, uint64_t request) {
  std::string key = effectResultPrefix(instance);
  store::appendU64(key, request);
  return key;
}

store::Result<std::vector<EffectResult>> effectResults(const store::Store& store,
                                                       std::string_view instance) {
  std::vector<EffectResult> out;
  const std::string prefix = effectResultPrefix(instance);
  store::Status scanned =
      store.scan(store::Column::kMeta, prefix, [&](std::string_view key, std::string_view value) {
        auto e = EffectResult::decode(value);
        auto request = store::readU64(key.substr(prefix.size()));
        if (e && request) {
          e->request = *request;
          out.push_back(std::move(*e));
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  return out;
}

}  // namespace rflow::engine
