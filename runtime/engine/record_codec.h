// The byte encoding of the engine's records (records.h): a small writer and a
// bounds-checked reader of varints, strings, byte strings and VM values. Internal to
// the engine.
//
// Records are written by this rflow and read back by it or a later one, so every record
// starts with a format byte and fields are only ever appended: a reader skips nothing
// and refuses a record whose format it does not know.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::engine {

class RecordWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void varint(uint64_t v);
  void svarint(int64_t v) {
    varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void text(std::string_view s);
  void optionalText(const std::optional<std::string>& s);
  void optionalInt(const std::optional<int64_t>& v);
  void value(const vm::Value& v);
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// The first problem is kept and every later read fails, so a caller checks ok() once.
class RecordReader {
 public:
  RecordReader(std::string_view bytes, const bytecode::Module* module)
      : bytes_(bytes), module_(module) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return at_ == bytes_.size(); }
  size_t remaining() const { return bytes_.size() - at_; }
  uint8_t u8();
  uint64_t varint();
  int64_t svarint();
  std::string text();
  // Exactly `n` raw bytes (no length prefix).
  std::string bytes(size_t n);
  std::optional<std::string> optionalText();
  std::optional<int64_t> optionalInt();
  // Needs the module the value belongs to (records and enums are checked against it).
  vm::Value value();
  void fail() { ok_ = false; }

 private:
  std::string_view bytes_;
  const bytecode::Module* module_;
  size_t at_ = 0;
  bool ok_ = true;
};

// A value as bytes (the VM's value encoding) and back; decoding checks the value against
// `module` (its records, enums and roles) and refuses trailing bytes.
std::string encodeValue(const vm::Value& value);
std::optional<vm::Value> decodeValue(std::string_view bytes, const bytecode::Module& module);

}  // namespace rflow::engine
