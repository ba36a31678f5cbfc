// ParseSession: what the driver, the error strategy and the tree builder share while
// one file is parsed. Internal to compiler/parse.
//
// Invariants: byte_offsets has one entry per code point of the file plus one for its
// end, so ANTLR's code point indices convert to byte offsets in O(1); tokens holds every
// token of the file (all channels) indexed by token index; match and starts_line are
// indexed the same way.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "antlr4-runtime.h"
#include "diagnostics/diagnostic.h"
#include "source/source_file.h"

namespace rflow::parse {

// Syntax errors reported per file; a file with more is not worth reading further.
inline constexpr size_t kMaxSyntaxErrors = 100;

class ParseSession {
 public:
  ParseSession(const source::SourceFile& file, source::FileId file_id,
               std::vector<uint32_t> byte_offsets, diagnostics::DiagnosticEmitter& emitter)
      : file_(file), file_id_(file_id), byte_offsets_(std::move(byte_offsets)), emitter_(emitter) {}

  // Called once all tokens are known.
  void setTokens(std::vector<antlr4::Token*> tokens);

  const source::SourceFile& file() const { return file_; }
  source::FileId fileId() const { return file_id_; }
  const std::vector<antlr4::Token*>& tokens() const { return tokens_; }

  source::Span span(const antlr4::Token* token) const;
  // From the start of `first` to the end of `last` (empty at `first` if last < first).
  source::Span span(const antlr4::Token* first, const antlr4::Token* last) const;
  source::Location location(source::Span span) const { return {file_id_, span}; }

  // The index of the bracket token that closes (or opens) the one at `index`, or -1.
  int32_t match(size_t index) const { return index < match_.size() ? match_[index] : -1; }
  // Whether the default-channel token at `index` is the first of its line.
  bool startsLine(size_t index) const { return index < starts_line_.size() && starts_line_[index]; }
  // The last default-channel token before `index` that is not a NEWLINE, or null.
  const antlr4::Token* previousSignificant(size_t index) const;
  // Where to report a problem found at `token`: the token itself, or, for a NEWLINE or
  // the end of the file, the point just after the previous token (so the caret sits on
  // the line the problem belongs to).
  source::Span reportSpan(const antlr4::Token* token) const;

  // Emits an error, remembering where it is so that declarations containing it are
  // marked as having syntax errors. Past kMaxSyntaxErrors one more error says so, and
  // the rest are built but not delivered.
  template <typename... Args>
  diagnostics::DiagnosticBuilder error(source::Span span,
                                       const diagnostics::DiagnosticDescriptor<Args...>& d,
                                       std::type_identity_t<Args>... args) {
    // Unwinding nested constructs can find the same problem twice at one place (two
    // braces missing at the end of a file): say it once.
    const bool repeated =
        !error_offsets_.empty() && error_offsets_.back() == span.begin && last_kind_ == d.kind;
    last_kind_ = d.kind;
    error_offsets_.push_back(span.begin);
    if (error_offsets_.size() == kMaxSyntaxErrors + 1) {
      emitter_.emit(location(span), diagnostics::diag::TooManySyntaxErrors, kMaxSyntaxErrors);
    }
    return emitter_.build(location(span), d, args...)
        .mute(repeated || error_offsets_.size() > kMaxSyntaxErrors);
  }
  const std::vector<uint32_t>& errorOffsets() const { return error_offsets_; }
  // Nesting is reported once per file, by the parser or by the tree builder.
  bool takeNestingReport() { return !std::exchange(nesting_reported_, true); }

 private:
  const source::SourceFile& file_;
  source::FileId file_id_;
  std::vector<uint32_t> byte_offsets_;
  diagnostics::DiagnosticEmitter& emitter_;
  std::vector<antlr4::Token*> tokens_;
  std::vector<int32_t> match_;
  std::vector<uint8_t> starts_line_;
  std::vector<uint32_t> error_offsets_;
  diagnostics::DiagnosticKind last_kind_{};
  bool nesting_reported_ = false;
};

}  // namespace rflow::parse
