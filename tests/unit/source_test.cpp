#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "source/source_set.h"
#include "source/utf8.h"

namespace rflow::source {
namespace {

namespace fs = std::filesystem;

TEST(SourceFile, LineAndColumnCountCodePoints) {
  SourceFile file("a.rflow", "ab\nçé x\r\nlast");
  EXPECT_EQ(file.lineCount(), 3u);
  EXPECT_EQ(file.lineCol(0), (LineCol{1, 1}));
  EXPECT_EQ(file.lineCol(3), (LineCol{2, 1}));
  EXPECT_EQ(file.lineCol(7), (LineCol{2, 3}));  // after two 2-byte characters
  EXPECT_EQ(file.lineText(2), "çé x");          // no \r
  EXPECT_EQ(file.lineText(3), "last");
  EXPECT_EQ(file.lineCol(1000), (LineCol{3, 5}));  // clamps to the end
}

TEST(SourceFile, Utf16ColumnsCountSurrogatePairs) {
  SourceFile file("a.rflow", "\"\xF0\x9F\x9B\x92\" x");  // a 4-byte emoji inside quotes
  EXPECT_EQ(file.utf16Column(5), 3u);                    // quote + surrogate pair
  EXPECT_EQ(file.lineCol(5).column, 3u);                 // quote + one code point, 1-based
}

TEST(Utf8, DecodeReplacesInvalidBytesOneByOne) {
  const DecodedText d = decodeText(
      "a\xFF"
      "b\xC3");
  EXPECT_EQ(d.code_points, (std::u32string{U'a', 0xFFFD, U'b', 0xFFFD}));
  EXPECT_EQ(d.invalid_bytes, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(d.byte_offsets, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
  size_t length = 0;
  EXPECT_EQ(decodeUtf8("\xC0\x80", 0, length), -1);          // overlong
  EXPECT_EQ(decodeUtf8("\xED\xA0\x80", 0, length), -1);      // surrogate
  EXPECT_EQ(decodeUtf8("\xE2\x82\xAC", 0, length), 0x20AC);  // €
  EXPECT_EQ(length, 3u);
}

class LoadSources : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("rflow_load_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "b");
    fs::create_directories(root_ / ".git");
    write("b/z.rflow", "module z\n");
    write("a.rflow", "module a\n");
    write(".git/hidden.rflow", "module hidden\n");
    write("notes.txt", "not source");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel) << text;
  }
  fs::path root_;
};

TEST_F(LoadSources, DirectoryAddsSortedRflowFilesAndSkipsHiddenOnes) {
  SourceSet set;
  const auto problems = loadSources(std::vector<std::string>{root_.string()}, set);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(fs::path(set.file(0).path()).filename(), "a.rflow");
  EXPECT_EQ(fs::path(set.file(1).path()).filename(), "z.rflow");
}

TEST_F(LoadSources, ExplicitFileAddsOnlyItselfOnce) {
  SourceSet set;
  const std::string file = (root_ / "a.rflow").string();
  const auto problems = loadSources(std::vector<std::string>{file, file}, set);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(set.size(), 1u);
}

TEST_F(LoadSources, ReportsMissingPathsEmptyDirectoriesAndHugeFiles) {
  fs::create_directories(root_ / "empty");
  {
    std::ofstream big(root_ / "big.rflow", std::ios::binary);
    big << std::string(kMaxSourceFileBytes + 1, ' ');
  }
  SourceSet set;
  const auto problems =
      loadSources(std::vector<std::string>{(root_ / "missing").string(), (root_ / "empty").string(),
                                           (root_ / "big.rflow").string()},
                  set);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].kind, LoadProblem::Kind::kCannotRead);
  EXPECT_EQ(problems[1].kind, LoadProblem::Kind::kNoSourceFiles);
  EXPECT_EQ(problems[2].kind, LoadProblem::Kind::kTooLarge);
  EXPECT_EQ(set.size(), 0u);
}

}  // namespace
}  // namespace rflow::source
