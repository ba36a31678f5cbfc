#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "diagnostics/render.h"
#include "driver/check.h"

namespace rflow::diagnostics {
namespace {

namespace fs = std::filesystem;

TEST(DiagnosticKinds, CodesAreWellFormedAndUnique) {
  std::set<std::string_view> codes;
  const std::regex form("[EW][0-9]{4}");
  for (const DiagnosticKindInfo& info : allKinds()) {
    EXPECT_TRUE(std::regex_match(std::string(info.code), form)) << info.name;
    EXPECT_TRUE(codes.insert(info.code).second) << "duplicate code " << info.code;
    EXPECT_EQ(info.code[0] == 'E', info.severity == Severity::kError) << info.name;
    // Message style: lower case start (or a backquoted code), no trailing period.
    EXPECT_FALSE(info.format.empty());
    EXPECT_TRUE(std::islower(static_cast<unsigned char>(info.format[0])) || info.format[0] == '`' ||
                info.format[0] == '{')
        << info.name;
    EXPECT_NE(info.format.back(), '.') << info.name;
  }
}

// Codes that cannot occur in a golden file (they concern paths, not text) are covered by
// the unit tests named here instead.
const std::set<std::string_view> kNotInGoldenFiles = {
    "E0001",  // CannotReadPath: CheckPaths.ReportsProblemsWithPaths
    "E0002",  // NoSourceFiles: CheckPaths.ReportsProblemsWithPaths
    "E0003",  // FileTooLarge: CheckPaths.ReportsProblemsWithPaths
    "E0004",  // TooManyFiles: CheckPaths.ReportsTooManyFiles
    "E0005",  // InvalidUtf8: Parse.InvalidUtf8IsReportedOnce
    "E0500",  // TooLargeToCompile: Codegen.TooManyLocalsIsADiagnosticNotABrokenModule
    "E0501",  // InternalCodegenError: only for a compiler bug; nothing can produce it

};

TEST(DiagnosticKinds, EveryCodeHasAGoldenTest) {
  std::set<std::string> seen;
  const std::regex expectation(R"(//~ (error|warning)\[([EW][0-9]{4})\])");
  for (const auto& e : fs::recursive_directory_iterator(RFLOW_GOLDEN_DIR)) {
    if (e.path().extension() != ".rflow") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (std::sregex_iterator it(s.begin(), s.end(), expectation), end; it != end; ++it)
      seen.insert((*it)[2]);
  }
  for (const DiagnosticKindInfo& info : allKinds()) {
    if (kNotInGoldenFiles.count(info.code)) continue;
    EXPECT_TRUE(seen.count(std::string(info.code)))
        << info.code << " (" << info.name << ") has no golden test";
  }
}

TEST(Render, TextShowsPositionCodeLineAndCaret) {
  source::SourceSet sources;
  sources.add("x.rflow", "module m\nconst A: int =\tfoo + 3days\n");
  const auto r = compiler::checkSources(std::move(sources));
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(renderText(r.diagnostics[0], r.sources),
            "x.rflow:2:22: error[E0106]: `3days` is neither a number nor a duration; a duration is "
            "a whole "
            "number followed by `ms`, `s`, `m`, `h`, `d` or `w`, like `3d`\n"
            " 2 | const A: int =\tfoo + 3days\n"
            "   |               \t      ^~~~~\n"
            "   = help: write `3d`\n");
}

TEST(Render, JsonCarriesRangesNotesAndFixes) {
  source::SourceSet sources;
  sources.add("x.rflow", "module m\nworkflow W() {\n");
  const auto r = compiler::checkSources(std::move(sources));
  const nlohmann::json j = toJson(r.diagnostics, r.sources);
  ASSERT_EQ(j["errors"], 1);
  const auto& d = j["diagnostics"][0];
  EXPECT_EQ(d["code"], "E0120");
  EXPECT_EQ(d["severity"], "error");
  EXPECT_EQ(d["location"]["file"], "x.rflow");
  EXPECT_EQ(d["location"]["start"]["line"], 2);
  EXPECT_EQ(d["notes"][0]["location"]["start"]["column"], 14);
  EXPECT_TRUE(d["fix"].is_null());
}

TEST(Render, Summary) {
  EXPECT_EQ(renderSummary(0, 0), "no problems");
  EXPECT_EQ(renderSummary(1, 0), "1 error");
  EXPECT_EQ(renderSummary(2, 1), "2 errors, 1 warning");
}

class CheckPaths : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("rflow_check_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "empty");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(CheckPaths, ReportsProblemsWithPaths) {
  {
    std::ofstream big(root_ / "big.rflow", std::ios::binary);
    big << std::string(source::kMaxSourceFileBytes + 1, '\n');
  }
  const std::vector<std::string> paths = {(root_ / "nope").string(), (root_ / "empty").string(),
                                          (root_ / "big.rflow").string()};
  const auto r = compiler::checkPaths(paths);
  ASSERT_EQ(r.diagnostics.size(), 3u);
  std::set<std::string> codes;
  for (const auto& d : r.diagnostics)
    codes.insert(std::string(d.code()));
  EXPECT_EQ(codes, (std::set<std::string>{"E0001", "E0002", "E0003"}));
  for (const auto& d : r.diagnostics)
    EXPECT_FALSE(d.location.has_value());
}

TEST_F(CheckPaths, ReportsTooManyFiles) {
  for (size_t i = 0; i <= source::kMaxProjectFiles; ++i) {
    std::ofstream(root_ / ("f" + std::to_string(i) + ".rflow")) << "module f" << i << "\n";
  }
  const auto r = compiler::checkPaths(std::vector<std::string>{root_.string()});
  ASSERT_GE(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code(), "E0004");
  EXPECT_EQ(r.sources.size(), compiler::CheckResult::kFirstUserFile);  // only the prelude
}

}  // namespace
}  // namespace rflow::diagnostics
