// `rflow fmt` end to end: rewrites in place, `--check` lists and exits 1, a file with
// syntax errors is reported and left byte for byte as it was.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int status;
  std::string output;  // stdout and stderr
};

CommandRun rflow(const std::string& args) {
  const std::string command = std::string(RFLOW_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe))
    out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

class FmtCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rflow-fmt-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(FmtCommand, RewritesInPlace) {
  write(dir_ / "a.rflow", "module a\nconst X: int = 1+2\n");
  write(dir_ / "b.rflow", "module b\n\nconst Y: int = 3\n");
  const CommandRun r = rflow("fmt " + dir_.string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read(dir_ / "a.rflow"), "module a\nconst X: int = 1 + 2\n");
  EXPECT_EQ(read(dir_ / "b.rflow"), "module b\n\nconst Y: int = 3\n");
}

TEST_F(FmtCommand, CheckListsFilesAndChangesNothing) {
  write(dir_ / "a.rflow", "module a\nconst X: int = 1+2\n");
  write(dir_ / "b.rflow", "module b\nconst Y: int = 3\n");
  const CommandRun r = rflow("fmt --check " + dir_.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("a.rflow"), std::string::npos);
  EXPECT_EQ(r.output.find("b.rflow"), std::string::npos);
  EXPECT_EQ(read(dir_ / "a.rflow"), "module a\nconst X: int = 1+2\n");
  EXPECT_EQ(rflow("fmt --check " + (dir_ / "b.rflow").string()).status, 0);
}

TEST_F(FmtCommand, RefusesFilesWithSyntaxErrors) {
  const std::string broken = "module a\nconst X: int = (1+\nfn f( {\n";
  write(dir_ / "a.rflow", broken);
  const CommandRun r = rflow("fmt " + dir_.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("error[E"), std::string::npos) << r.output;
  EXPECT_EQ(read(dir_ / "a.rflow"), broken);
}

}  // namespace
