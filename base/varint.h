// LEB128 varints: the one encoding of lengths, counts and integers in every persisted rflow
// format (the bytecode module, the VM state, the engine's records, the store's batches,
// counters and commit groups, the cluster log's entries).
//
// Invariants (they are part of those formats, so they never change):
//   - appendVarint writes 7 bits per byte, low first, the high bit set on every byte but
//     the last, and no redundant continuation bytes (a value has one encoding).
//   - Zigzag maps signed to unsigned so that small magnitudes stay short: 0, -1, 1, -2 …
//     are 0, 1, 2, 3 ….
//   - readVarint refuses what appendVarint never writes past the end of the input or
//     beyond 64 bits (an 11th byte, or a 10th above 1); it does not insist on minimal
//     encodings (readers that must, like the bytecode's, check that themselves).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rflow::base {

// Appends `v` to `out` (a std::string or a std::vector of bytes).
template <typename Bytes>
void appendVarint(Bytes& out, uint64_t v) {
  using Byte = typename Bytes::value_type;
  while (v >= 0x80) {
    out.push_back(static_cast<Byte>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<Byte>(v));
}

constexpr uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ (v < 0 ? ~uint64_t{0} : 0);
}
constexpr int64_t unzigzag(uint64_t z) {
  return static_cast<int64_t>((z >> 1) ^ (0 - (z & 1)));
}

// The varint at `bytes[at]` (any contiguous byte range: std::string_view, std::span), with
// `at` moved past it; nullopt (and `at` where the problem is) when the bytes end inside it
// or it does not fit 64 bits.
template <typename Bytes>
std::optional<uint64_t> readVarint(const Bytes& bytes, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= bytes.size()) return std::nullopt;
    const auto byte = static_cast<uint8_t>(bytes[at]);
    if (shift == 63 && byte > 1) return std::nullopt;
    ++at;
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return std::nullopt;
}

// Reads the varint at the front of `in` and moves `in` past it; false (and `in` as it was)
// when the bytes end inside it or it does not fit 64 bits.
inline bool takeVarint(std::string_view& in, uint64_t& v) {
  size_t at = 0;
  const std::optional<uint64_t> read = readVarint(in, at);
  if (!read) return false;
  in.remove_prefix(at);
  v = *read;
  return true;
}

// Reads a varint length and that many bytes from the front of `in`, moving past them.
inline bool takeBytes(std::string_view& in, std::string& out) {
  uint64_t n = 0;
  std::string_view rest = in;
  if (!takeVarint(rest, n) || n > rest.size()) return false;
  out.assign(rest.substr(0, n));
  rest.remove_prefix(n);
  in = rest;
  return true;
}

}  // namespace rflow::base
