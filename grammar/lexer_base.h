// RFlowLexerBase: the hand-written half of the generated RFlowLexer.
//
// ANTLR's lexer rules are context free; rflow's line breaks, string interpolation and
// "`Name {` in an `if` head is a block" rule are not. This class post-processes the raw
// token stream in nextToken() so that the parser sees a context-free language again:
//
//  - NEWLINE: runs collapse to one token, the first ones of a file are dropped, and
//    inside the innermost `(` or `[` they are dropped; `{` makes them count again until
//    its `}`. A multi-line `/* */` counts as one line break.
//  - A statement or declaration keyword (`let`, `workflow`, …) at the start of a line
//    inside `(`/`[` closes those brackets first: the parser then reports one missing `)`
//    instead of reading the rest of the file as arguments.
//  - Strings: `"` switches to mode STR, `{` in a string back to the default mode until
//    the matching `}`. A line break (or the end of the file) inside a string or an
//    interpolation closes everything the string opened with empty tokens and ends it
//    with STR_UNTERMINATED.
//  - The `{` that ends the head of `if`, `while`, `for`, `match` or `when` is emitted as
//    HEAD_LBRACE. `then` ends an `if` head and `=>` a `when` head without a brace.
//  - Characters that are not part of the language, and a `/*` never closed, are recorded
//    in problems() (the parser never sees a stray character).
//
// Invariants: brackets_ mirrors every open bracket, string and interpolation in source
// order; the lexer mode is STR exactly when the innermost entry is a string. Token
// positions stay ANTLR's (code point indices); the driver maps them to byte offsets.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <vector>

#include "antlr4-runtime.h"

namespace rflow::grammar {

// The token types RFlowLexerBase needs, filled in by the generated lexer (whose enum is
// not visible here) through tokenTypes().
struct LexerTokenTypes {
  size_t newline = 0, semi = 0, comma = 0;
  size_t lparen = 0, rparen = 0, lbrack = 0, rbrack = 0, lbrace = 0, rbrace = 0;
  size_t head_lbrace = 0;
  size_t str_open = 0, str_close = 0, interp_open = 0, str_newline = 0, str_unterminated = 0;
  size_t block_comment = 0, unterminated_comment = 0, error_char = 0;
  size_t kw_if = 0, kw_while = 0, kw_for = 0, kw_match = 0, kw_when = 0, kw_then = 0;
  size_t fat_arrow = 0;
  size_t str_mode = 0;
  // Keywords that can only start a statement or declaration: seen at the start of a line
  // they close any `(`/`[` still open.
  std::vector<size_t> line_start_keywords;
  // Tokens after which a line break continues the construct (binary operators, `,`,
  // `=`, `=>`, `->`, `then`, `else`, `{`).
  std::vector<size_t> continuation_tokens;
};

// A lexical mistake, in ANTLR code point indices [start, stop].
struct LexProblem {
  enum class Kind {
    kStrayCharacter,      // a character that is not part of the language
    kUnterminatedComment  // `/*` without `*/`
  };
  Kind kind;
  size_t start;
  size_t stop;
};

class RFlowLexerBase : public antlr4::Lexer {
 public:
  explicit RFlowLexerBase(antlr4::CharStream* input);

  std::unique_ptr<antlr4::Token> nextToken() override;
  void reset() override;

  const std::vector<LexProblem>& problems() const { return problems_; }

 protected:
  // Implemented by the generated lexer (see @lexer::members in RFlowLexer.g4).
  virtual const LexerTokenTypes& tokenTypes() const = 0;

  // Used by the MONEY and DURATION predicates: is `c` a character that may continue an
  // identifier?
  static bool isIdentChar(size_t c);

 private:
  enum class Open : char { kParen, kBracket, kBrace, kString, kInterpolation };
  enum class HeadKind : char { kIf, kBlockHead, kWhen };
  struct Head {
    HeadKind kind;
    size_t depth;  // brackets_.size() when the head started
  };

  void shape(std::unique_ptr<antlr4::Token> token);
  void shapeNewline(std::unique_ptr<antlr4::Token> token);
  // Queues a shaped token for the parser (not named emit: that is Lexer's virtual).
  void push(std::unique_ptr<antlr4::Token> token);
  // Closes the outermost open string and everything inside it at `at` (see above).
  void terminateStrings(const antlr4::Token& at);
  // Closes `(` and `[` back to the innermost `{` (or the top level).
  void closeParens();
  void closeBrace();
  void closeParenOrBracket(Open kind);
  // Forgets heads opened at bracket depth `depth` or deeper.
  void dropHeadsFrom(size_t depth);
  bool insideString() const;
  bool isLineStartKeyword(size_t type) const;
  bool isContinuation(size_t type) const;
  std::unique_ptr<antlr4::Token> makeToken(size_t type, const antlr4::Token& at,
                                           bool at_stop) const;
  void updateMode();

  std::vector<Open> brackets_;
  std::vector<Head> heads_;
  std::deque<std::unique_ptr<antlr4::Token>> out_;
  // A NEWLINE dropped inside `(`/`[`, kept until the next token shows whether it starts
  // a statement (and so must close the brackets).
  std::unique_ptr<antlr4::Token> held_newline_;
  size_t last_type_ = 0;  // type of the last default-channel token emitted (0: none)
  std::vector<LexProblem> problems_;
};

}  // namespace rflow::grammar

using RFlowLexerBase = rflow::grammar::RFlowLexerBase;
