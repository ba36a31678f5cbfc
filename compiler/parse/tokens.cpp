// lexTokens: the generated lexer's token stream, reduced to TokenClass and byte spans.
#include "parse/tokens.h"

#include "RFlowLexer.h"
#include "source/utf8.h"

namespace rflow::parse {

using grammar::RFlowLexer;

namespace {

TokenClass classify(size_t type) {
  if (type >= RFlowLexer::KW_MODULE && type <= RFlowLexer::KW_MAP) return TokenClass::kKeyword;
  if (type >= RFlowLexer::KW_EVENT && type <= RFlowLexer::KW_CALENDAR)
    return TokenClass::kContextual;
  switch (type) {
    case RFlowLexer::IDENT:
      return TokenClass::kIdent;
    case RFlowLexer::MONEY:
    case RFlowLexer::DURATION:
    case RFlowLexer::DECIMAL:
    case RFlowLexer::INT:
      return TokenClass::kNumber;
    case RFlowLexer::DOC_COMMENT:
      return TokenClass::kDocComment;
    case RFlowLexer::LINE_COMMENT:
    case RFlowLexer::BLOCK_COMMENT:
    case RFlowLexer::UNTERMINATED_COMMENT:
      return TokenClass::kComment;
    case RFlowLexer::BAD_NUMBER:
    case RFlowLexer::BAD_MONEY:
    case RFlowLexer::SINGLE_QUOTED:
    case RFlowLexer::ERROR_CHAR:
      return TokenClass::kError;
    default:
      return TokenClass::kPunct;
  }
}

}  // namespace

std::vector<Token> lexTokens(const source::SourceFile& file) {
  // The same decoding as parseFile: ANTLR sees valid UTF-8 without a byte order mark,
  // and its code point indices map back to the original bytes.
  const std::string_view bom = "\xEF\xBB\xBF";
  const uint32_t skipped = file.text().starts_with(bom) ? 3 : 0;
  source::DecodedText decoded = source::decodeText(file.text().substr(skipped));
  const auto byteAt = [&](size_t cp) {
    return decoded.byte_offsets[std::min(cp, decoded.code_points.size())] + skipped;
  };

  antlr4::ANTLRInputStream input{decoded.valid_utf8};
  RFlowLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream stream(&lexer);
  stream.fill();

  std::vector<Token> out;
  // A string is one token: count quotes (interpolations may nest strings) and emit the
  // whole literal when the outermost one closes or the line ends it.
  int string_depth = 0;
  uint32_t string_begin = 0;
  for (antlr4::Token* t : stream.getTokens()) {
    const size_t type = t->getType();
    if (type == antlr4::Token::EOF || type == RFlowLexer::NEWLINE) continue;
    const bool empty = t->getStopIndex() + 1 <= t->getStartIndex();  // synthesized
    const source::Span span{byteAt(t->getStartIndex()),
                            empty ? byteAt(t->getStartIndex()) : byteAt(t->getStopIndex() + 1)};
    if (string_depth > 0 &&
        (type == RFlowLexer::STR_NEWLINE || type == RFlowLexer::STR_UNTERMINATED)) {
      // The line ends the string and everything it opened.
      out.push_back({TokenClass::kString, {string_begin, span.begin}});
      string_depth = 0;
      continue;
    }
    if (empty) continue;
    if (type == RFlowLexer::STR_OPEN) {
      if (string_depth++ == 0) string_begin = span.begin;
      continue;
    }
    if (string_depth > 0) {
      if (type == RFlowLexer::STR_CLOSE && --string_depth == 0) {
        out.push_back({TokenClass::kString, {string_begin, span.end}});
      }
      continue;
    }
    out.push_back({classify(type), span});
  }
  if (string_depth > 0) {
    out.push_back({TokenClass::kString, {string_begin, static_cast<uint32_t>(file.text().size())}});
  }
  return out;
}

}  // namespace rflow::parse
