// Brackets: which token types open and close one, and finding the brackets a parse is
// inside of, from ANTLR's rule context chain.
//
// The token stream's own bracket matching (ParseSession::match) says how the text pairs
// up; this says what the parser has opened and not yet closed, which is what matters
// after error recovery has inserted a missing `}`.
#pragma once

#include <string>
#include <vector>

#include "antlr4-runtime.h"

namespace rflow::parse {

// Token types (the lexer's and the parser's vocabularies are one): `(`, `[`, `{`, a
// header's `{` and a string's `{` open a bracket; `)`, `]` and `}` close one.
bool isOpeningBracket(size_t type);
bool isClosingBracket(size_t type);
// The token type that closes `opener`; 0 for a token that opens no bracket.
size_t closerOf(size_t opener);

struct OpenBracket {
  antlr4::ParserRuleContext* owner = nullptr;  // the rule whose bracket it is
  antlr4::Token* token = nullptr;              // the opening token; null if none is open
};

// The innermost bracket that `closer` (RPAREN, RBRACK or RBRACE) would close.
OpenBracket findOpenBracket(antlr4::ParserRuleContext* ctx, size_t closer);

// Whether `closer` closes the innermost bracket that `ctx` itself opened.
bool closesOwnBracket(antlr4::ParserRuleContext* ctx, size_t closer);

// The closing token types of every bracket open around `ctx`, innermost first.
std::vector<size_t> enclosingClosers(antlr4::ParserRuleContext* ctx);

// "workflow body", "`if` block", "record", "approval" …
std::string describeBracketOwner(const OpenBracket& open);

}  // namespace rflow::parse
