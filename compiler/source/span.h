// Positions in source text.
//
// A Span is a half-open range of byte offsets [begin, end) into one file's text; a
// Location adds the file. Spans are what the syntax tree stores (cheap, exact); lines and
// columns are computed on demand from a SourceFile's line index, so that every consumer
// (CLI, JSON, LSP with its UTF-16 columns) derives its own view from the same bytes.
#pragma once

#include <compare>
#include <cstdint>

namespace rflow::source {

using FileId = uint32_t;

struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;

  uint32_t size() const { return end - begin; }
  bool empty() const { return begin == end; }
  bool contains(uint32_t offset) const { return begin <= offset && offset < end; }
  // The smallest span covering both.
  Span to(Span other) const {
    return {begin < other.begin ? begin : other.begin, end > other.end ? end : other.end};
  }
  friend auto operator<=>(const Span&, const Span&) = default;
};

struct Location {
  FileId file = 0;
  Span span;
  friend auto operator<=>(const Location&, const Location&) = default;
};

// A 1-based line and column; the column counts Unicode code points.
struct LineCol {
  uint32_t line = 1;
  uint32_t column = 1;
  friend auto operator<=>(const LineCol&, const LineCol&) = default;
};

}  // namespace rflow::source
