#include "parse/session.h"

#include <algorithm>

#include "RFlowLexer.h"
#include "parse/brackets.h"

namespace rflow::parse {

using rflow::grammar::RFlowLexer;

void ParseSession::setTokens(std::vector<antlr4::Token*> tokens) {
  tokens_ = std::move(tokens);
  match_.assign(tokens_.size(), -1);
  starts_line_.assign(tokens_.size(), 0);
  // Bracket partners, with the lexer's rules: `}` closes the innermost brace and any
  // parentheses left open inside it; a NEWLINE seen inside `(`/`[` means the lexer closed
  // them at a statement keyword.
  std::vector<size_t> open;
  bool line_start = true;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const antlr4::Token* t = tokens_[i];
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    const size_t type = t->getType();
    if (type == RFlowLexer::NEWLINE) {
      while (!open.empty() && (tokens_[open.back()]->getType() == RFlowLexer::LPAREN ||
                               tokens_[open.back()]->getType() == RFlowLexer::LBRACK)) {
        open.pop_back();
      }
      line_start = true;
      continue;
    }
    starts_line_[i] = line_start;
    line_start = false;
    if (isOpeningBracket(type)) {
      open.push_back(i);
    } else if (type == RFlowLexer::RPAREN || type == RFlowLexer::RBRACK ||
               type == RFlowLexer::RBRACE) {
      for (size_t k = open.size(); k-- > 0;) {
        const size_t opener_type = tokens_[open[k]]->getType();
        if (closerOf(opener_type) == type) {
          match_[i] = static_cast<int32_t>(open[k]);
          match_[open[k]] = static_cast<int32_t>(i);
          open.resize(k);
          break;
        }
        // `)` and `]` never close across a brace.
        if (type != RFlowLexer::RBRACE && closerOf(opener_type) == RFlowLexer::RBRACE) break;
      }
    }
  }
}

source::Span ParseSession::span(const antlr4::Token* token) const {
  if (token == nullptr) return {};
  const auto last = static_cast<uint32_t>(byte_offsets_.size() - 1);
  const size_t start_cp = token->getStartIndex();
  const size_t stop_cp = token->getStopIndex();
  if (token->getType() == antlr4::Token::EOF || start_cp >= last) {
    const uint32_t end = byte_offsets_[last];
    return {end, end};
  }
  const uint32_t begin = byte_offsets_[start_cp];
  // Synthetic tokens are empty: ANTLR writes them as stop == start - 1.
  if (stop_cp == static_cast<size_t>(-1) || stop_cp < start_cp) return {begin, begin};
  return {begin, byte_offsets_[std::min<size_t>(stop_cp + 1, last)]};
}

source::Span ParseSession::span(const antlr4::Token* first, const antlr4::Token* last) const {
  const source::Span a = span(first);
  if (last == nullptr || last->getTokenIndex() < first->getTokenIndex()) return {a.begin, a.begin};
  const source::Span b = span(last);
  return {a.begin, std::max(a.end, b.end)};
}

const antlr4::Token* ParseSession::previousSignificant(size_t index) const {
  for (size_t i = std::min(index, tokens_.size()); i-- > 0;) {
    const antlr4::Token* t = tokens_[i];
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL && t->getType() != RFlowLexer::NEWLINE)
      return t;
  }
  return nullptr;
}

source::Span ParseSession::reportSpan(const antlr4::Token* token) const {
  const size_t type = token->getType();
  if (type == RFlowLexer::NEWLINE || type == antlr4::Token::EOF ||
      type == RFlowLexer::STR_UNTERMINATED) {
    if (const antlr4::Token* prev = previousSignificant(token->getTokenIndex())) {
      const uint32_t end = span(prev).end;
      return {end, end};
    }
  }
  return span(token);
}

}  // namespace rflow::parse
