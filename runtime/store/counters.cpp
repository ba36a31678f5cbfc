#include "store/counters.h"

#include <algorithm>

#include "base/varint.h"

namespace rflow::store {

namespace {

// Format 1: each counter's whole name. Format 2 (written since): each name as the length
// it shares with the name before it and the rest, since a key's names share long prefixes
// ("d\0workflow\0store\0S017\0<day>\0…"). Both are read.
constexpr uint8_t kWholeNames = 1;
constexpr uint8_t kCountersFormat = 2;

}  // namespace

CountersWriter::CountersWriter() : out_(1, static_cast<char>(kCountersFormat)) {}

void CountersWriter::add(std::string_view name, int64_t value) {
  if (value == 0) return;
  const size_t limit = std::min(name.size(), previous_.size());
  size_t shared = 0;
  while (shared < limit && name[shared] == previous_[shared])
    ++shared;
  base::appendVarint(out_, shared);
  base::appendVarint(out_, name.size() - shared);
  out_ += name.substr(shared);
  base::appendVarint(out_, base::zigzag(value));
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

bool joinableCounters(std::string_view bytes) {
  return !bytes.empty() && static_cast<uint8_t>(bytes[0]) == kCountersFormat;
}

void joinCounters(std::string& into, std::string_view more) {
  into.append(more.substr(1));
}

bool addEncodedCounters(std::string_view bytes, Counters& into) {
  if (bytes.empty()) return false;
  const auto format = static_cast<uint8_t>(bytes[0]);
  if (format != kWholeNames && format != kCountersFormat) return false;
  size_t at = 1;
  std::string name;
  while (at < bytes.size()) {
    std::optional<uint64_t> shared = 0;
    if (format == kCountersFormat) shared = base::readVarint(bytes, at);
    if (!shared || *shared > name.size()) return false;
    const std::optional<uint64_t> length = base::readVarint(bytes, at);
    if (!length || *length > bytes.size() - at) return false;
    name.resize(*shared);
    name.append(bytes.substr(at, *length));
    at += *length;
    const std::optional<uint64_t> z = base::readVarint(bytes, at);
    if (!z) return false;
    const int64_t value = base::unzigzag(*z);
    auto it = into.find(name);
    if (it == into.end()) it = into.emplace(std::string(name), 0).first;
    it->second += value;
  }
  return true;
}

}  // namespace rflow::store
