// ByteWriter, ByteReader and the value encoding (value_codec.h).
#include "vm/value_codec.h"

#include <fmt/format.h>

#include "base/decimal_codec.h"
#include "base/varint.h"
#include "bytecode/names.h"
#include "vm/limits.h"

namespace rflow::vm::detail {

void ByteWriter::varint(uint64_t v) {
  base::appendVarint(out_, v);
}

void ByteWriter::text(std::string_view s) {
  varint(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

void ByteWriter::value(const Value& v) {
  switch (v.tag()) {
    case Tag::kNone:
      u8(static_cast<uint8_t>(ValueCode::kNone));
      return;
    case Tag::kBool:
      u8(static_cast<uint8_t>(v.asBool() ? ValueCode::kTrue : ValueCode::kFalse));
      return;
    case Tag::kInt:
      u8(static_cast<uint8_t>(ValueCode::kInt));
      svarint(v.asInt());
      return;
    case Tag::kDecimal:
      u8(static_cast<uint8_t>(ValueCode::kDecimal));
      base::encodeDecimal(v.asDecimal(), out_);
      return;
    case Tag::kMoney:
      u8(static_cast<uint8_t>(ValueCode::kMoney));
      base::encodeMoney(v.asMoney(), out_);
      return;
    case Tag::kString:
      u8(static_cast<uint8_t>(ValueCode::kString));
      text(v.asString());
      return;
    case Tag::kRole:
      u8(static_cast<uint8_t>(ValueCode::kRole));
      varint(v.asRole());
      return;
    case Tag::kEnum:
      u8(static_cast<uint8_t>(ValueCode::kEnum));
      varint(v.enumIndex());
      varint(v.enumMember());
      return;
    case Tag::kList:
      u8(static_cast<uint8_t>(ValueCode::kList));
      varint(v.listLength());
      for (const Value& item : v.listItems())
        value(item);
      return;
    case Tag::kMap:
      u8(static_cast<uint8_t>(ValueCode::kMap));
      varint(v.mapEntries().size());
      for (const MapEntry& e : v.mapEntries()) {
        text(e.key.asString());
        value(e.value);
      }
      return;
    case Tag::kRecord:
      u8(static_cast<uint8_t>(ValueCode::kRecord));
      varint(v.recordIndex());
      for (const Value& field : v.recordFields())
        value(field);
      return;
    case Tag::kRun:
      u8(static_cast<uint8_t>(ValueCode::kRun));
      text(v.asString());
      return;
  }
}

bool ByteReader::fail(std::string message) {
  if (!error_) {
    error_ = std::move(message);
    error_at_ = at_;
  }
  return false;
}

std::optional<uint8_t> ByteReader::u8() {
  if (error_) return std::nullopt;
  if (remaining() < 1) {
    fail("the state ends early");
    return std::nullopt;
  }
  return bytes_[at_++];
}

std::optional<uint16_t> ByteReader::u16() {
  if (error_) return std::nullopt;
  if (remaining() < 2) {
    fail("the state ends early");
    return std::nullopt;
  }
  const auto v = static_cast<uint16_t>(bytes_[at_] | bytes_[at_ + 1] << 8);
  at_ += 2;
  return v;
}

std::optional<uint64_t> ByteReader::varint() {
  if (error_) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (remaining() < 1) {
      fail("the state ends inside a number");
      return std::nullopt;
    }
    const uint8_t b = bytes_[at_++];
    if (i == 9 && b > 1) {
      fail("a number does not fit in 64 bits");
      return std::nullopt;
    }
    v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) {
        fail("a number is not written in its shortest form");
        return std::nullopt;
      }
      return v;
    }
  }
  fail("a number is longer than 10 bytes");
  return std::nullopt;
}

std::optional<int64_t> ByteReader::svarint() {
  const std::optional<uint64_t> v = varint();
  if (!v) return std::nullopt;
  return static_cast<int64_t>((*v >> 1) ^ (0 - (*v & 1)));
}

std::optional<uint32_t> ByteReader::index(uint64_t limit, std::string_view what) {
  const size_t at = at_;
  const std::optional<uint64_t> v = varint();
  if (!v) return std::nullopt;
  if (*v >= limit) {
    at_ = at;
    fail(fmt::format("{} #{} does not exist (there are {})", what, *v, limit));
    return std::nullopt;
  }
  return static_cast<uint32_t>(*v);
}

std::optional<size_t> ByteReader::count(size_t min_bytes, size_t max, std::string_view what) {
  const size_t at = at_;
  const std::optional<uint64_t> n = varint();
  if (!n) return std::nullopt;
  if (*n > max) {
    at_ = at;
    fail(fmt::format("{} {} are more than {}", *n, what, max));
    return std::nullopt;
  }
  // Each takes at least min_bytes: a count beyond the bytes left is corrupt, and is
  // refused before anything is allocated for it.
  if (min_bytes > 0 && *n > remaining() / min_bytes) {
    const size_t left = remaining();
    at_ = at;
    fail(fmt::format("{} {} do not fit in the {} bytes left", *n, what, left));
    return std::nullopt;
  }
  return static_cast<size_t>(*n);
}

std::span<const uint8_t> ByteReader::take(size_t n) {
  if (error_) return {};
  if (remaining() < n) {
    fail("the state ends early");
    return {};
  }
  const std::span<const uint8_t> out = bytes_.subspan(at_, n);
  at_ += n;
  return out;
}

std::optional<std::string> ByteReader::text(std::string_view what) {
  const std::optional<size_t> n = count(1, kMaxStringBytes, fmt::format("bytes of {}", what));
  if (!n) return std::nullopt;
  const size_t at = at_;
  const std::span<const uint8_t> b = take(*n);
  if (!ok()) return std::nullopt;
  std::string s(b.begin(), b.end());
  if (!bytecode::isValidUtf8(s)) {
    at_ = at;
    fail(fmt::format("{} is not valid UTF-8", what));
    return std::nullopt;
  }
  return s;
}

std::optional<Value> ByteReader::value() {
  return value(0);
}

std::optional<Value> ByteReader::value(uint32_t depth) {
  const size_t at = at_;
  const std::optional<uint8_t> code = u8();
  if (!code) return std::nullopt;
  const auto decodeError = [&](base::DecodeError e) {
    at_ = at;
    fail(fmt::format("a {} is malformed: {}", *code == 4 ? "decimal" : "money",
                     base::decodeErrorPhrase(e)));
    return std::nullopt;
  };
  switch (static_cast<ValueCode>(*code)) {
    case ValueCode::kNone:
      return Value();
    case ValueCode::kFalse:
      return Value::boolean(false);
    case ValueCode::kTrue:
      return Value::boolean(true);
    case ValueCode::kInt: {
      const std::optional<int64_t> i = svarint();
      if (!i) return std::nullopt;
      return Value::integer(*i);
    }
    case ValueCode::kDecimal: {
      const auto d = base::decodeDecimal(bytes_.subspan(at_));
      if (!d) return decodeError(d.error());
      at_ += d->size;
      return Value::decimal(d->value);
    }
    case ValueCode::kMoney: {
      const auto m = base::decodeMoney(bytes_.subspan(at_));
      if (!m) return decodeError(m.error());
      at_ += m->size;
      return Value::money(m->value);
    }
    case ValueCode::kString:
    case ValueCode::kRun: {
      std::optional<std::string> s = text("a string");
      if (!s) return std::nullopt;
      return *code == static_cast<uint8_t>(ValueCode::kString) ? Value::string(std::move(*s))
                                                               : Value::run(std::move(*s));
    }
    case ValueCode::kRole: {
      const std::optional<uint32_t> r = index(m_.roles.size(), "role");
      if (!r) return std::nullopt;
      return Value::role(*r);
    }
    case ValueCode::kEnum: {
      const std::optional<uint32_t> e = index(m_.enums.size(), "enum");
      if (!e) return std::nullopt;
      const std::optional<uint32_t> member = index(m_.enums[*e].members.size(), "enum member");
      if (!member) return std::nullopt;
      return Value::enumMember(*e, *member);
    }
    default:
      break;
  }
  if (*code >= kValueCodeEnd) {
    at_ = at;
    fail(fmt::format("value code {} is not known", *code));
    return std::nullopt;
  }
  // The aggregates.
  if (depth >= kMaxValueDepth) {
    at_ = at;
    fail(fmt::format("values nest more than {} levels deep", kMaxValueDepth));
    return std::nullopt;
  }
  switch (static_cast<ValueCode>(*code)) {
    case ValueCode::kList: {
      const std::optional<size_t> n = count(1, kMaxListLength, "list items");
      if (!n) return std::nullopt;
      std::vector<Value> items;
      items.reserve(*n);
      for (size_t i = 0; i < *n; ++i) {
        std::optional<Value> item = value(depth + 1);
        if (!item) return std::nullopt;
        items.push_back(std::move(*item));
      }
      return Value::list(std::move(items));
    }
    case ValueCode::kMap: {
      const std::optional<size_t> n = count(2, kMaxListLength, "map entries");
      if (!n) return std::nullopt;
      std::vector<MapEntry> entries;
      entries.reserve(*n);
      for (size_t i = 0; i < *n; ++i) {
        const size_t key_at = at_;
        std::optional<std::string> key = text("a map key");
        if (!key) return std::nullopt;
        if (!entries.empty() && !(entries.back().key.asString() < *key)) {
          at_ = key_at;
          fail("a map's keys are not in strictly increasing order");
          return std::nullopt;
        }
        std::optional<Value> v = value(depth + 1);
        if (!v) return std::nullopt;
        entries.push_back(MapEntry{Value::string(std::move(*key)), std::move(*v)});
      }
      return Value::map(std::move(entries));
    }
    case ValueCode::kRecord: {
      const std::optional<uint32_t> r = index(m_.records.size(), "record");
      if (!r) return std::nullopt;
      const size_t n = m_.records[*r].fields.size();
      if (n > remaining()) {
        fail(fmt::format("a `{}` record's {} fields do not fit in the {} bytes left",
                         m_.strings[m_.records[*r].name], n, remaining()));
        return std::nullopt;
      }
      std::vector<Value> fields;
      fields.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        std::optional<Value> field = value(depth + 1);
        if (!field) return std::nullopt;
        fields.push_back(std::move(*field));
      }
      return Value::record(*r, std::move(fields));
    }
    default:
      return std::nullopt;  // unreachable: every code below kValueCodeEnd is handled
  }
}

}  // namespace rflow::vm::detail
