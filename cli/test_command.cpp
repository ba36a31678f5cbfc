// `rflow test [PATH…] [--filter TEXT] [--config FILE]`: runs the project's `test` blocks
// (language.md §6) with a virtual clock and mocked connectors; the last line is
// `N passed, N failed`. A `classify` a test does not mock asks the model rflow.toml
// configures for that classifier (intelligence.md §1), so a project can check its
// workflows against the model it deploys.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "bytecode/write.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "driver/build.h"
#include "runtime/config.h"
#include "runtime/model_registry.h"
#include "testing/test_runner.h"

namespace rflow::cli {

namespace {

struct TestOptions {
  std::vector<std::string> paths;
  std::string filter;
  std::string config;
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

  // rflow.toml: --config, else the one beside the first path, else none. Only its
  // classifier models matter here: connectors are the tests' mocks, so the connectors it
  // configures are neither set up nor checked.
  std::filesystem::path config_path = options.config;
  if (config_path.empty()) {
    std::error_code ec;
    const std::filesystem::path project = paths.front();
    config_path = (std::filesystem::is_directory(project, ec) ? project : project.parent_path()) /
                  "rflow.toml";
  }
  // The connectors' `${NAME}` header values are never sent from a test, so a secret
  // that is not set where the tests run (CI) is no reason to refuse them: unset ones read
  // as empty.
  const runtime::Environment process = runtime::processEnvironment();
  const runtime::Environment env = [&process](std::string_view name) {
    return std::optional<std::string>(process(name).value_or(""));
  };
  auto loaded = runtime::Config::load(config_path, /*required=*/!options.config.empty(), env);
  if (auto* errors = std::get_if<runtime::ConfigErrors>(&loaded))
    return commandFailed("test", runtime::describe(*errors));
  // A configured model that cannot answer is refused before any test runs, as `rflow
  // run` and `rflow serve` refuse it, rather than showing up as a test's failure.
  runtime::ModelRegistry models;
  const runtime::ModelLoadReport report =
      models.load(*built.module, std::get<runtime::Config>(loaded));
  if (auto failure = report.failure()) return commandFailed("test", *failure);
  for (const std::string& warning : report.warnings)
    std::cerr << "rflow test: warning: " << warning << "\n";

  testing::TestOptions test_options;
  test_options.filter = options.filter;
  test_options.models = &models;
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
  cmd->add_option("--config", options->config,
                  "rflow.toml whose classifier models answer unmocked `classify` (default: the "
                  "project's, if it has one)");
  cmd->callback([options, &run] { run = [options] { return runTestCommand(*options); }; });
}

}  // namespace rflow::cli
