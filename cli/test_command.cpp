// `rflow test [PATH…] [--filter TEXT]`: runs the project's `test` blocks (language.md §6)
// with a virtual clock and mocked connectors; the last line is `N passed, N failed`.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "bytecode/write.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "driver/build.h"
#include "testing/test_runner.h"

namespace rflow::cli {

namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string filter;
};

int runTestCommand(const TestOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) paths.push_back(".");
  compiler::BuildResult built = compiler::buildPaths(paths);
  if (!built.module) {
    reportDiagnostics(built.check, "text", "checked");
    std::cout << "0 passed, 0 failed (the project has errors; fix them first)\n";
    return 1;
  }
  // Warnings are shown but do not stop the tests.
  if (built.check.warnings > 0) reportDiagnostics(built.check, "text", "checked");
  const std::vector<uint8_t> bytes = bytecode::writeModule(*built.module);
  testing::TestOptions test_options;
  test_options.filter = options.filter;
  size_t passed = 0, failed = 0;
  testing::runTests(bytes, test_options, [&](const testing::TestOutcome& t) {
    (t.passed ? passed : failed)++;
    std::cout << fmt::format("{} {} ({:.0f} ms)\n", t.passed ? "PASS" : "FAIL", t.name, t.millis);
    if (!t.passed) {
      std::string text = t.failure;
      size_t at = 0;
      while (at <= text.size()) {
        const size_t end = text.find('\n', at);
        std::cout << "     "
                  << text.substr(at, end == std::string::npos ? std::string::npos : end - at)
                  << "\n";
        if (end == std::string::npos) break;
        at = end + 1;
      }
    }
    std::cout.flush();
  });
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace

void addTestCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "test", "Run the project's test blocks with a virtual clock and mocked connectors");
  cmd->add_option("paths", options->paths,
                  "Files or project directories (default: the current directory)");
  cmd->add_option("--filter", options->filter, "Run only tests whose name contains this text");
  cmd->callback([options, &run] { run = [options] { return runTestCommand(*options); }; });
}

}  // namespace rflow::cli
