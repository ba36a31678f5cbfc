// The digest of a partition's replicated state (state_digest.h).
#include "replay/state_digest.h"

#include <array>

#include "cluster/snapshot_archive.h"

namespace rflow::replay {

using nlohmann::json;
using store::Column;

namespace {

constexpr std::string_view kSchemaKey = "schema";    // store.cpp's schema marker
constexpr std::string_view kCurrentKey = "current";  // engine/keys.h kCurrentVersion
// runtime/model_store.cpp's keys: kind \0 name.
constexpr std::array<std::string_view, 3> kModelKinds = {"model", "model-current", "model-config"};

bool isModelKey(std::string_view key) {
  for (std::string_view kind : kModelKinds)
    if (key.size() > kind.size() && key.starts_with(kind) && key[kind.size()] == '\0') return true;
  return false;
}

void addSized(cluster::Sha256& sha, std::string_view bytes) {
  std::string size;
  store::appendU64(size, bytes.size());
  sha.update(size);
  sha.update(bytes);
}

// The first key after `after` (exclusive), or the column's first with none.
std::string startAfter(const std::optional<std::string>& after) {
  return after ? *after + std::string(1, '\0') : std::string();
}

}  // namespace

bool isNodeLocal(Column column, std::string_view key) {
  if (column == Column::kModules || column == Column::kRedo) return true;
  if (column != Column::kMeta) return false;
  return key == kSchemaKey || key == kCurrentKey || key == store::kAppliedSeqKey || isModelKey(key);
}

std::vector<Column> replicatedColumns() {
  std::vector<Column> out;
  // kRedo is each node's own copy of the log (H3), kept at its own times.
  for (size_t c = 0; c < store::kColumnCount; ++c)
    if (static_cast<Column>(c) != Column::kModules && static_cast<Column>(c) != Column::kRedo)
      out.push_back(static_cast<Column>(c));
  return out;
}

std::optional<Column> columnNamed(std::string_view name) {
  for (Column c : replicatedColumns())
    if (store::columnName(c) == name) return c;
  return std::nullopt;
}

store::Result<StateDigest> digestState(const store::Store& store) {
  std::vector<store::Store::ScanRange> ranges;
  for (Column c : replicatedColumns())
    ranges.push_back({c, {}});
  StateDigest digest;
  std::vector<std::unique_ptr<cluster::Sha256>> shas;
  for (Column c : replicatedColumns()) {
    digest.columns.push_back({c, 0, {}});
    shas.push_back(std::make_unique<cluster::Sha256>());
  }
  const auto index = [](Column c) { return static_cast<size_t>(c) - (c > Column::kModules); };
  store::Status read =
      store.scanAtOnePoint(ranges, [&](Column c, std::string_view key, std::string_view value) {
        if (c == Column::kMeta && key == store::kAppliedSeqKey)
          digest.applied = store::readU64(value).value_or(0);
        if (isNodeLocal(c, key)) return true;
        ++digest.columns[index(c)].keys;
        addSized(*shas[index(c)], key);
        addSized(*shas[index(c)], value);
        return true;
      });
  if (!read.ok()) return read;
  cluster::Sha256 whole;
  for (size_t i = 0; i < digest.columns.size(); ++i) {
    digest.columns[i].sha256 = shas[i]->hex();
    whole.update(store::columnName(digest.columns[i].column));
    whole.update(std::string_view("\0", 1));
    whole.update(digest.columns[i].sha256);
  }
  digest.sha256 = whole.hex();
  return digest;
}

store::Result<StatePage> readStatePage(const store::Store& store, Column column,
                                       const std::optional<std::string>& after, size_t limit) {
  StatePage page;
  page.column = column;
  const store::Store::ScanRange ranges[] = {{Column::kMeta, std::string(store::kAppliedSeqKey)},
                                            {column, startAfter(after)}};
  bool position_read = false;
  store::Status read =
      store.scanAtOnePoint(ranges, [&](Column c, std::string_view key, std::string_view value) {
        if (!position_read) {
          position_read = true;
          if (key == store::kAppliedSeqKey) page.applied = store::readU64(value).value_or(0);
          return false;
        }
        if (isNodeLocal(c, key)) return true;
        if (page.entries.size() == limit) {
          page.more = true;
          return false;
        }
        page.entries.emplace_back(key, value);
        return true;
      });
  if (!read.ok()) return read;
  return page;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto b = static_cast<uint8_t>(ch);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

std::optional<std::string> fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

json digestJson(const StateDigest& digest) {
  json columns = json::array();
  for (const ColumnDigest& c : digest.columns)
    columns.push_back(
        {{"name", store::columnName(c.column)}, {"keys", c.keys}, {"sha256", c.sha256}});
  return {{"applied_seq", digest.applied}, {"sha256", digest.sha256}, {"columns", columns}};
}

std::optional<StateDigest> parseDigest(const json& j) {
  if (!j.is_object() || !j.contains("columns") || !j["columns"].is_array()) return std::nullopt;
  StateDigest digest;
  digest.applied = j.value("applied_seq", cluster::Seq{0});
  digest.sha256 = j.value("sha256", "");
  for (const json& c : j["columns"]) {
    if (!c.is_object()) return std::nullopt;
    auto column = columnNamed(c.value("name", ""));
    if (!column) return std::nullopt;
    digest.columns.push_back({*column, c.value("keys", uint64_t{0}), c.value("sha256", "")});
  }
  return digest;
}

json pageJson(const StatePage& page) {
  json entries = json::array();
  for (const auto& [key, value] : page.entries)
    entries.push_back({{"key", toHex(key)}, {"value", toHex(value)}});
  return {{"applied_seq", page.applied},
          {"column", store::columnName(page.column)},
          {"entries", entries},
          {"more", page.more}};
}

std::optional<StatePage> parsePage(const json& j) {
  if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array()) return std::nullopt;
  auto column = columnNamed(j.value("column", ""));
  if (!column) return std::nullopt;
  StatePage page;
  page.column = *column;
  page.applied = j.value("applied_seq", cluster::Seq{0});
  page.more = j.value("more", false);
  for (const json& e : j["entries"]) {
    auto key = e.is_object() ? fromHex(e.value("key", "")) : std::nullopt;
    auto value = e.is_object() ? fromHex(e.value("value", "")) : std::nullopt;
    if (!key || !value) return std::nullopt;
    page.entries.emplace_back(std::move(*key), std::move(*value));
  }
  return page;
}

}  // namespace rflow::replay
