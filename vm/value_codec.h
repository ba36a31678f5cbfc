// Internal to the state codec: a byte writer and a bounds-checked reader (varints,
// strings), and the encoding of one Value. The state format (state_codec.h) is built
// from these.
//
// A varint is unsigned LEB128 of at most 10 bytes, minimal (no trailing 0x00 group); an
// svarint is a zigzag-mapped varint. A value is a ValueCode byte and its payload:
//
//   0 none      -
//   1 false     -
//   2 true      -
//   3 int       svarint (int, duration, time)
//   4 decimal   base::encodeDecimal (decimal_codec.h: scale and sign, coefficient)
//   5 money     base::encodeMoney (the amount, then the 3 letters)
//   6 string    varint byte length, UTF-8 bytes (string, User)
//   7 role      varint role index
//   8 enum      varint enum index, varint member index
//   9 list      varint count, then each item
//   10 map      varint count, then each entry: key (varint length, bytes), value; keys in
//               strictly increasing byte order
//   11 record   varint record index, then one value per field of that record
//   12 run      varint byte length, bytes (the instance id)
//
// ValueCode values are PERSISTED: never renumber or reuse one; a retired code stays
// here as a comment. Every accepted byte string has one decoding and re-encodes to
// itself (no overlong varints, no unsorted keys, no other bool bytes), which is what
// makes encode(decode(b)) == b.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::vm::detail {

enum class ValueCode : uint8_t {
  kNone = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,
  kDecimal = 4,
  kMoney = 5,
  kString = 6,
  kRole = 7,
  kEnum = 8,
  kList = 9,
  kMap = 10,
  kRecord = 11,
  kRun = 12,
};
// The first code that is not (yet) a value: decoding refuses it and everything above.
inline constexpr uint8_t kValueCodeEnd = 13;

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v));
    out_.push_back(static_cast<uint8_t>(v >> 8));
  }
  void varint(uint64_t v);
  void svarint(int64_t v) {
    varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void text(std::string_view s);
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void value(const Value& v);

  size_t size() const { return out_.size(); }
  std::vector<uint8_t>& data() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

// Reads from a span; the first problem is kept (with its offset) and every later read
// fails, so callers may check ok() once after a group of reads.
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, const bytecode::Module& module)
      : bytes_(bytes), m_(module) {}

  bool ok() const { return !error_; }
  size_t offset() const { return at_; }
  size_t remaining() const { return bytes_.size() - at_; }
  const std::optional<std::string>& error() const { return error_; }
  size_t errorOffset() const { return error_at_; }

  // Records a problem at the current offset; returns false.
  bool fail(std::string message);

  std::optional<uint8_t> u8();
  std::optional<uint16_t> u16();
  std::optional<uint64_t> varint();
  std::optional<int64_t> svarint();
  // A varint that must be below `limit`; `what` names it in the message.
  std::optional<uint32_t> index(uint64_t limit, std::string_view what);
  // A varint count of things that take at least `min_bytes` each, at most `max`.
  std::optional<size_t> count(size_t min_bytes, size_t max, std::string_view what);
  std::optional<std::string> text(std::string_view what);
  std::span<const uint8_t> take(size_t n);
  std::optional<Value> value();

 private:
  std::optional<Value> value(uint32_t depth);

  std::span<const uint8_t> bytes_;
  const bytecode::Module& m_;
  size_t at_ = 0;
  std::optional<std::string> error_;
  size_t error_at_ = 0;
};

}  // namespace rflow::vm::detail
