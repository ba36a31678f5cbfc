// The parser driver: decode the file, run the generated lexer and parser with rflow's
// error strategy, report lexical problems, and build the syntax tree.
#include "parse/parse.h"

#include <fmt/format.h>

#include "RFlowLexer.h"
#include "RFlowParser.h"
#include "parse/error_strategy.h"
#include "parse/session.h"
#include "parse/tree_builder.h"
#include "source/utf8.h"

namespace rflow::parse {

namespace diag = diagnostics::diag;
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
  if (ch == "@" || ch == "^" || ch == "~" || ch == "`" || ch == "\\") return "";
  return "";
}

void reportLexProblems(ParseSession& session, const std::vector<LexProblem>& problems,
                       const source::DecodedText& decoded) {
  for (const LexProblem& p : problems) {
    const source::Span span{decoded.byte_offsets[p.start],
                            decoded.byte_offsets[std::min(p.stop + 1, decoded.code_points.size())]};
    if (p.kind == LexProblem::Kind::kUnterminatedComment) {
      session.error({span.begin, span.begin + 2}, diag::UnterminatedComment).emit();
      continue;
    }
    // Invalid UTF-8 was already reported for the whole file.
    if (std::binary_search(decoded.invalid_bytes.begin(), decoded.invalid_bytes.end(), span.begin)) continue;
    const std::string ch(session.file().text(span));
    auto d = session.error(span, diag::StrayCharacter, ch);
    if (const auto hint = strayHint(ch); !hint.empty()) d.note(std::nullopt, std::string(hint));
    d.emit();
  }
}

}  // namespace

syntax::File parseFile(const source::SourceSet& sources, source::FileId file_id,
                       diagnostics::DiagnosticConsumer& consumer) {
  const source::SourceFile& file = sources.file(file_id);
  diagnostics::DiagnosticEmitter emitter(consumer);

  // ANTLR reads UTF-8 into code points and throws on invalid input, so it gets a
  // repaired copy; spans keep pointing at the original bytes through byte_offsets.
  source::DecodedText decoded = source::decodeText(file.text());
  ParseSession session(file, file_id, decoded.byte_offsets, emitter);
  if (!decoded.invalid_bytes.empty()) {
    const uint32_t at = decoded.invalid_bytes.front();
    session.error({at, at + 1}, diag::InvalidUtf8, static_cast<unsigned>(static_cast<uint8_t>(file.text()[at])))
        .emit();
  }
  // A byte order mark is not part of the text.
  std::string_view text = decoded.valid_utf8;
  size_t skipped = 0;
  if (text.starts_with("\xEF\xBB\xBF")) skipped = 1;

  antlr4::ANTLRInputStream input{std::string(text)};
  if (skipped != 0) input.consume();
  RFlowLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  session.setTokens(tokens.getTokens());
  reportLexProblems(session, lexer.problems(), decoded);

  RFlowParser parser(&tokens);
  parser.removeErrorListeners();
  parser.setErrorHandler(std::make_shared<SyntaxErrorStrategy>(session));
  RFlowParser::FileContext* tree = parser.file();

  TreeBuilder builder(session);
  return builder.build(tree);
}

}  // namespace rflow::parse
