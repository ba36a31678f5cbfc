#include "runtime/json_writer.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace rflow::runtime {

namespace {

// The length of the well-formed UTF-8 sequence at `s[i]` (a byte >= 0x80), or 0 when it
// is not one: RFC 3629's table, which is what nlohmann's decoder accepts (no overlong
// forms, no surrogates, nothing past U+10FFFF).
size_t sequenceLength(std::string_view s, size_t i) {
  const auto at = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  const auto tail = [&](size_t k) { return at(k) >= 0x80 && at(k) <= 0xBF; };
  const unsigned b = at(0);
  if (b >= 0xC2 && b <= 0xDF) return tail(1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    const unsigned lo = b == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = b == 0xED ? 0x9F : 0xBF;
    return at(1) >= lo && at(1) <= hi && tail(2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    const unsigned lo = b == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = b == 0xF4 ? 0x8F : 0xBF;
    return at(1) >= lo && at(1) <= hi && tail(2) && tail(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace

void JsonWriter::open(char c) {
  separate();
  out_ += c;
  has_member_.push_back(false);
}

void JsonWriter::close(char c) {
  out_ += c;
  has_member_.pop_back();
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_member_.empty()) return;
  if (has_member_.back()) out_ += ',';
  has_member_.back() = true;
}

void JsonWriter::key(std::string_view name) {
  separate();
  escaped(name);
  out_ += ':';
  after_key_ = true;
}

void JsonWriter::null() {
  separate();
  out_ += "null";
}

void JsonWriter::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
}

void JsonWriter::integer(int64_t n) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

void JsonWriter::unsignedInteger(uint64_t n) {
  separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

void JsonWriter::number(double d) {
  separate();
  // nlohmann's shortest round-trip form (and "null" for NaN and infinities).
  out_ += nlohmann::json(d).dump();
}

void JsonWriter::string(std::string_view s) {
  separate();
  escaped(s);
}

void JsonWriter::stringOrNull(const std::optional<std::string>& s) {
  if (s)
    string(*s);
  else
    null();
}

void JsonWriter::document(const nlohmann::json& doc) {
  separate();
  out_ += doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonWriter::escaped(std::string_view s) {
  const size_t start = out_.size();
  out_ += '"';
  size_t plain = 0;  // the start of the run of bytes copied as they are
  const auto flush = [&](size_t i) { out_.append(s.data() + plain, i - plain); };
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = sequenceLength(s, i);
      if (n == 0) {
        // Not UTF-8: nlohmann's replacement rules (which bytes one U+FFFD stands for)
        // are subtle, so the whole string is left to it. Rare: text from outside is
        // checked when it comes in.
        out_.resize(start);
        out_ += nlohmann::json(std::string(s))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      i += n;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    flush(i);
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xF];
      }
    }
    plain = ++i;
  }
  flush(s.size());
  out_ += '"';
}

}  // namespace rflow::runtime
