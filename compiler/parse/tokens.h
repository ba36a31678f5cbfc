// The token stream of one file, for tools that work on the text rather than the tree:
// the formatter (which keeps every token and only rewrites the space between them) and
// the language server's semantic tokens. ANTLR's token types stay behind this header;
// callers get a small protocol-neutral classification plus the exact byte span.
//
// Invariants: tokens are in source order and never overlap; every span is non-empty
// and indexes the file's original bytes (a byte order mark is skipped). A string
// literal, interpolations and nested strings included, is ONE kString token from its
// opening to its closing quote, so nothing that works on tokens can touch string text.
// Line breaks are not tokens: callers read them from the text between two tokens.
#pragma once

#include <cstdint>
#include <vector>

#include "source/source_file.h"

namespace rflow::parse {

enum class TokenClass : uint8_t {
  kKeyword,     // a reserved word (`workflow`, `let`, `and`, `true` …)
  kContextual,  // a contextual keyword (`owner`, `due`, `amount` …), keyword or name
  kIdent,
  kNumber,      // int, decimal, duration and money literals
  kString,      // a whole string literal, interpolations included
  kComment,     // `//` and `/* */`
  kDocComment,  // `///`
  kPunct,       // brackets, separators and operators
  kError,       // anything the lexer could not make sense of
};

struct Token {
  TokenClass cls;
  source::Span span;
};

// Lexes `file` with the real rflow lexer. Never fails: mistakes become kError tokens or
// are simply part of the nearest token (an unterminated string runs to its line's end).
std::vector<Token> lexTokens(const source::SourceFile& file);

}  // namespace rflow::parse
