// bench/compile: check and build throughput on a generated project (10,000 lines by
// default), as lines per second, phase by phase.
//
// Prints one table. Compare rows of one run with each other (the machines are shared
// and noisy): "check" over "parse" is what names, types and lints cost; "build" over
// "check" is what code generation and verification cost.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench_util.h"
#include "bytecode/write.h"
#include "driver/build.h"
#include "project_generator.h"

namespace {

using rflow::bench::bestSeconds;

}  // namespace

int main(int argc, char** argv) {
  const size_t lines = argc > 1 ? std::stoul(argv[1]) : 10'000;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  const auto project = rflow::bench::generateProject(lines);
  rflow::source::SourceSet sources;
  size_t total_lines = 0;
  size_t bytes = 0;
  for (const auto& [path, text] : project) {
    sources.add(path, text);
    bytes += text.size();
    total_lines += static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  size_t errors = 0;
  const double parse = bestSeconds(
      runs, [&] { errors += rflow::compiler::checkSources(sources, {.semantic = false}).errors; });
  const double check =
      bestSeconds(runs, [&] { errors += rflow::compiler::checkSources(sources).errors; });
  size_t functions = 0;
  const double build = bestSeconds(runs, [&] {
    const rflow::compiler::BuildResult r = rflow::compiler::buildSources(sources);
    errors += r.check.errors;
    functions = r.module ? r.module->functions.size() : 0;
  });
  size_t module_bytes = 0;
  const double write = bestSeconds(runs, [&] {
    rflow::compiler::BuildResult r = rflow::compiler::buildSources(sources);
    if (r.module) module_bytes = rflow::bytecode::writeModule(*r.module).size();
  });

  std::printf(
      "bench/compile: %zu files, %zu lines, %zu bytes; %zu functions, module %zu bytes; "
      "best of %d runs\n\n",
      project.size(), total_lines, bytes, functions, module_bytes, runs);
  std::printf("| phase                                 | seconds | lines/s   | vs parse |\n");
  std::printf("|---------------------------------------|---------|-----------|----------|\n");
  const auto row = [&](const char* name, double s) {
    std::printf("| %-37s | %7.3f | %9.0f | %7.2fx |\n", name, s,
                static_cast<double>(total_lines) / s, s / parse);
  };
  row("parse (syntax tree)", parse);
  row("check (parse + names, types, lints)", check);
  row("build (check + codegen + verify)", build);
  row("build + write the .rfc bytes", write);
  if (errors != 0) {
    std::printf("\nthe generated project has %zu errors: the generator is out of date\n", errors);
    return 1;
  }
  return 0;
}
