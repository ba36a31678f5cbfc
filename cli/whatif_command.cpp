// `rflow whatif [PATH] --data DIR --set NAME=VALUE… [--workflow W] [--since T]
// [--limit N] [--format json]` (intelligence.md §4): replays the instances recorded in a
// data directory against the project at PATH built with changed constants, in memory,
// and reports what would have been different. The data directory is opened read-only
// (a running service may keep using it); nothing is written to it.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "base/time_text.h"
#include "bytecode/write.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "driver/const_override.h"
#include "engine/engine.h"
#include "store/store.h"
#include "whatif/whatif.h"

namespace rflow::cli {

namespace {

struct WhatIfCommand {
  std::string path = ".";
  std::string data;
  std::vector<std::string> sets;
  std::string workflow;
  std::string since;
  int64_t limit = -1;
  std::string format = "text";
};

int misuse(const std::string& message) {
  std::cerr << "rflow whatif: " << message << "\n";
  return 2;
}

int runWhatIf(const WhatIfCommand& c) {
  if (c.format != "text" && c.format != "json")
    return misuse(fmt::format("--format is `text` or `json`, not `{}`", c.format));
  if (c.sets.empty())
    return misuse("say what to change: --set NAME=VALUE (a constant of the project)");
  std::vector<compiler::ConstSetting> settings;
  for (const std::string& text : c.sets) {
    auto s = compiler::parseSetting(text);
    if (!s)
      return misuse(
          fmt::format("--set `{}`: write NAME=VALUE, e.g. --set "
                      "'AUTO_POST_LIMIT=10_000.00 USD'",
                      text));
    settings.push_back(std::move(*s));
  }
  whatif::WhatIfOptions options;
  if (!c.since.empty()) {
    auto t = base::parseTime(c.since);
    if (!t)
      return misuse(
          fmt::format("--since `{}` is not a time; write it as 2026-01-31T00:00:00Z", c.since));
    options.since = *t;
  }
  if (c.limit == 0 || c.limit < -1) return misuse("--limit is a number of instances, at least 1");
  if (c.limit > 0) options.limit = static_cast<size_t>(c.limit);

  auto built = compiler::buildWithConstants({c.path}, settings);
  if (auto* problem = std::get_if<std::string>(&built)) return misuse(*problem);
  compiler::OverrideBuild& b = std::get<compiler::OverrideBuild>(built);
  if (!b.built.ok()) {
    reportDiagnostics(b.built.check, "text", "checked");
    return 1;
  }
  bytecode::Module& module = *b.built.module;
  if (!c.workflow.empty()) {
    auto found = engine::findWorkflow(module, c.workflow);
    if (auto* error = std::get_if<engine::EngineError>(&found)) return misuse(error->message);
    options.workflows.push_back(module.strings[module.workflows[std::get<uint32_t>(found)].name]);
  } else {
    for (const bytecode::Workflow& w : module.workflows)
      options.workflows.push_back(module.strings[w.name]);
  }
  if (c.data.empty()) return misuse("give the data directory to replay: --data DIR");
  auto opened = store::Store::openReadOnly(c.data);
  if (auto* problem = std::get_if<std::string>(&opened)) return misuse(*problem);
  const store::Store& data = *std::get<std::unique_ptr<store::Store>>(opened);

  std::string setup_error;
  auto report = whatif::whatIf(data, bytecode::writeModule(module), options, setup_error);
  if (!report.ok()) {
    std::cerr << "rflow whatif: " << report.status().message() << "\n";
    return 1;
  }
  if (!setup_error.empty()) {
    std::cerr << "rflow whatif: the project cannot run: " << setup_error << "\n";
    return 1;
  }
  if (c.format == "json") {
    std::cout << whatif::renderJson(report.value());
    return 0;
  }
  for (const std::string& line : b.changed)
    std::cout << "with " << line << "\n";
  std::cout << whatif::renderText(report.value());
  return 0;
}

}  // namespace

void addWhatIfCommand(CLI::App& app, std::function<int()>& run) {
  auto c = std::make_shared<WhatIfCommand>();
  CLI::App* cmd = app.add_subcommand(
      "whatif", "Replay recorded instances with changed constants and report what would differ");
  cmd->add_option("path", c->path, "The project (a directory or file; default: .)");
  cmd->add_option("--data", c->data, "The data directory whose instances to replay (read only)");
  // One value per --set, so that `--set X=1 PATH` leaves PATH to the positional.
  cmd->add_option("--set", c->sets,
                  "NAME=VALUE: a constant and its value, as the language writes it; repeat "
                  "--set for more, quote a value with spaces (--set 'LIMIT=10_000.00 USD')")
      ->allow_extra_args(false);
  cmd->add_option("--workflow", c->workflow, "Replay only this workflow's instances");
  cmd->add_option("--since", c->since, "Only instances started at or after this time (RFC 3339)");
  cmd->add_option("--limit", c->limit, "At most this many instances (the oldest first)");
  cmd->add_option("--format", c->format, "text (default) or json");
  cmd->callback([c, &run] { run = [c] { return runWhatIf(*c); }; });
}

}  // namespace rflow::cli
