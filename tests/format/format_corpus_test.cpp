// The formatter over every example and golden file: it must be idempotent, keep every
// comment where it was (own line or end of line, same order, same text), and never
// change meaning: the project builds to the same module before and after formatting.
//
// Module identity: the content hash covers each function's line table and each test's
// line (bytecode/module.h), and collapsing blank lines moves lines, so modules are
// compared with line numbers zeroed (sameModule below); everything else (code,
// constants, types, names) must be byte for byte the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "bytecode/write.h"
#include "driver/build.h"
#include "format/format.h"
#include "parse/parse.h"
#include "parse/tokens.h"

namespace rflow::format {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One compilation unit of the corpus: an example project, or a golden case (split at
// its `// --- name.rflow` lines into the files it is made of).
struct Case {
  std::string name;
  std::vector<std::pair<std::string, std::string>> files;  // path, text
};

std::vector<Case> corpus() {
  std::vector<Case> cases;
  Case examples{"examples", {}};
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(RFLOW_SOURCE_DIR "/examples"))
    if (e.path().extension() == ".rflow") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths)
    examples.files.emplace_back(p.string(), readFile(p));
  cases.push_back(std::move(examples));

  paths.clear();
  for (const auto& e : fs::recursive_directory_iterator(RFLOW_GOLDEN_DIR))
    if (e.path().extension() == ".rflow") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    Case c{fs::relative(p, RFLOW_GOLDEN_DIR).string(), {}};
    std::istringstream in(readFile(p));
    std::string line, name = p.filename().string(), text;
    while (std::getline(in, line)) {
      if (line.starts_with("// --- ")) {
        if (!text.empty()) c.files.emplace_back(name, text);
        name = line.substr(7);
        text.clear();
        continue;
      }
      text += line + "\n";
    }
    c.files.emplace_back(name, text);
    cases.push_back(std::move(c));
  }
  return cases;
}

bool parsesCleanly(const std::string& path, const std::string& text) {
  source::SourceSet set;
  const auto id = set.add(path, text);
  diagnostics::DiagnosticCollector collector;
  (void)parse::parseFile(set, id, collector);
  return collector.errorCount() == 0;
}

struct CommentAt {
  std::string text;
  bool own_line;  // nothing but blanks before it on its line
  friend bool operator==(const CommentAt&, const CommentAt&) = default;
};

std::vector<CommentAt> comments(const std::string& text) {
  source::SourceFile file("f.rflow", text);
  std::vector<CommentAt> out;
  for (const parse::Token& t : parse::lexTokens(file)) {
    if (t.cls != parse::TokenClass::kComment && t.cls != parse::TokenClass::kDocComment) continue;
    std::string s(file.text(t.span));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
      s.pop_back();
    const auto before = file.text().substr(file.lineStart(file.line(t.span.begin)),
                                           t.span.begin - file.lineStart(file.line(t.span.begin)));
    out.push_back({s, before.find_first_not_of(" \t\xEF\xBB\xBF") == std::string_view::npos});
  }
  return out;
}

// The module's bytes with every line number zeroed (see the file comment).
std::vector<uint8_t> withoutLines(bytecode::Module module) {
  for (auto& f : module.functions)
    for (auto& l : f.lines)
      l.line = 0;
  for (auto& t : module.tests)
    t.line = 0;
  return bytecode::writeModule(module);
}

compiler::BuildResult build(const std::vector<std::pair<std::string, std::string>>& files) {
  source::SourceSet set;
  for (const auto& [path, text] : files)
    set.add(path, text);
  return compiler::buildSources(set);
}

TEST(FormatCorpus, IdempotentKeepsCommentsAndMeaning) {
  size_t formatted_files = 0, built = 0, compared_diagnostics = 0;
  for (const Case& c : corpus()) {
    SCOPED_TRACE(c.name);
    bool all_clean = true;
    auto formatted = c.files;
    for (auto& [path, text] : formatted) {
      SCOPED_TRACE(path);
      if (!parsesCleanly(path, text)) {
        // Refused, never mangled.
        EXPECT_FALSE(formatText(path, text).ok());
        all_clean = false;
        continue;
      }
      const FormatResult once = formatText(path, text);
      ASSERT_TRUE(once.ok()) << once.internal_error;
      const FormatResult twice = formatText(path, *once.text);
      ASSERT_TRUE(twice.ok()) << twice.internal_error;
      EXPECT_EQ(*once.text, *twice.text) << "not idempotent";
      EXPECT_EQ(comments(text), comments(*once.text)) << "comments moved or changed";
      text = *once.text;
      ++formatted_files;
    }
    if (!all_clean) continue;
    const compiler::BuildResult before = build(c.files);
    const compiler::BuildResult after = build(formatted);
    ASSERT_EQ(before.ok(), after.ok());
    if (before.ok()) {
      EXPECT_EQ(withoutLines(*before.module), withoutLines(*after.module))
          << "formatting changed the module";
      ++built;
    } else {
      // A case that does not build must fail the same way (positions aside).
      std::vector<std::string> a, b;
      for (const auto& d : before.check.diagnostics)
        a.push_back(std::string(d.code()) + " " + d.message);
      for (const auto& d : after.check.diagnostics)
        b.push_back(std::string(d.code()) + " " + d.message);
      EXPECT_EQ(a, b);
      ++compared_diagnostics;
    }
  }
  // The corpus must really have been exercised.
  EXPECT_GE(formatted_files, 40u);
  EXPECT_GE(built, 10u);
  RecordProperty("formatted_files", static_cast<int>(formatted_files));
  std::printf("formatted %zu files; %zu cases built to equal modules, %zu failed equally\n",
              formatted_files, built, compared_diagnostics);
}

}  // namespace
}  // namespace rflow::format
