#include "source/utf8.h"

namespace rflow::source {

int32_t decodeUtf8(std::string_view text, size_t pos, size_t& length) {
  length = 1;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t b0 = byte(pos);
  if (b0 < 0x80) return b0;
  size_t n;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (pos + n > text.size()) return -1;
  for (size_t i = 1; i < n; ++i) {
    const uint8_t b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  length = n;
  return static_cast<int32_t>(cp);
}

size_t countCodePoints(std::string_view text) {
  size_t count = 0;
  for (size_t pos = 0, length = 0; pos < text.size(); pos += length) {
    decodeUtf8(text, pos, length);
    ++count;
  }
  return count;
}

size_t countUtf16Units(std::string_view text) {
  size_t count = 0;
  for (size_t pos = 0, length = 0; pos < text.size(); pos += length) {
    const int32_t cp = decodeUtf8(text, pos, length);
    count += cp >= 0x10000 ? 2 : 1;
  }
  return count;
}

DecodedText decodeText(std::string_view text) {
  DecodedText out;
  out.code_points.reserve(text.size());
  out.byte_offsets.reserve(text.size() + 1);
  out.valid_utf8.reserve(text.size());
  for (size_t pos = 0, length = 0; pos < text.size(); pos += length) {
    int32_t cp = decodeUtf8(text, pos, length);
    if (cp < 0) {
      out.invalid_bytes.push_back(static_cast<uint32_t>(pos));
      cp = 0xFFFD;
    }
    out.code_points.push_back(static_cast<char32_t>(cp));
    out.byte_offsets.push_back(static_cast<uint32_t>(pos));
    appendUtf8(out.valid_utf8, static_cast<uint32_t>(cp));
  }
  out.byte_offsets.push_back(static_cast<uint32_t>(text.size()));
  return out;
}

}  // namespace rflow::source
