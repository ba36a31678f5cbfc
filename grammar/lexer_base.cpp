#include "lexer_base.h"

#include <algorithm>

namespace rflow::grammar {

RFlowLexerBase::RFlowLexerBase(antlr4::CharStream* input) : antlr4::Lexer(input) {}

bool RFlowLexerBase::isIdentChar(size_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void RFlowLexerBase::reset() {
  antlr4::Lexer::reset();
  brackets_.clear();
  heads_.clear();
  out_.clear();
  held_newline_.reset();
  last_type_ = 0;
  problems_.clear();
}

std::unique_ptr<antlr4::Token> RFlowLexerBase::nextToken() {
  while (out_.empty())
    shape(antlr4::Lexer::nextToken());
  auto token = std::move(out_.front());
  out_.pop_front();
  return token;
}

void RFlowLexerBase::shape(std::unique_ptr<antlr4::Token> token) {
  const LexerTokenTypes& t = tokenTypes();
  const size_t type = token->getType();

  if (type == antlr4::Token::EOF) {
    if (insideString()) terminateStrings(*token);
    held_newline_.reset();
    push(std::move(token));
    return;
  }
  if (type == t.error_char) {
    problems_.push_back(
        {LexProblem::Kind::kStrayCharacter, token->getStartIndex(), token->getStopIndex()});
    return;
  }
  if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL) {
    if (type == t.unterminated_comment) {
      problems_.push_back(
          {LexProblem::Kind::kUnterminatedComment, token->getStartIndex(), token->getStopIndex()});
    }
    const bool multiline =
        type == t.block_comment && token->getText().find('\n') != std::string::npos;
    auto newline = multiline ? makeToken(t.newline, *token, /*at_stop=*/true) : nullptr;
    push(std::move(token));
    if (newline) shapeNewline(std::move(newline));
    return;
  }
  if (type == t.newline) {
    shapeNewline(std::move(token));
    return;
  }
  if (type == t.str_newline) {
    terminateStrings(*token);
    if (auto* writable = dynamic_cast<antlr4::WritableToken*>(token.get())) {
      writable->setType(t.newline);
    }
    shapeNewline(std::move(token));
    return;
  }

  if (held_newline_) {
    if (isLineStartKeyword(type)) {
      closeParens();
      shapeNewline(std::move(held_newline_));
    }
    held_newline_.reset();
  }

  size_t new_type = type;
  if (type == t.lparen) {
    brackets_.push_back(Open::kParen);
  } else if (type == t.lbrack) {
    brackets_.push_back(Open::kBracket);
  } else if (type == t.lbrace) {
    // `then` and `=>` already ended the heads of conditional expressions and decision
    // rules, so a head still open at this depth ends at its block.
    if (!heads_.empty() && heads_.back().depth == brackets_.size()) {
      new_type = t.head_lbrace;
      heads_.pop_back();
    }
    brackets_.push_back(Open::kBrace);
  } else if (type == t.rbrace) {
    closeBrace();
  } else if (type == t.rparen) {
    closeParenOrBracket(Open::kParen);
  } else if (type == t.rbrack) {
    closeParenOrBracket(Open::kBracket);
  } else if (type == t.str_open) {
    brackets_.push_back(Open::kString);
  } else if (type == t.str_close) {
    if (!brackets_.empty() && brackets_.back() == Open::kString) brackets_.pop_back();
  } else if (type == t.interp_open) {
    brackets_.push_back(Open::kInterpolation);
  } else if (type == t.kw_if) {
    heads_.push_back({HeadKind::kIf, brackets_.size()});
  } else if (type == t.kw_while || type == t.kw_for || type == t.kw_match) {
    heads_.push_back({HeadKind::kBlockHead, brackets_.size()});
  } else if (type == t.kw_when) {
    heads_.push_back({HeadKind::kWhen, brackets_.size()});
  } else if (type == t.kw_then) {
    if (!heads_.empty() && heads_.back().depth == brackets_.size() &&
        heads_.back().kind == HeadKind::kIf) {
      heads_.pop_back();
    }
  } else if (type == t.fat_arrow) {
    if (!heads_.empty() && heads_.back().depth == brackets_.size() &&
        heads_.back().kind == HeadKind::kWhen) {
      heads_.pop_back();
    }
  }
  if (new_type != type) {
    if (auto* writable = dynamic_cast<antlr4::WritableToken*>(token.get())) {
      writable->setType(new_type);
    }
  }
  push(std::move(token));
  updateMode();
}

void RFlowLexerBase::shapeNewline(std::unique_ptr<antlr4::Token> token) {
  if (insideString()) terminateStrings(*token);
  if (!brackets_.empty() &&
      (brackets_.back() == Open::kParen || brackets_.back() == Open::kBracket)) {
    if (!held_newline_) held_newline_ = std::move(token);
    return;
  }
  if (last_type_ == 0 || last_type_ == tokenTypes().newline) return;
  // A head cannot span a line break unless the line ends in an operator: without this an
  // `if` missing its `{` would turn a later record literal's brace into a block.
  if (!isContinuation(last_type_)) dropHeadsFrom(brackets_.size());
  push(std::move(token));
}

void RFlowLexerBase::push(std::unique_ptr<antlr4::Token> token) {
  if (token->getChannel() == antlr4::Token::DEFAULT_CHANNEL) last_type_ = token->getType();
  out_.push_back(std::move(token));
}

void RFlowLexerBase::terminateStrings(const antlr4::Token& at) {
  const LexerTokenTypes& t = tokenTypes();
  auto outermost = std::find(brackets_.begin(), brackets_.end(), Open::kString);
  if (outermost == brackets_.end()) return;
  // Close everything opened inside the outermost string, innermost first, with empty
  // tokens, so that the parser sees a complete string that ends in STR_UNTERMINATED
  // (the one error, reported by the tree builder) and never has to look past an
  // interpolation to find out whether it was closed.
  const auto first = static_cast<size_t>(outermost - brackets_.begin());
  while (brackets_.size() > first) {
    const Open open = brackets_.back();
    brackets_.pop_back();
    switch (open) {
      case Open::kParen:
        push(makeToken(t.rparen, at, false));
        break;
      case Open::kBracket:
        push(makeToken(t.rbrack, at, false));
        break;
      case Open::kBrace:
      case Open::kInterpolation:
        push(makeToken(t.rbrace, at, false));
        break;
      case Open::kString:
        push(makeToken(brackets_.size() == first ? t.str_unterminated : t.str_close, at, false));
        break;
    }
  }
  dropHeadsFrom(brackets_.size() + 1);
  updateMode();
}

void RFlowLexerBase::closeParens() {
  while (!brackets_.empty() &&
         (brackets_.back() == Open::kParen || brackets_.back() == Open::kBracket)) {
    brackets_.pop_back();
  }
  dropHeadsFrom(brackets_.size() + 1);
}

void RFlowLexerBase::closeBrace() {
  for (size_t i = brackets_.size(); i-- > 0;) {
    if (brackets_[i] == Open::kString) return;
    if (brackets_[i] == Open::kBrace || brackets_[i] == Open::kInterpolation) {
      brackets_.resize(i);
      dropHeadsFrom(brackets_.size() + 1);
      return;
    }
  }
}

void RFlowLexerBase::closeParenOrBracket(Open kind) {
  for (size_t i = brackets_.size(); i-- > 0;) {
    if (brackets_[i] == kind) {
      brackets_.resize(i);
      dropHeadsFrom(brackets_.size() + 1);
      return;
    }
    if (brackets_[i] != Open::kParen && brackets_[i] != Open::kBracket) return;
  }
}

void RFlowLexerBase::dropHeadsFrom(size_t depth) {
  while (!heads_.empty() && heads_.back().depth >= depth)
    heads_.pop_back();
}

bool RFlowLexerBase::insideString() const {
  return std::find(brackets_.begin(), brackets_.end(), Open::kString) != brackets_.end();
}

bool RFlowLexerBase::isLineStartKeyword(size_t type) const {
  const auto& keywords = tokenTypes().line_start_keywords;
  return std::find(keywords.begin(), keywords.end(), type) != keywords.end();
}

bool RFlowLexerBase::isContinuation(size_t type) const {
  const auto& tokens = tokenTypes().continuation_tokens;
  return std::find(tokens.begin(), tokens.end(), type) != tokens.end();
}

std::unique_ptr<antlr4::Token> RFlowLexerBase::makeToken(size_t type, const antlr4::Token& at,
                                                         bool at_stop) const {
  // Synthetic tokens have no input stream, so their text is what we set, and they are
  // empty: start == stop + 1 in ANTLR's inclusive convention.
  const size_t start = at_stop ? at.getStopIndex() + 1 : at.getStartIndex();
  auto token = std::make_unique<antlr4::CommonToken>(
      std::make_pair<antlr4::TokenSource*, antlr4::CharStream*>(const_cast<RFlowLexerBase*>(this),
                                                                nullptr),
      type, antlr4::Token::DEFAULT_CHANNEL, start, start - 1);
  token->setLine(at.getLine());
  token->setCharPositionInLine(at.getCharPositionInLine());
  token->setText(type == tokenTypes().newline ? "\n" : "");
  return token;
}

void RFlowLexerBase::updateMode() {
  const bool in_string = !brackets_.empty() && brackets_.back() == Open::kString;
  setMode(in_string ? tokenTypes().str_mode : antlr4::Lexer::DEFAULT_MODE);
}

}  // namespace rflow::grammar
