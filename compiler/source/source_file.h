// SourceFile: the text of one .rflow file and the index that maps byte offsets to lines
// and columns.
//
// Invariants: text() is the file's bytes exactly as read (never re-encoded, so spans
// stay valid for every consumer); line_starts_[i] is the byte offset where line i + 1
// begins, and line 1 begins at 0. Both "\n" and "\r\n" end a line; a lone "\r" does not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "source/span.h"

namespace rflow::source {

class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  std::string_view text() const { return text_; }
  std::string_view text(Span span) const {
    return std::string_view(text_).substr(span.begin, span.size());
  }

  uint32_t lineCount() const { return static_cast<uint32_t>(line_starts_.size()); }
  // Line and column (in code points) of a byte offset; offsets past the end clamp to it.
  // O(log lines + column).
  LineCol lineCol(uint32_t offset) const;
  // Just the 1-based line, in O(log lines).
  uint32_t line(uint32_t offset) const;
  // Column of `offset` in UTF-16 code units, 0-based, as the language server protocol
  // counts them.
  uint32_t utf16Column(uint32_t offset) const;
  // The byte offset of a 1-based line's first character.
  uint32_t lineStart(uint32_t line) const;
  // The text of a 1-based line without its line terminator.
  std::string_view lineText(uint32_t line) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

}  // namespace rflow::source
