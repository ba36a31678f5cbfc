// A bounded, deterministic fuzz run of the parser for the ordinary test suite: seeds
// from examples/ and tests/golden/, mutated with a fixed random seed for a fixed number
// of runs, plus hand-made pathological inputs (deep nesting, huge chains, unbalanced
// brackets). A crash or hang fails the test; an input that ever crashed is kept in
// tests/fuzz/regressions/ and replayed first.
//
// RFLOW_FUZZ_RUNS overrides the number of mutated runs (default 20000, a few seconds).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

void run(const std::string& input) {
  // RFLOW_FUZZ_TRACE=FILE keeps the input being run in FILE, to catch one that hangs.
  if (const char* trace = std::getenv("RFLOW_FUZZ_TRACE"))
    std::ofstream(trace, std::ios::binary) << input;
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// The .rflow files below `root` (or, with `any_file`, every file: libFuzzer names its
// crash inputs crash-<hash>).
std::vector<std::string> readAll(const fs::path& root, bool any_file = false) {
  std::vector<std::string> out;
  if (!fs::exists(root)) return out;
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && (any_file || e.path().extension() == ".rflow"))
      paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    out.push_back(s.str());
  }
  return out;
}

// Fragments that make mutations land on interesting syntax.
const std::vector<std::string> kDictionary = {"{",
                                              "}",
                                              "(",
                                              ")",
                                              "[",
                                              "]",
                                              "\"",
                                              "\"{",
                                              "}\"",
                                              "{x}",
                                              "\n",
                                              ";",
                                              ",",
                                              "=>",
                                              "->",
                                              "?.",
                                              "??",
                                              "if ",
                                              "else ",
                                              "then ",
                                              "match ",
                                              "workflow W() {",
                                              "record R {",
                                              "let x = ",
                                              "approval \"a\" {",
                                              "task \"t\" { form { a: int } }",
                                              "1_000.00 USD",
                                              "3days",
                                              "1.5h",
                                              "10 USDX",
                                              "500ms",
                                              "/*",
                                              "*/",
                                              "///",
                                              "//",
                                              "\\",
                                              "\\q",
                                              "not ",
                                              "and ",
                                              "<",
                                              ">",
                                              "list<list<int>>",
                                              "map<int>{}",
                                              "\xff",
                                              "\xc3",
                                              "retry 3 every 2s backoff 2.0 timeout 1s",
                                              "on event E(r: R) start W(r)",
                                              "module m\n",
                                              "_ => ",
                                              "sla 8h on breach {",
                                              "parallel {",
                                              "expect refused approve t by u",
                                              "-9223372036854775808"};

std::string mutate(std::string text, std::mt19937& rng) {
  const auto pick = [&](size_t n) {
    return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  const size_t count = 1 + pick(8);
  for (size_t i = 0; i < count; ++i) {
    const size_t at = pick(text.size() + 1);
    switch (pick(7)) {
      case 0:  // flip a byte
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
        break;
      case 1:  // insert a fragment
        text.insert(at, kDictionary[pick(kDictionary.size())]);
        break;
      case 2:  // delete a range
        text.erase(at, pick(40));
        break;
      case 3: {  // duplicate a range
        const std::string piece = text.substr(at, pick(80));
        text.insert(pick(text.size() + 1), piece);
        break;
      }
      case 4:  // truncate
        text.resize(at);
        break;
      case 5:  // insert random bytes
        for (size_t k = pick(6); k > 0; --k)
          text.insert(text.begin() + static_cast<long>(pick(text.size() + 1)),
                      static_cast<char>(pick(256)));
        break;
      default: {  // swap two lines
        const size_t a = text.find('\n', at);
        const size_t b = a == std::string::npos ? a : text.find('\n', a + 1);
        if (b != std::string::npos) {
          const std::string line = text.substr(a + 1, b - a);
          text.erase(a + 1, b - a);
          text.insert(pick(text.size() + 1), line);
        }
      }
    }
  }
  return text;
}

// A window of whole lines from a seed, so that each run stays small and fast.
std::string window(const std::string& text, std::mt19937& rng) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  const size_t first = std::uniform_int_distribution<size_t>(0, starts.size() - 1)(rng);
  const size_t lines = 1 + std::uniform_int_distribution<size_t>(0, 80)(rng);
  const size_t begin = starts[first];
  const size_t end = first + lines < starts.size() ? starts[first + lines] : text.size();
  return text.substr(begin, end - begin);
}

TEST(ParseFuzz, RegressionInputs) {
  for (const std::string& input :
       readAll(fs::path(RFLOW_SOURCE_DIR) / "tests/fuzz/regressions", true))
    run(input);
}

TEST(ParseFuzz, PathologicalInputs) {
  const auto repeat = [](std::string_view s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
      out += s;
    return out;
  };
  const std::string header = "module m\nfn f() -> int = ";
  run(header + repeat("(", 100'000) + "1" + repeat(")", 100'000));
  run(header + repeat("(", 100'000));
  run(header + repeat("-", 200'000) + "1");
  run(header + repeat("not ", 100'000) + "true");
  run(header + repeat("1 + ", 100'000) + "1");
  run(header + repeat("a.", 100'000) + "b");
  run(header + repeat("[", 50'000) + repeat("]", 50'000));
  run(header + repeat("if a then ", 50'000) + "1" + repeat(" else 2", 50'000));
  run(header + "\"" + repeat("{\"", 20'000) + repeat("\"}", 20'000) + "\"");
  run("module m\nworkflow W() {\n" + repeat("if a {\n", 50'000));
  run("module m\nworkflow W() {\n" + repeat("if a {\n", 5'000) + repeat("}\n", 5'000) + "}\n");
  run("module m\nworkflow W() {\n  if a {}\n" + repeat("  else if b {}\n", 100'000) + "}\n");
  run("module m\nworkflow W() {\n" + repeat("match x { 1 => ", 20'000));
  run("module m\nrecord R { a: " + repeat("list<", 50'000) + "int" + repeat(">", 50'000) + " }\n");
  run("module m\n" + repeat("}", 100'000));
  run("module m\n" + repeat("workflow W() {\n", 20'000));
  run(repeat("\n", 1'000'000));
  run(repeat("/*", 50'000));
  run(std::string(100'000, '\0'));
  run(repeat("\xff\xfe", 50'000));
}

TEST(ParseFuzz, MutatedSeeds) {
  std::vector<std::string> seeds = readAll(fs::path(RFLOW_SOURCE_DIR) / "examples");
  const auto golden = readAll(RFLOW_GOLDEN_DIR);
  seeds.insert(seeds.end(), golden.begin(), golden.end());
  ASSERT_FALSE(seeds.empty());
  size_t runs = 20000;
  if (const char* env = std::getenv("RFLOW_FUZZ_RUNS")) runs = std::stoul(env);
  std::mt19937 rng(20261127);
  for (size_t i = 0; i < runs; ++i) {
    const std::string& seed = seeds[i % seeds.size()];
    run(mutate(window(seed, rng), rng));
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
