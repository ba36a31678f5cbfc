// UTF-8 helpers. rflow source is UTF-8; these functions never fail: an invalid byte
// counts as one character (and is reported once, by whoever validates the file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/utf8.h"

namespace rflow::source {

// Decodes one UTF-8 sequence at `text[pos]`. On success returns the code point and sets
// `length`; on an invalid, overlong, surrogate or truncated sequence returns -1 and sets
// `length` to 1.
int32_t decodeUtf8(std::string_view text, size_t pos, size_t& length);

size_t countCodePoints(std::string_view text);
size_t countUtf16Units(std::string_view text);

using base::appendUtf8;

// The result of checking a whole file: the code points, the byte offset where each one
// starts (plus one entry for the end), a copy of the text that is valid UTF-8 (each
// invalid byte replaced by U+FFFD) and the offsets of the invalid bytes.
struct DecodedText {
  std::u32string code_points;
  std::vector<uint32_t> byte_offsets;
  std::string valid_utf8;
  std::vector<uint32_t> invalid_bytes;
};
DecodedText decodeText(std::string_view text);

}  // namespace rflow::source
