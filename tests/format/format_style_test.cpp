// The canonical style, case by case (the rules are listed in compiler/format/format.h).
#include <gtest/gtest.h>

#include "format/format.h"

namespace rflow::format {
namespace {

std::string fmt(const std::string& text) {
  const FormatResult r = formatText("t.rflow", text);
  EXPECT_TRUE(r.ok()) << r.internal_error
                      << (r.diagnostics.empty() ? "" : r.diagnostics.front().message);
  return r.text.value_or("");
}

TEST(FormatStyle, SpacesAroundOperatorsAndAfterCommas) {
  EXPECT_EQ(fmt("module m\nfn f(a:int,b:int)->int=a+b*2\n"),
            "module m\nfn f(a: int, b: int) -> int = a + b * 2\n");
}

TEST(FormatStyle, IndentsBlocksByTwoSpaces) {
  EXPECT_EQ(fmt("module m\nfn f(x: int) -> int {\nif x>0 {\nreturn x\n}\n    return -x\n}\n"),
            "module m\nfn f(x: int) -> int {\n  if x > 0 {\n    return x\n  }\n  return -x\n}\n");
}

TEST(FormatStyle, UnaryMinusAndCallsHugTheirOperand) {
  EXPECT_EQ(fmt("module m\nfn f(x: int) -> int = abs (- x) - max( x , 1 )\n"),
            "module m\nfn f(x: int) -> int = abs(-x) - max(x, 1)\n");
}

TEST(FormatStyle, GenericTypesAndOptionals) {
  EXPECT_EQ(fmt("module m\nrecord R {\n  xs : list < int >\n  m: map<string> ?\n}\n"),
            "module m\nrecord R {\n  xs: list<int>\n  m: map<string>?\n}\n");
}

TEST(FormatStyle, RecordLiteralsAndEmptyBraces) {
  EXPECT_EQ(fmt("module m\nrecord R { a: int }\nconst X: R = R {a: 1}\nfn g() {}\n"),
            "module m\nrecord R { a: int }\nconst X: R = R { a: 1 }\nfn g() {}\n");
}

TEST(FormatStyle, CollapsesBlankLinesAndTrailingSpace) {
  EXPECT_EQ(fmt("\n\nmodule m   \n\n\n\nconst A: int = 1  \n\n\n"),
            "module m\n\nconst A: int = 1\n");
  EXPECT_EQ(fmt("module m\nfn f() -> int {\n\n  return 1\n\n}\n"),
            "module m\nfn f() -> int {\n  return 1\n}\n");
}

TEST(FormatStyle, KeepsCommentsInPlace) {
  const std::string in =
      "module m   // the module\n"
      "/// Doc for A.\n"
      "const A: int = 1 /* inline */ + 2\n"
      "   // own line\n"
      "fn f() -> int {\n"
      "      // inside\n"
      "  return A    // trailing   \n"
      "}\n";
  EXPECT_EQ(fmt(in),
            "module m // the module\n"
            "/// Doc for A.\n"
            "const A: int = 1 /* inline */ + 2\n"
            "// own line\n"
            "fn f() -> int {\n"
            "  // inside\n"
            "  return A // trailing\n"
            "}\n");
}

TEST(FormatStyle, ContinuationLinesIndentOnce) {
  EXPECT_EQ(fmt("module m\nfn f(a: bool, b: bool) -> bool {\nreturn a and\nb or\na\n}\n"),
            "module m\nfn f(a: bool, b: bool) -> bool {\n  return a and\n    b or\n    a\n}\n");
}

TEST(FormatStyle, BracketsOnOneLineIndentOnce) {
  EXPECT_EQ(fmt("module m\nfn f(x: int) -> int = max(abs(\nx), 1)\n"),
            "module m\nfn f(x: int) -> int = max(abs(\n  x), 1)\n");
}

TEST(FormatStyle, StringsAndMoneyAreVerbatim) {
  EXPECT_EQ(fmt("module m\nconst S: string = \"a  {1+2}  b\"\nconst M: money = 5   USD\n"),
            "module m\nconst S: string = \"a  {1+2}  b\"\nconst M: money = 5   USD\n");
}

TEST(FormatStyle, AlignsDecisionTablesAndTrailingComments) {
  EXPECT_EQ(
      fmt("module m\ndecision d(x: int) -> int {\n  when x > 100 => 1\n  when x > 5=>2\n"
          "  else    => 3\n}\nconst A: int = 1 // one\nconst LONGER: int = 22 // two\n\n"
          "const B: int = 3    // alone\n"),
      "module m\ndecision d(x: int) -> int {\n  when x > 100 => 1\n  when x > 5   => 2\n"
      "  else         => 3\n}\nconst A: int = 1       // one\nconst LONGER: int = 22 // two\n\n"
      "const B: int = 3 // alone\n");
}

TEST(FormatStyle, MapLiteralBracesHugButBodiesDoNot) {
  EXPECT_EQ(fmt("module m\nfn f() -> map<int> {\n  return map<int>{ }\n}\n"
                "fn g() -> map<int> = map{ \"a\": 1 }\n"),
            "module m\nfn f() -> map<int> {\n  return map<int>{}\n}\n"
            "fn g() -> map<int> = map{\"a\": 1}\n");
}

TEST(FormatStyle, CrLfBecomesLf) {
  EXPECT_EQ(fmt("module m\r\nconst A: int = 1\r\n"), "module m\nconst A: int = 1\n");
}

TEST(FormatStyle, MapLiteralsAndMemberAccess) {
  EXPECT_EQ(fmt("module m\nconst M: map<int> = map{ \"a\" : 1 }\nfn f(x: string?) -> int = len(x "
                "?. y ?? \"\")\n"),
            "module m\nconst M: map<int> = map{\"a\": 1}\nfn f(x: string?) -> int = len(x?.y ?? "
            "\"\")\n");
}

// intelligence.md §2: the header's `track` (a clause over several lines continues once
// after each comma) and `measure` clauses, the `measure` statement and the `stage`
// clause of an approval.
TEST(FormatStyle, TrackMeasureAndStage) {
  const std::string in =
      "module m\nrole Clerk \"Clerk\"\nworkflow W(region:string,n:int){\nowner \"ops\"\n"
      "track region=region,\nbig=n>3,   // a flag\n      many = n>10\ntrack  count = n\n"
      "measure lines=n\nlet a=approval \"Review\"{\nstage    \"ap review\"\nassign Clerk\n}\n"
      "measure lines=n+1\nif a.approved {measure cost=1.00 EUR}\nlet r = R{a: 1,\nb: 2}\n}\n";
  const std::string out =
      "module m\nrole Clerk \"Clerk\"\nworkflow W(region: string, n: int) {\n  owner \"ops\"\n"
      "  track region = region,\n    big = n > 3, // a flag\n    many = n > 10\n"
      "  track count = n\n  measure lines = n\n  let a = approval \"Review\" {\n"
      "    stage \"ap review\"\n    assign Clerk\n  }\n  measure lines = n + 1\n"
      "  if a.approved { measure cost = 1.00 EUR }\n  let r = R { a: 1,\n    b: 2 }\n}\n";
  EXPECT_EQ(fmt(in), out);
  EXPECT_EQ(fmt(out), out);
}

// A calendar's `open` and `closed` lines keep clock times, day ranges and dates whole;
// `in Calendar` after a duration is spaced like any word; elsewhere `-` is still an
// operator.
TEST(FormatStyle, CalendarLinesAndInCalendar) {
  const std::string in =
      "module m\ncalendar Shop{\nzone   \"Europe/Berlin\";open mon-fri 07:00-08:00\n  open mon - "
      "fri 08:00 - 12:00,13:00-20:00\n"
      "open sat,sun 09:00-18:00;closed 2026-12-24,2026-12-25\n}\nrole Clerk \"Clerk\"\n"
      "workflow W(){\nowner \"ops\"\nsla 2d   in Shop\nsleep 4h in  Shop\nlet d = 4-1\n}\n";
  const std::string out =
      "module m\ncalendar Shop {\n  zone \"Europe/Berlin\"; open mon-fri 07:00-08:00\n  open "
      "mon-fri 08:00-12:00, 13:00-20:00\n"
      "  open sat, sun 09:00-18:00; closed 2026-12-24, 2026-12-25\n}\nrole Clerk \"Clerk\"\n"
      "workflow W() {\n  owner \"ops\"\n  sla 2d in Shop\n  sleep 4h in Shop\n  let d = 4 - 1\n}\n";
  EXPECT_EQ(fmt(in), out);
  EXPECT_EQ(fmt(out), out);
}

TEST(FormatStyle, RefusesSyntaxErrors) {
  const FormatResult r = formatText("bad.rflow", "module m\nfn f( -> int = 1\n");
  EXPECT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics.front().severity, diagnostics::Severity::kError);
}

TEST(FormatStyle, Idempotent) {
  const std::string once = fmt("module m\nfn f(a:int)->int{\nlet x=a+\n1\nreturn x}\n");
  EXPECT_EQ(fmt(once), once);
}

}  // namespace
}  // namespace rflow::format
