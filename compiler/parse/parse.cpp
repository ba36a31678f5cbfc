// The parser driver: decode the file, run the generated lexer and parser with rflow's
// error strategy, report lexical problems, and build the syntax tree.
#include "parse/parse.h"

#include <fmt/format.h>

#include "RFlowLexer.h"
#include "RFlowParser.h"
#include "parse/error_strategy.h"
#include "parse/session.h"
#include "parse/tree_builder.h"
#include "parser_base.h"
#include "source/utf8.h"
#include "syntax/limits.h"

namespace rflow::parse {

namespace diag = diagnostics::diag;

static_assert(grammar::kMaxParserNesting == syntax::kMaxNestingDepth,
              "the parser and the syntax tree must agree on how deep code may nest");
using grammar::LexProblem;
using grammar::RFlowLexer;
using grammar::RFlowParser;

namespace {

// Words for characters people type by habit from other languages.
std::string_view strayHint(std::string_view ch) {
  if (ch == "'") return "strings use double quotes: \"like this\"";
  if (ch == "#") return "comments start with `//`";
  if (ch == "&" || ch == "|") return "rflow writes `and` and `or`";
  if (ch == "$") return "interpolate with `{…}` inside a string: \"{name}\"";
  return "";
}

// How a character is shown in a message: itself if printable, else its code point.
std::string showCharacters(std::string_view text) {
  std::string out;
  size_t shown = 0;
  for (size_t pos = 0, length = 0; pos < text.size(); pos += length, ++shown) {
    if (shown == 8) return out + "...";
    const int32_t cp = source::decodeUtf8(text, pos, length);
    if (cp >= 0x20 && cp != 0x7F && cp != 0xFFFD && cp != 0xFEFF) {
      out += text.substr(pos, length);
    } else {
      out += fmt::format("U+{:04X}", cp < 0 ? 0xFFFD : cp);
    }
  }
  return out;
}

void reportLexProblems(ParseSession& session, const std::vector<LexProblem>& problems,
                       const source::DecodedText& decoded) {
  const auto bytes = [&](size_t cp) {
    return decoded.byte_offsets[std::min(cp, decoded.code_points.size())];
  };
  for (size_t i = 0; i < problems.size(); ++i) {
    const LexProblem& p = problems[i];
    if (p.kind == LexProblem::Kind::kUnterminatedComment) {
      const uint32_t at = bytes(p.start);
      session.error({at, at + 2}, diag::UnterminatedComment).emit();
      continue;
    }
    // A run of stray characters is one mistake.
    size_t stop = p.stop;
    while (i + 1 < problems.size() && problems[i + 1].kind == LexProblem::Kind::kStrayCharacter &&
           problems[i + 1].start == stop + 1) {
      stop = problems[++i].stop;
    }
    const source::Span span{bytes(p.start), bytes(stop + 1)};
    // Invalid UTF-8 was already reported for the whole file.
    if (std::binary_search(decoded.invalid_bytes.begin(), decoded.invalid_bytes.end(), span.begin))
      continue;
    const std::string text(session.file().text(span));
    auto d = session.error(span, diag::StrayCharacter, showCharacters(text));
    if (const auto hint = strayHint(text); !hint.empty()) d.note(std::nullopt, std::string(hint));
    d.emit();
  }
}

}  // namespace

syntax::File parseFile(const source::SourceSet& sources, source::FileId file_id,
                       diagnostics::DiagnosticConsumer& consumer) {
  const source::SourceFile& file = sources.file(file_id);
  diagnostics::DiagnosticEmitter emitter(consumer);

  // ANTLR reads UTF-8 into code points and throws on invalid input, so it gets a
  // repaired copy; spans keep pointing at the original bytes through byte_offsets. A
  // byte order mark is not part of the text (ANTLR would drop it too, silently shifting
  // every position).
  const std::string_view bom = "\xEF\xBB\xBF";
  const uint32_t skipped = file.text().starts_with(bom) ? 3 : 0;
  source::DecodedText decoded = source::decodeText(file.text().substr(skipped));
  for (uint32_t& offset : decoded.byte_offsets)
    offset += skipped;
  for (uint32_t& offset : decoded.invalid_bytes)
    offset += skipped;
  ParseSession session(file, file_id, decoded.byte_offsets, emitter);
  if (!decoded.invalid_bytes.empty()) {
    const uint32_t at = decoded.invalid_bytes.front();
    session
        .error({at, at + 1}, diag::InvalidUtf8,
               static_cast<unsigned>(static_cast<uint8_t>(file.text()[at])))
        .emit();
  }

  antlr4::ANTLRInputStream input{decoded.valid_utf8};
  RFlowLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  session.setTokens(tokens.getTokens());
  reportLexProblems(session, lexer.problems(), decoded);

  // Two stages, as ANTLR recommends: the fast SLL prediction mode parses almost every
  // correct file; only when it fails (a syntax error, or a rare construct SLL cannot
  // decide) is the file parsed again with full LL prediction and the error strategy
  // that explains and recovers.
  RFlowParser parser(&tokens);
  parser.removeErrorListeners();
  auto* interpreter = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
  interpreter->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  RFlowParser::FileContext* tree = nullptr;
  try {
    tree = parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (tree == nullptr) {
    tokens.seek(0);
    parser.reset();
    interpreter->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<SyntaxErrorStrategy>(session));
    tree = parser.file();
  }

  TreeBuilder builder(session);
  return builder.build(tree);
}

}  // namespace rflow::parse
