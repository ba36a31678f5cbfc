// JsonWriter: JSON text written straight into a string, for answers whose documents are
// built only to be written out (the service's instance and task views, the wire form of
// values in them). Building an nlohmann::json map of maps and dumping it cost as much as
// a step's VM run on the service's busiest routes.
//
// Invariants:
//   - The text is exactly what nlohmann::json::dump(-1, ' ', false, replace) gives for the
//     same document, provided the caller writes each object's keys in ascending byte
//     order (nlohmann's objects are sorted that way): no spaces, strings escaped the same
//     way (invalid UTF-8 replaced by U+FFFD), numbers formatted the same. So an answer
//     reads the same whichever way it was made; tests parse and re-dump to check.
//   - The caller keeps the structure well formed (a key before each member of an object,
//     every begin matched by its end); the writer only places commas and colons.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rflow::runtime {

class JsonWriter {
 public:
  void beginObject() { open('{'); }
  void endObject() { close('}'); }
  void beginArray() { open('['); }
  void endArray() { close(']'); }
  // The next member's name; its value follows.
  void key(std::string_view name);

  void null();
  void boolean(bool b);
  void integer(int64_t n);
  void unsignedInteger(uint64_t n);
  void number(double d);
  void string(std::string_view s);
  void stringOrNull(const std::optional<std::string>& s);
  // A document built elsewhere, written as its dump would be.
  void document(const nlohmann::json& doc);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void open(char c);
  void close(char c);
  // A comma when the value is not the first of its array or object.
  void separate();
  void escaped(std::string_view s);

  std::string out_;
  // Per open array or object: whether it has a member yet.
  std::vector<bool> has_member_;
  bool after_key_ = false;
};

}  // namespace rflow::runtime
