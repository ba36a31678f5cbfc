// The string natives (semantics in natives.h). Strings are valid UTF-8 (every string
// the VM holds is), so decoding here never meets a malformed sequence.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "base/utf8.h"
#include "vm/limits.h"
#include "vm/natives_impl.h"

namespace rflow::vm::natives {
namespace {

struct CaseRun {
  char32_t first;
  char32_t last;
  int stride;
  int delta;
};

#include "vm/case_table.inc"

// The length of the sequence that starts with byte `b`.
size_t sequenceLength(unsigned char b) {
  return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

char32_t decodeAt(std::string_view s, size_t at, size_t length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[at + k]); };
  switch (length) {
    case 1:
      return byte(0);
    case 2:
      return (char32_t{byte(0)} & 0x1F) << 6 | (byte(1) & 0x3F);
    case 3:
      return (char32_t{byte(0)} & 0x0F) << 12 | (char32_t{byte(1)} & 0x3F) << 6 | (byte(2) & 0x3F);
    default:
      return (char32_t{byte(0)} & 0x07) << 18 | (char32_t{byte(1)} & 0x3F) << 12 |
             (char32_t{byte(2)} & 0x3F) << 6 | (byte(3) & 0x3F);
  }
}

template <size_t N>
char32_t mapCase(const CaseRun (&runs)[N], char32_t c) {
  // The last run starting at or before c.
  const auto it = std::upper_bound(std::begin(runs), std::end(runs), c,
                                   [](char32_t x, const CaseRun& r) { return x < r.first; });
  if (it == std::begin(runs)) return c;
  const CaseRun& r = *std::prev(it);
  if (c > r.last || (c - r.first) % static_cast<char32_t>(r.stride) != 0) return c;
  return static_cast<char32_t>(static_cast<int64_t>(c) + r.delta);
}

template <size_t N>
Status changeCase(std::string_view native, const CaseRun (&runs)[N], std::span<Value> args,
                  Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments(native, args);
  const std::string_view s = args[0].asString();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequenceLength(static_cast<unsigned char>(s[i]));
    base::appendUtf8(out, mapCase(runs, decodeAt(s, i, n)));
    i += n;
  }
  return stringResult(native, std::move(out), result);
}

// Unicode's White_Space property.
bool isWhiteSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

}  // namespace

Status nativeLenString(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments("len", args);
  // Code points = bytes - continuation bytes (10xxxxxx), eight bytes at a time.
  const std::string_view s = args[0].asString();
  int64_t continuations = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    // One bit per continuation byte, moved to the byte's low bit and summed by a
    // multiply (std::popcount is a libgcc call on x86-64 without -mpopcnt).
    const uint64_t ones = (w & ~(w << 1) & 0x8080808080808080u) >> 7;
    continuations += static_cast<int64_t>((ones * 0x0101010101010101u) >> 56);
  }
  for (; i < s.size(); ++i)
    continuations += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80 ? 1 : 0;
  result = Value::integer(static_cast<int64_t>(s.size()) - continuations);
  return {};
}

Status nativeContainsString(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString, Tag::kString)) return wrongArguments("contains", args);
  result = Value::boolean(args[0].asString().find(args[1].asString()) != std::string_view::npos);
  return {};
}

Status nativeStartsWith(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString, Tag::kString)) return wrongArguments("starts_with", args);
  result = Value::boolean(args[0].asString().starts_with(args[1].asString()));
  return {};
}

Status nativeEndsWith(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString, Tag::kString)) return wrongArguments("ends_with", args);
  result = Value::boolean(args[0].asString().ends_with(args[1].asString()));
  return {};
}

Status nativeLower(std::span<Value> args, Value& result) {
  return changeCase("lower", kLowerRuns, args, result);
}

Status nativeUpper(std::span<Value> args, Value& result) {
  return changeCase("upper", kUpperRuns, args, result);
}

Status nativeTrim(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString)) return wrongArguments("trim", args);
  const std::string_view s = args[0].asString();
  size_t begin = 0;
  while (begin < s.size()) {
    const size_t n = sequenceLength(static_cast<unsigned char>(s[begin]));
    if (!isWhiteSpace(decodeAt(s, begin, n))) break;
    begin += n;
  }
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;
    while ((static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
      --start;
    if (!isWhiteSpace(decodeAt(s, start, end - start))) break;
    end = start;
  }
  if (begin == 0 && end == s.size()) {
    result = std::move(args[0]);
  } else {
    result = Value::string(s.substr(begin, end - begin));
  }
  return {};
}

Status nativeSplit(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kString, Tag::kString)) return wrongArguments("split", args);
  const std::string_view s = args[0].asString();
  const std::string_view sep = args[1].asString();
  std::vector<Value> pieces;
  const auto add = [&](std::string_view piece) {
    if (pieces.size() >= kMaxListLength) return false;
    pieces.push_back(Value::string(piece));
    return true;
  };
  bool fits = true;
  if (sep.empty()) {
    for (size_t i = 0; i < s.size() && fits;) {
      const size_t n = sequenceLength(static_cast<unsigned char>(s[i]));
      fits = add(s.substr(i, n));
      i += n;
    }
  } else {
    size_t from = 0;
    for (;;) {
      const size_t at = s.find(sep, from);
      if (at == std::string_view::npos) {
        fits = add(s.substr(from));
        break;
      }
      if (!(fits = add(s.substr(from, at - from)))) break;
      from = at + sep.size();
    }
  }
  if (!fits)
    return failure("split",
                   fmt::format("the result would have more than {} pieces", kMaxListLength));
  result = Value::list(std::move(pieces));
  return {};
}

Status nativeJoin(std::span<Value> args, Value& result) {
  if (!tagsAre(args, Tag::kList, Tag::kString)) return wrongArguments("join", args);
  const auto items = args[0].listItems();
  const std::string_view sep = args[1].asString();
  size_t size = 0;
  for (const Value& item : items) {
    if (item.tag() != Tag::kString) return wrongArguments("join", args);
    size += item.asString().size() + sep.size();
    if (size > kMaxStringBytes + sep.size())
      return failure("join",
                     fmt::format("the result would be longer than {} bytes", kMaxStringBytes));
  }
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i].asString();
  }
  return stringResult("join", std::move(out), result);
}

}  // namespace rflow::vm::natives
