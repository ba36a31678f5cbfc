// The protocol-neutral language service on its own: re-checking after an edit reuses
// the syntax trees of unchanged files, positions convert between UTF-16 and bytes, and
// recheckSources gives what a fresh check gives.
#include "lsp/service/language_service.h"

#include <gtest/gtest.h>

#include "driver/check.h"

namespace rflow::lsp::service {
namespace {

TEST(LanguageService, AnEditReparsesOnlyTheEditedFile) {
  LanguageService s;
  s.open("/p/a.rflow", "module a\nconst X: int = 1\n");
  s.open("/p/b.rflow", "module b\nimport a\nconst Y: int = a.X\n");
  s.open("/p/c.rflow", "module c\nconst Z: int = 3\n");
  (void)s.diagnostics();
  const size_t first = s.parses();
  EXPECT_EQ(first, 4u);  // the prelude and three files
  s.change("/p/c.rflow", "module c\nconst Z: int = 4\n");
  const auto d = s.diagnostics();
  EXPECT_EQ(s.parses(), first + 1);
  EXPECT_EQ(s.analyses(), 2u);
  for (const auto& [path, list] : d)
    EXPECT_TRUE(list.empty()) << path;
  // An edit that breaks a file is reported from the reused trees of the others.
  s.change("/p/a.rflow", "module a\nconst X: int = \"no\"\n");
  const auto broken = s.diagnostics();
  EXPECT_EQ(broken.at("/p/a.rflow").size(), 1u);
  EXPECT_EQ(s.parses(), first + 2);
}

TEST(LanguageService, RecheckMatchesAFreshCheck) {
  source::SourceSet one, two;
  one.add("a.rflow", "module a\nfn f(x: int) -> int = x + 1\n");
  one.add("b.rflow", "module b\nimport a\nconst Y: string = a.f(1)\n");
  two.add("a.rflow", "module a\nfn f(x: int) -> int = x + 1\n");
  two.add("b.rflow", "module b\nimport a\nconst Y: int = a.f(\"s\")\n");
  compiler::CheckResult first = compiler::checkSources(one);
  const compiler::CheckResult fresh = compiler::checkSources(two);
  const compiler::CheckResult again = compiler::recheckSources(two, std::move(first));
  EXPECT_EQ(again.parsed_files, 1u);
  ASSERT_EQ(again.diagnostics.size(), fresh.diagnostics.size());
  for (size_t i = 0; i < fresh.diagnostics.size(); ++i) {
    EXPECT_EQ(again.diagnostics[i].message, fresh.diagnostics[i].message);
    EXPECT_EQ(again.diagnostics[i].location, fresh.diagnostics[i].location);
  }
}

TEST(LanguageService, Utf16Positions) {
  const std::string text = "a\n\xC3\xA9\xF0\x9F\x93\xA6x\n";  // é (1 unit) and 📦 (2 units)
  EXPECT_EQ(offsetAt(text, {1, 0}), 2u);
  EXPECT_EQ(offsetAt(text, {1, 1}), 4u);
  EXPECT_EQ(offsetAt(text, {1, 3}), 8u);
  EXPECT_EQ(offsetAt(text, {1, 99}), 9u);  // clamped to the line's end
  EXPECT_EQ(offsetAt(text, {9, 0}), text.size());
  const source::SourceFile file("f", text);
  EXPECT_EQ(positionAt(file, 8), (Position{1, 3}));
}

}  // namespace
}  // namespace rflow::lsp::service
