// readExamples(): CSV and JSON Lines, good files and every kind of bad one, with file:line.
#include "runtime/classifier/examples_file.h"

#include <gtest/gtest.h>

#include <fstream>

namespace rflow::classifier {
namespace {

namespace fs = std::filesystem;

class ExamplesFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rflow-examples-test-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, std::string_view content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(content.data(), content.size());
    return path;
  }

  std::vector<Example> ok(const std::string& name, std::string_view content) {
    auto read = readExamples(write(name, content));
    if (auto* error = std::get_if<std::string>(&read)) {
      ADD_FAILURE() << *error;
      return {};
    }
    return std::get<std::vector<Example>>(read);
  }

  // The error, with the temporary directory cut off the front.
  std::string error(const std::string& name, std::string_view content,
                    std::optional<std::span<const std::string>> allowed = std::nullopt) {
    auto read = readExamples(write(name, content), allowed);
    if (!std::holds_alternative<std::string>(read)) return "(no error)";
    std::string message = std::get<std::string>(read);
    const std::string prefix = (dir_ / "").string();
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    return message;
  }

  fs::path dir_;
};

TEST_F(ExamplesFile, Csv) {
  const auto examples = ok("a.csv",
                           "text,label\n"
                           "freezer is warm,Refrigeration\n"
                           "\"price wrong, again\",Pricing\n"
                           "\"she said \"\"hi\"\"\", Staffing \n"
                           "\n"
                           "\"two\nlines\",Damage\r\n"
                           "last line without newline,Damage");
  EXPECT_EQ(examples, (std::vector<Example>{{"freezer is warm", "Refrigeration"},
                                            {"price wrong, again", "Pricing"},
                                            {"she said \"hi\"", "Staffing"},
                                            {"two\nlines", "Damage"},
                                            {"last line without newline", "Damage"}}));
}

TEST_F(ExamplesFile, CsvColumnsInAnyOrderWithExtras) {
  const auto examples = ok("b.CSV", "\xEF\xBB\xBFid,label,text\r\n1,Pricing,tag missing\r\n");
  EXPECT_EQ(examples, (std::vector<Example>{{"tag missing", "Pricing"}}));
  EXPECT_TRUE(ok("empty.csv", "text,label\n").empty());
}

TEST_F(ExamplesFile, CsvErrors) {
  EXPECT_EQ(error("e.csv", ""), "e.csv:1: the file is empty; it needs a header row `text,label`");
  EXPECT_EQ(error("h.csv", "text,category\nx,y\n"),
            "h.csv:1: the header row has no `label` column; the first row must name the "
            "columns, e.g. `text,label`");
  EXPECT_EQ(error("n.csv", "freezer is warm,Refrigeration\n"),
            "n.csv:1: the header row has no `text` column; the first row must name the "
            "columns, e.g. `text,label`");
  EXPECT_EQ(error("f.csv", "text,label\nok,A\nprice wrong, again,Pricing\n"),
            "f.csv:3: 3 fields where the header has 2 (a text with a comma must be in double "
            "quotes)");
  EXPECT_EQ(error("u.csv", "text,label\nok,A\n\"never\nends,B\n"),
            "u.csv:3: a quoted field starts here and never ends (a missing closing quote?)");
  EXPECT_EQ(error("q.csv", "text,label\n\"a\"b,A\n"),
            "q.csv:2: text follows a closing quote; inside a quoted field a quote is written "
            "twice (\"\")");
  EXPECT_EQ(error("t.csv", "text,label\n\"multi\nline\",A\n  ,B\n"), "t.csv:4: the text is empty");
  EXPECT_EQ(error("l.csv", "text,label\nfine,\n"), "l.csv:2: the label is empty");
}

TEST_F(ExamplesFile, JsonLines) {
  const auto examples = ok("a.jsonl",
                           "{\"text\": \"freezer is warm\", \"label\": \"Refrigeration\"}\n"
                           "\n"
                           "{\"label\": \"Pricing\", \"text\": \"caf\\u00e9 \\\"price\\\"\", "
                           "\"user\": 3}\r\n");
  EXPECT_EQ(examples, (std::vector<Example>{{"freezer is warm", "Refrigeration"},
                                            {"café \"price\"", "Pricing"}}));
  EXPECT_EQ(ok("b.ndjson", "{\"text\":\"x\",\"label\":\"A\"}"), (std::vector<Example>{{"x", "A"}}));
}

TEST_F(ExamplesFile, JsonLinesErrors) {
  EXPECT_EQ(error("a.jsonl", "{\"text\":\"x\",\"label\":\"A\"}\n{\"text\": \"y\", \"label\": }\n")
                .substr(0, 46),
            "a.jsonl:2: not valid JSON: parse error at line");
  EXPECT_EQ(error("b.jsonl", "[1, 2]\n"),
            "b.jsonl:1: expected an object {\"text\": …, \"label\": …}");
  EXPECT_EQ(error("c.jsonl", "{\"text\":\"x\"}\n"), "c.jsonl:1: the object has no \"label\" field");
  EXPECT_EQ(error("d.jsonl", "{\"label\":\"A\"}\n"), "d.jsonl:1: the object has no \"text\" field");
  EXPECT_EQ(error("e.jsonl", "{\"text\":1,\"label\":\"A\"}\n"),
            "e.jsonl:1: \"text\" must be a string");
  EXPECT_EQ(error("f.jsonl", "{\"text\":\" \\t \",\"label\":\"A\"}\n"),
            "f.jsonl:1: the text is empty");
}

TEST_F(ExamplesFile, AllowedLabels) {
  const std::vector<std::string> members = {"Refrigeration", "Pricing"};
  EXPECT_EQ(error("a.csv", "text,label\nwarm,Refrigeration\ntag,Pricng\n", members),
            "a.csv:3: the label `Pricng` is not a member of the enum (did you mean `Pricing`?)");
  EXPECT_EQ(error("b.jsonl", "{\"text\":\"x\",\"label\":\"Staffing\"}\n", members),
            "b.jsonl:1: the label `Staffing` is not a member of the enum");
  auto read = readExamples(write("c.csv", "text,label\nwarm,Refrigeration\n"),
                           std::span<const std::string>(members));
  EXPECT_TRUE(std::holds_alternative<std::vector<Example>>(read));
}

TEST_F(ExamplesFile, FormatAndMissingFile) {
  EXPECT_TRUE(error("a.txt", "text,label\n").starts_with("a.txt: examples must be a .csv file"));
  const auto missing = readExamples(dir_ / "none.csv");
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  EXPECT_NE(std::get<std::string>(missing).find("none.csv: cannot be opened"), std::string::npos);
}

}  // namespace
}  // namespace rflow::classifier
