// bench/parse: parse throughput on a generated 10,000-line project, as lines per second.
//
// Prints one table. Compare rows of one run with each other (the machines are shared
// and noisy); the absolute numbers only mean something next to each other.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "RFlowLexer.h"
#include "bench_util.h"
#include "driver/check.h"
#include "project_generator.h"

namespace {

using rflow::bench::bestSeconds;

}  // namespace

int main(int argc, char** argv) {
  const size_t lines = argc > 1 ? std::stoul(argv[1]) : 10'000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  const auto project = rflow::bench::generateProject(lines);
  size_t total_lines = 0;
  size_t bytes = 0;
  for (const auto& [path, text] : project) {
    bytes += text.size();
    total_lines += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  size_t tokens = 0;
  const double lex = bestSeconds(runs, [&] {
    tokens = 0;
    for (const auto& [path, text] : project) {
      antlr4::ANTLRInputStream input(text);
      rflow::grammar::RFlowLexer lexer(&input);
      antlr4::CommonTokenStream stream(&lexer);
      stream.fill();
      tokens += stream.size();
    }
  });

  size_t errors = 0;
  const double parse = bestSeconds(runs, [&] {
    rflow::source::SourceSet sources;
    for (const auto& [path, text] : project)
      sources.add(path, text);
    errors = rflow::compiler::checkSources(std::move(sources), {.semantic = false}).errors;
  });

  std::printf("bench/parse: %zu files, %zu lines, %zu bytes, %zu tokens; best of %d runs\n\n",
              project.size(), total_lines, bytes, tokens, runs);
  std::printf("| phase                      | seconds | lines/s   | MB/s  |\n");
  std::printf("|----------------------------|---------|-----------|-------|\n");
  const auto row = [&](const char* name, double s) {
    std::printf("| %-26s | %7.3f | %9.0f | %5.1f |\n", name, s,
                static_cast<double>(total_lines) / s, static_cast<double>(bytes) / s / 1e6);
  };
  row("lex", lex);
  row("lex + parse + syntax tree", parse);
  if (errors != 0) {
    std::printf("\nthe generated project has %zu syntax errors: the generator is out of date\n",
                errors);
    return 1;
  }
  return 0;
}
