#include "store/counters.h"

#include <algorithm>

namespace rflow::store {

namespace {

// Format 1: each counter's whole name. Format 2 (written since): each name as the length
// it shares with the name before it and the rest, since a key's names share long prefixes
// ("d\0workflow\0store\0S017\0<day>\0…"). Both are read.
constexpr uint8_t kWholeNames = 1;
constexpr uint8_t kCountersFormat = 2;

void putVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool getVarint(std::string_view bytes, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(bytes[at++]);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

CountersWriter::CountersWriter() : out_(1, static_cast<char>(kCountersFormat)) {}

void CountersWriter::add(std::string_view name, int64_t value) {
  if (value == 0) return;
  const size_t limit = std::min(name.size(), previous_.size());
  size_t shared = 0;
  while (shared < limit && name[shared] == previous_[shared])
    ++shared;
  putVarint(out_, shared);
  putVarint(out_, name.size() - shared);
  out_ += name.substr(shared);
  putVarint(out_, (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
  previous_.assign(name);
}

std::string CountersWriter::take() {
  std::string out = std::move(out_);
  out_.assign(1, static_cast<char>(kCountersFormat));
  previous_.clear();
  return out;
}

std::string encodeCounters(const Counters& counters) {
  CountersWriter writer;
  for (const auto& [name, value] : counters)
    writer.add(name, value);
  return writer.take();
}

bool addEncodedCounters(std::string_view bytes, Counters& into) {
  if (bytes.empty()) return false;
  const auto format = static_cast<uint8_t>(bytes[0]);
  if (format != kWholeNames && format != kCountersFormat) return false;
  size_t at = 1;
  std::string name;
  while (at < bytes.size()) {
    uint64_t shared = 0;
    if (format == kCountersFormat && (!getVarint(bytes, at, shared) || shared > name.size()))
      return false;
    uint64_t length = 0;
    if (!getVarint(bytes, at, length) || length > bytes.size() - at) return false;
    name.resize(shared);
    name.append(bytes.substr(at, length));
    at += length;
    uint64_t z = 0;
    if (!getVarint(bytes, at, z)) return false;
    const auto value = static_cast<int64_t>((z >> 1) ^ (0 - (z & 1)));
    auto it = into.find(name);
    if (it == into.end()) it = into.emplace(std::string(name), 0).first;
    it->second += value;
  }
  return true;
}

}  // namespace rflow::store
