#include "engine/record_codec.h"

#include "base/varint.h"
#include "vm/value_codec.h"

namespace rflow::engine {

void RecordWriter::varint(uint64_t v) {
  base::appendVarint(out_, v);
}

void RecordWriter::text(std::string_view s) {
  varint(s.size());
  out_.append(s);
}

void RecordWriter::optionalText(const std::optional<std::string>& s) {
  u8(s ? 1 : 0);
  if (s) text(*s);
}

void RecordWriter::optionalInt(const std::optional<int64_t>& v) {
  u8(v ? 1 : 0);
  if (v) svarint(*v);
}

void RecordWriter::value(const vm::Value& v) {
  text(encodeValue(v));
}

std::string encodeValue(const vm::Value& value) {
  vm::detail::ByteWriter writer;
  writer.value(value);
  return std::string(reinterpret_cast<const char*>(writer.data().data()), writer.size());
}

std::optional<vm::Value> decodeValue(std::string_view bytes, const bytecode::Module& module) {
  vm::detail::ByteReader reader(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      module);
  std::optional<vm::Value> v = reader.value();
  if (!v || !reader.ok() || reader.remaining() != 0) return std::nullopt;
  return v;
}

uint8_t RecordReader::u8() {
  if (!ok_ || at_ >= bytes_.size()) {
    ok_ = false;
    return 0;
  }
  return static_cast<uint8_t>(bytes_[at_++]);
}

uint64_t RecordReader::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const uint8_t byte = u8();
    if (!ok_) return 0;
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  ok_ = false;
  return 0;
}

int64_t RecordReader::svarint() {
  const uint64_t z = varint();
  return static_cast<int64_t>((z >> 1) ^ (0 - (z & 1)));
}

std::string RecordReader::text() {
  const uint64_t n = varint();
  return ok_ ? bytes(n) : std::string();
}

std::string RecordReader::bytes(size_t n) {
  if (!ok_ || n > bytes_.size() - at_) {
    ok_ = false;
    return {};
  }
  std::string s(bytes_.substr(at_, n));
  at_ += n;
  return s;
}

std::optional<std::string> RecordReader::optionalText() {
  if (u8() == 0) return std::nullopt;
  return text();
}

std::optional<int64_t> RecordReader::optionalInt() {
  if (u8() == 0) return std::nullopt;
  return svarint();
}

vm::Value RecordReader::value() {
  const std::string bytes = text();
  if (!ok_ || module_ == nullptr) {
    ok_ = false;
    return {};
  }
  std::optional<vm::Value> v = decodeValue(bytes, *module_);
  if (!v) {
    ok_ = false;
    return {};
  }
  return std::move(*v);
}

}  // namespace rflow::engine
