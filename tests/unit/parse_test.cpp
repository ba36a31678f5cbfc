// Parsing whole files: error reporting in plain words, recovery, doc comments, spans
// and the nesting limit.
#include <gtest/gtest.h>

#include "driver/check.h"
#include "syntax/dump.h"
#include "syntax/limits.h"

namespace rflow {
namespace {

compiler::CheckResult check(const std::string& text) {
  source::SourceSet sources;
  sources.add("t.rflow", text);
  return compiler::checkSources(std::move(sources), {.semantic = false});
}

// The syntax tree of the one file under test (file 0 is the prelude).
const syntax::File& user(const compiler::CheckResult& r) {
  return r.files.at(compiler::CheckResult::kFirstUserFile);
}

struct Found {
  uint32_t line;
  uint32_t column;
  std::string code;
  std::string message;
};

std::vector<Found> found(const compiler::CheckResult& r) {
  std::vector<Found> out;
  for (const auto& d : r.diagnostics) {
    const auto lc = r.sources.file(d.location->file).lineCol(d.location->span.begin);
    out.push_back({lc.line, lc.column, std::string(d.code()), d.message});
  }
  return out;
}

// ANTLR's vocabulary must never reach a user.
void expectPlainWords(const compiler::CheckResult& r) {
  for (const auto& d : r.diagnostics) {
    for (std::string_view jargon :
         {"mismatched input", "expecting", "extraneous input", "no viable alternative", "<EOF>",
          "token recognition", "missing '", "KW_", "IDENT"}) {
      EXPECT_EQ(d.message.find(jargon), std::string::npos) << d.message;
    }
  }
}

TEST(Parse, ThreeUnrelatedErrorsGiveExactlyThreeDiagnostics) {
  const auto r = check(
      "module retail.demo\n"
      "\n"
      "record Order {\n"
      "  qty: int = 3days\n"
      "}\n"
      "\n"
      "workflow Ship(o: Order) {\n"
      "  let total = o.qty *\n"
      "  note \"shipping {o.qty}\"\n"
      "}\n"
      "\n"
      "fn price(a: money) -> money = a * 2 2\n");
  const auto f = found(r);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].line, 4u);
  EXPECT_EQ(f[0].column, 14u);
  EXPECT_EQ(f[0].code, "E0106");
  EXPECT_EQ(f[1].line, 8u);
  EXPECT_EQ(f[1].column, 22u);
  EXPECT_EQ(f[1].message, "expected an expression after `*`, found the end of the line");
  EXPECT_EQ(f[2].line, 12u);
  EXPECT_EQ(f[2].column, 37u);
  EXPECT_EQ(f[2].code, "E0125");
  expectPlainWords(r);
}

TEST(Parse, MissingBraceNamesWhatItCloses) {
  const auto r = check("module m\n\nworkflow W() {\n  let x = 1\n");
  const auto f = found(r);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message, "expected `}` to close the workflow body that opens at line 3");
  EXPECT_EQ(f[0].line, 4u);
  ASSERT_EQ(r.diagnostics[0].notes.size(), 1u);
}

TEST(Parse, BrokenDeclarationDoesNotHideTheRest) {
  const auto r = check(
      "module m\n"
      "workflow A() {\n"
      "  if x {\n"
      "    let y = (1 +\n"
      "workflow B() {\n"
      "  let z = 2\n"
      "}\n"
      "record R { a: int }\n");
  ASSERT_EQ(r.files.size(), 2u);
  const auto& decls = user(r).decls;
  ASSERT_EQ(decls.size(), 3u);
  EXPECT_TRUE(decls[0].has_syntax_error);
  EXPECT_EQ(decls[1].name.text, "B");
  EXPECT_FALSE(decls[1].has_syntax_error);
  EXPECT_EQ(decls[2].name.text, "R");
  EXPECT_FALSE(decls[2].has_syntax_error);
  EXPECT_EQ(found(r).size(), 1u) << syntax::dumpFile(user(r));
  expectPlainWords(r);
}

TEST(Parse, DocCommentsAttachToDeclarationsFieldsMembersAndOperations) {
  const auto r = check(
      "module m\n"
      "/// A store.\n"
      "/// Second line.\n"
      "record Store {\n"
      "  /// The id.\n"
      "  id: string // not a doc\n"
      "  region: string\n"
      "}\n"
      "\n"
      "/// Levels.\n"
      "\n"
      "enum Level {\n"
      "  /// Low.\n"
      "  Low\n"
      "  High\n"
      "}\n"
      "connector wms {\n"
      "  /// Stock.\n"
      "  fn stock(sku: string) -> int\n"
      "}\n");
  ASSERT_TRUE(r.ok());
  const auto& decls = user(r).decls;
  EXPECT_EQ(decls[0].doc, "A store.\nSecond line.");
  const auto* record = decls[0].as<syntax::RecordDecl>();
  EXPECT_EQ(record->fields[0].doc, "The id.");
  EXPECT_EQ(record->fields[1].doc, "");
  EXPECT_EQ(decls[1].doc, "Levels.");
  const auto* e = decls[1].as<syntax::EnumDecl>();
  EXPECT_EQ(e->members[0].doc, "Low.");
  EXPECT_EQ(e->members[1].doc, "");
  EXPECT_EQ(decls[2].as<syntax::ConnectorDecl>()->ops[0].doc, "Stock.");
  EXPECT_EQ(user(r).comments.size(), 7u);
}

TEST(Parse, SpansCoverTheSourceText) {
  const std::string text = "module m\nfn f(a: int) -> int = a * (b + 1)\n";
  const auto r = check(text);
  ASSERT_TRUE(r.ok());
  const auto* fn = user(r).decls[0].as<syntax::FnDecl>();
  const syntax::Expr& body = *fn->expr_body;
  EXPECT_EQ(text.substr(body.span.begin, body.span.size()), "a * (b + 1)");
  const auto* mul = body.as<syntax::BinaryExpr>();
  EXPECT_EQ(text.substr(mul->op_span.begin, mul->op_span.size()), "*");
  EXPECT_EQ(text.substr(mul->rhs->span.begin, mul->rhs->span.size()), "(b + 1)");
  EXPECT_EQ(text.substr(user(r).decls[0].span.begin, user(r).decls[0].span.size()),
            "fn f(a: int) -> int = a * (b + 1)");
}

TEST(Parse, ExpressionIdsAreDense) {
  const auto r = check("module m\nfn f() -> int = 1 + 2 * 3\n");
  EXPECT_EQ(user(r).expr_count, 5u);
}

// Parentheses alone do not deepen the syntax tree; list literals do.
std::string nested(size_t depth, char open = '[', char close = ']') {
  return "module m\nconst X: int = " + std::string(depth, open) + "1" + std::string(depth, close) +
         "\n";
}

TEST(Parse, NestingIsLimitedAndDiagnosedOnce) {
  EXPECT_TRUE(check(nested(syntax::kMaxNestingDepth - 10)).ok());
  const auto deep = check(nested(syntax::kMaxNestingDepth + 10));
  ASSERT_EQ(deep.diagnostics.size(), 1u);
  EXPECT_EQ(deep.diagnostics[0].code(), "E0139");
  // Parentheses count for the parser, which stops descending at the same limit; far
  // past it, still one error and no crash.
  EXPECT_TRUE(check(nested(syntax::kMaxNestingDepth - 10, '(', ')')).ok());
  EXPECT_FALSE(check(nested(syntax::kMaxNestingDepth + 10, '(', ')')).ok());
  const auto very_deep = check(nested(100'000, '(', ')'));
  ASSERT_EQ(very_deep.diagnostics.size(), 1u);
  EXPECT_EQ(very_deep.diagnostics[0].code(), "E0139");
  // A long left-leaning chain is deep too, though it parses without recursion.
  std::string chain = "module m\nfn f() -> int = 1";
  for (int i = 0; i < 1000; ++i)
    chain += " + 1";
  const auto long_chain = check(chain + "\n");
  ASSERT_EQ(long_chain.diagnostics.size(), 1u);
  EXPECT_EQ(long_chain.diagnostics[0].code(), "E0139");
}

TEST(Parse, LongElseIfChainsStayFlat) {
  std::string text = "module m\nworkflow W() {\n  if a { }\n";
  for (int i = 0; i < 5000; ++i)
    text += "  else if b { }\n";
  const auto r = check(text + "}\n");
  ASSERT_TRUE(r.ok());
  const auto* w = user(r).decls[0].as<syntax::WorkflowDecl>();
  EXPECT_EQ(w->body.stmts[0].as<syntax::IfStmt>()->branches.size(), 5001u);
}

TEST(Parse, MinimumIntLiteralWithMinus) {
  const auto r = check("module m\nconst MIN: int = -9223372036854775808\n");
  ASSERT_TRUE(r.ok());
  const auto* c = user(r).decls[0].as<syntax::ConstDecl>();
  EXPECT_EQ(c->value->as<syntax::IntExpr>()->value, INT64_MIN);
}

TEST(Parse, ByteOrderMarkAndCrlfAreAccepted) {
  const auto r = check("\xEF\xBB\xBFmodule m\r\nconst A: int = 1\r\n");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(user(r).decls.size(), 1u);
}

TEST(Parse, InvalidUtf8IsReportedOnce) {
  const auto r = check("module m\nconst A: string = \"caf\xE9\"\nconst B: int = \xFF\n");
  const auto f = found(r);
  ASSERT_GE(f.size(), 1u);
  EXPECT_EQ(f[0].code, "E0005");
  EXPECT_EQ(f[0].line, 2u);
}

}  // namespace
}  // namespace rflow
