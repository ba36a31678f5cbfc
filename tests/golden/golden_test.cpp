// The golden-file test runner.
//
// Every tests/golden/**/*.rflow is one test case holding its input and what the
// compiler must say about it:
//
//   let wait = 3days  //~ error[E0106]@14: `3days` is neither a number nor a duration; …
//
// - `//~ severity[CODE]@COLUMN: message` at the end of a line expects exactly that
//   diagnostic on that line (several may follow each other on one line). A diagnostic
//   without a matching expectation, or an expectation without its diagnostic, fails.
// - A file whose name starts with `fail_` must produce at least one error; any other
//   file must produce none (warnings are allowed in both).
// - `// AST:` lines at the end hold the expected syntax tree dump (syntax/dump.h); a file
//   with none does not compare trees. Add one empty `// AST:` line to opt in.
// - `// CODE:` lines at the end hold the expected bytecode of the case's functions
//   (bytecode/disasm.h, with source lines); a case with them is built, not only checked.
//   Add one empty `// CODE:` line to opt in.
// - `// --- name.rflow` lines split a case into several files compiled together, each
//   with its own line numbers.
// - Cases under `syntax/` are only parsed; all others are checked in full (names,
//   types, lints).
//
// Run with `--autoupdate` (or RFLOW_AUTOUPDATE=1) to rewrite expectations and AST lines
// from what the compiler says now; review the diff like any other change.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "bytecode/disasm.h"
#include "diagnostics/render.h"
#include "driver/build.h"
#include "syntax/dump.h"

namespace {

namespace fs = std::filesystem;

bool g_autoupdate = false;

struct Expectation {
  std::string file;
  uint32_t line = 0;  // within `file`
  std::string text;   // "error[E0106]@14: message"

  friend bool operator<(const Expectation& a, const Expectation& b) {
    return std::tie(a.file, a.line, a.text) < std::tie(b.file, b.line, b.text);
  }
};

// One virtual file of a case: its name, its lines, and where each line is in the case.
struct Part {
  std::string name;
  std::vector<std::string> lines;
  std::vector<size_t> physical;  // physical[i]: index in the case file of lines[i]
};

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line))
    lines.push_back(line);
  return lines;
}

bool isAstLine(const std::string& line) {
  return line.rfind("// AST:", 0) == 0;
}

bool isCodeLine(const std::string& line) {
  return line.rfind("// CODE:", 0) == 0;
}

// Lines the runner writes itself (snapshots), which are not part of the case's source.
bool isSnapshotLine(const std::string& line) {
  return isAstLine(line) || isCodeLine(line);
}

// The part of a line before its expectations, with trailing blanks removed.
std::string stripExpectations(const std::string& line) {
  const size_t at = line.find("//~");
  if (at == std::string::npos) return line;
  size_t end = at;
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
    --end;
  return line.substr(0, end);
}

std::vector<std::string> expectationsOn(const std::string& line) {
  std::vector<std::string> out;
  size_t at = line.find("//~");
  while (at != std::string::npos) {
    const size_t next = line.find("//~", at + 3);
    std::string text =
        line.substr(at + 3, next == std::string::npos ? std::string::npos : next - at - 3);
    while (!text.empty() && text.front() == ' ')
      text.erase(0, 1);
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out.push_back(text);
    at = next;
  }
  return out;
}

std::vector<Part> splitParts(const std::vector<std::string>& lines,
                             const std::string& default_name) {
  std::vector<Part> parts;
  static const std::regex kMarker(R"(^// --- (\S+\.rflow)\s*$)");
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_match(lines[i], m, kMarker)) {
      parts.push_back({m[1].str(), {}, {}});
      continue;
    }
    if (isSnapshotLine(lines[i])) continue;
    if (parts.empty()) parts.push_back({default_name, {}, {}});
    parts.back().lines.push_back(lines[i]);
    parts.back().physical.push_back(i);
  }
  if (parts.empty()) parts.push_back({default_name, {}, {}});
  return parts;
}

struct Outcome {
  std::vector<Expectation> diagnostics;
  size_t errors = 0;
  std::string ast;
  std::string code;
};

// Cases under syntax/ test the parser alone; everything else is checked in full.
Outcome compile(const std::vector<Part>& parts, bool syntax_only, bool with_code) {
  rflow::source::SourceSet sources;
  for (const Part& part : parts) {
    std::string text;
    for (const std::string& line : part.lines)
      text += stripExpectations(line) + "\n";
    sources.add(part.name, std::move(text));
  }
  rflow::compiler::CheckOptions options;
  options.semantic = !syntax_only;
  rflow::compiler::BuildResult built;
  if (with_code) {
    built = rflow::compiler::buildSources(sources, options);
  } else {
    built.check = rflow::compiler::checkSources(sources, options);
  }
  const rflow::compiler::CheckResult& result = built.check;
  Outcome out;
  if (built.module) {
    rflow::bytecode::DisasmOptions disasm;
    disasm.show_hash = false;
    disasm.tables = false;
    disasm.source_line = [&](uint32_t file, uint32_t line) -> std::string_view {
      if (file >= result.sources.size()) return {};
      const auto& f = result.sources.file(file);
      return line >= 1 && line <= f.lineCount() ? f.lineText(line) : std::string_view{};
    };
    out.code = rflow::bytecode::disassemble(*built.module, disasm);
  }
  out.errors = result.errors;
  for (const auto& d : result.diagnostics) {
    if (!d.location) {
      out.diagnostics.push_back(
          {"", 0,
           fmt::format("{}[{}]: {}",
                       d.severity == rflow::diagnostics::Severity::kError ? "error" : "warning",
                       d.code(), d.message)});
      continue;
    }
    const auto& file = result.sources.file(d.location->file);
    const auto lc = file.lineCol(d.location->span.begin);
    out.diagnostics.push_back(
        {file.path(), lc.line,
         fmt::format("{}[{}]@{}: {}",
                     d.severity == rflow::diagnostics::Severity::kError ? "error" : "warning",
                     d.code(), lc.column, d.message)});
  }
  for (const auto& file : result.files) {
    if (file.file < rflow::compiler::CheckResult::kFirstUserFile) continue;
    if (parts.size() > 1) out.ast += "--- " + result.sources.file(file.file).path() + "\n";
    out.ast += rflow::syntax::dumpFile(file);
  }
  return out;
}

std::vector<Expectation> expected(const std::vector<Part>& parts) {
  std::vector<Expectation> out;
  for (const Part& part : parts) {
    for (size_t i = 0; i < part.lines.size(); ++i) {
      for (std::string& text : expectationsOn(part.lines[i])) {
        out.push_back({part.name, static_cast<uint32_t>(i + 1), std::move(text)});
      }
    }
  }
  return out;
}

// The snapshot held in lines starting with `prefix` ("// AST:"), without the prefix.
std::string expectedSnapshot(const std::vector<std::string>& lines, std::string_view prefix) {
  std::string out;
  for (const std::string& line : lines) {
    if (line.rfind(prefix, 0) != 0) continue;
    out += line.size() > prefix.size() + 1 ? line.substr(prefix.size() + 1) : "";
    out += "\n";
  }
  return out;
}

void rewrite(const fs::path& path, const std::vector<std::string>& lines,
             const std::vector<Part>& parts, const Outcome& outcome, bool with_ast,
             bool with_code) {
  std::vector<std::string> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (isSnapshotLine(lines[i])) continue;
    std::string text = stripExpectations(lines[i]);
    for (const Part& part : parts) {
      const auto at = std::find(part.physical.begin(), part.physical.end(), i);
      if (at == part.physical.end()) continue;
      const auto line = static_cast<uint32_t>(at - part.physical.begin() + 1);
      for (const Expectation& e : outcome.diagnostics) {
        if (e.file == part.name && e.line == line) text += "  //~ " + e.text;
      }
    }
    out.push_back(text);
  }
  if (with_ast) {
    for (const std::string& line : splitLines(outcome.ast))
      out.push_back(line.empty() ? "// AST:" : "// AST: " + line);
  }
  if (with_code) {
    for (const std::string& line : splitLines(outcome.code))
      out.push_back(line.empty() ? "// CODE:" : "// CODE: " + line);
    if (outcome.code.empty()) out.push_back("// CODE:");
  }
  std::ofstream file(path, std::ios::binary);
  for (const std::string& line : out)
    file << line << "\n";
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, Matches) {
  const fs::path path = fs::path(RFLOW_GOLDEN_DIR) / GetParam();
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::vector<std::string> lines = splitLines(buffer.str());
  const std::vector<Part> parts = splitParts(lines, fs::path(GetParam()).filename().string());
  const bool with_ast = std::any_of(lines.begin(), lines.end(), isAstLine);
  const bool with_code = std::any_of(lines.begin(), lines.end(), isCodeLine);
  const Outcome outcome = compile(parts, GetParam().rfind("syntax/", 0) == 0, with_code);

  if (g_autoupdate) {
    rewrite(path, lines, parts, outcome, with_ast, with_code);
    return;
  }

  std::vector<Expectation> want = expected(parts);
  std::vector<Expectation> got = outcome.diagnostics;
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  std::vector<Expectation> missing;
  std::vector<Expectation> extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  for (const Expectation& e : missing) {
    ADD_FAILURE() << e.file << ":" << e.line << ": expected diagnostic not reported: " << e.text;
  }
  for (const Expectation& e : extra) {
    ADD_FAILURE() << e.file << ":" << e.line << ": unexpected diagnostic: " << e.text;
  }

  const bool fail_case = fs::path(GetParam()).filename().string().rfind("fail_", 0) == 0;
  if (fail_case) {
    EXPECT_GT(outcome.errors, 0u) << "a `fail_` case must produce an error";
  } else {
    EXPECT_EQ(outcome.errors, 0u)
        << "only `fail_` cases may produce errors; rename the file or fix it";
  }
  if (with_ast) {
    EXPECT_EQ(expectedSnapshot(lines, "// AST:"), outcome.ast)
        << "syntax tree differs (run with --autoupdate)";
  }
  if (with_code) {
    EXPECT_EQ(expectedSnapshot(lines, "// CODE:"), outcome.code)
        << "bytecode differs (run with --autoupdate)";
  }
  if (!missing.empty() || !extra.empty()) {
    ADD_FAILURE() << "run golden_tests --autoupdate to accept the new output, then review the diff";
  }
}

std::vector<std::string> discover() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::recursive_directory_iterator(RFLOW_GOLDEN_DIR)) {
    if (entry.is_regular_file() && entry.path().extension() == ".rflow") {
      cases.push_back(fs::relative(entry.path(), RFLOW_GOLDEN_DIR).string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string caseName(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 6);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTest, testing::ValuesIn(discover()), caseName);

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--autoupdate") {
      g_autoupdate = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (const char* env = std::getenv("RFLOW_AUTOUPDATE");
      env != nullptr && std::string_view(env) == "1") {
    g_autoupdate = true;
  }
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);  // argv[argc] is null, and GoogleTest relies on it
  testing::InitGoogleTest(&count, args.data());
  return RUN_ALL_TESTS();
}
