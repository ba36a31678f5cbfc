// `rflow run PATH --workflow W --input JSON [--data DIR] [--config FILE]` (runtime.md §2):
// builds the project, runs one instance on the durable engine with the configured
// connectors until it ends or waits for something this process cannot give it (a
// person, a signal, a timer further away than --wait), and prints its state as one JSON
// object. Exit 0 when completed or waiting, 1 when failed, cancelled or not started.
//
// With --data the instance is kept: a later `rflow run PATH --data DIR --instance ID`
// (after a crash, a restart, or the timer's time) recovers the data directory (calls
// re-sent with their Idempotency-Key, due timers fired) and carries the instance on;
// --signal hands it a signal first. --request-id makes a start happen at most once, so
// a script can repeat a run whose answer it lost.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "base/time_text.h"
#include "bytecode/write.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "driver/build.h"
#include "engine/engine.h"
#include "runtime/connector_calls.h"
#include "runtime/duration_text.h"
#include "runtime/model_registry.h"
#include "runtime/project_config.h"
#include "runtime/wire.h"
#include "vm/print.h"

namespace rflow::cli {

namespace {

using nlohmann::json;
// The printed state keeps runtime.md §2's order: instance, workflow, status, result, error.
using ordered = nlohmann::ordered_json;

struct RunOptions {
  std::string path;
  std::string workflow;
  std::string input = "{}";
  std::string data;
  std::string config;
  std::string instance;
  std::string request_id;
  std::string signal;
  std::string signal_value = "{}";
  std::string wait = "10s";
  bool history = false;
};

// The printed state (runtime.md §2), with the waits and, on --history, the audit trail
// and the instance's tasks; a string when the store cannot be read.
std::variant<ordered, std::string> describe(engine::Engine& engine, const engine::InstanceView& v,
                                            bool history) {
  const bytecode::Module& m = v.program->module();
  ordered out = ordered::object();
  out["instance"] = v.id;
  out["workflow"] = v.workflow;
  out["status"] = engine::statusName(v.status);
  out["result"] = nullptr;
  if (v.result && v.workflow_index < m.workflows.size())
    out["result"] = runtime::encode(*v.result, m.workflows[v.workflow_index].result, m);
  out["error"] = v.error ? ordered(*v.error) : ordered(nullptr);
  if (v.key) out["key"] = *v.key;
  if (v.status == engine::Status::kWaiting) {
    ordered waits = ordered::array();
    for (const engine::Wait& w : v.waits) {
      ordered item = {{"kind", engine::waitKindName(w.kind)}, {"detail", w.detail}};
      if (w.until) item["until"] = base::formatTime(*w.until);
      waits.push_back(std::move(item));
    }
    out["waiting_for"] = std::move(waits);
  }
  if (history) {
    ordered audit = ordered::array();
    auto trail = engine.history(v.id);
    if (!trail) return trail.error().message;
    for (const engine::AuditEntry& e : *trail) {
      ordered item = {
          {"seq", e.seq}, {"at", base::formatTime(e.at)}, {"kind", e.kind_text}, {"text", e.text}};
      if (!e.by.empty()) item["by"] = e.by;
      audit.push_back(std::move(item));
    }
    out["audit"] = std::move(audit);
    engine::TaskFilter filter;
    filter.instance = v.id;
    filter.open_only = false;
    filter.limit = 10'000;
    ordered tasks = ordered::array();
    auto found = engine.tasks(filter);
    if (!found) return found.error().message;
    for (const engine::TaskView& t : *found) {
      tasks.push_back({{"id", t.record.id},
                       {"title", t.record.title},
                       {"status", engine::taskStatusName(t.record.status)}});
    }
    out["tasks"] = std::move(tasks);
  }
  return out;
}

// Runs the data directory's work until `id` ends or waits for something that will not
// come within `max_wait_ms`: a person, a signal, a later timer.
void runUntilSettled(engine::Engine& engine, const engine::Clock& clock, const std::string& id,
                     int64_t max_wait_ms) {
  for (;;) {
    engine.runUntilIdle(/*wait_for_calls=*/true);
    const auto v = engine.instance(id);
    if (!v || !engine::isLive(v->status)) return;
    const int64_t now = clock.now();
    const auto next = engine.nextTimer();
    if (next && *next <= now) {
      engine.fireTimers(now);
      continue;
    }
    if (!next || *next - now > max_wait_ms) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(*next - now));
  }
}

int runRunCommand(const RunOptions& options) {
  if (options.instance.empty() && options.workflow.empty())
    return commandFailed("run",
                         "say which workflow to start with --workflow NAME (or continue one with "
                         "--instance ID and --data DIR)");
  if (!options.instance.empty() && options.data.empty())
    return commandFailed(
        "run",
        "--instance needs --data DIR: without a data directory nothing is kept between "
        "runs");
  const auto max_wait = runtime::parseDurationText(options.wait);
  if (const auto* problem = std::get_if<std::string>(&max_wait))
    return commandFailed("run", fmt::format("--wait {}: {}", options.wait, *problem));

  // The project.
  const std::vector<std::string> paths{options.path};
  compiler::BuildResult built = compiler::buildPaths(paths);
  if (!built.module) {
    reportDiagnostics(built.check, "text", "checked");
    return 1;
  }
  const std::vector<uint8_t> bytes = bytecode::writeModule(*built.module);

  // rflow.toml: --config, else the project's own, else defaults (no connectors).
  auto settings = runtime::loadProjectConfig(options.path, options.config, *built.module);
  if (auto* problem = std::get_if<std::string>(&settings)) return commandFailed("run", *problem);
  const runtime::Config& config = std::get<runtime::ProjectConfig>(settings).config;
  const runtime::ConnectorSet& connectors = std::get<runtime::ProjectConfig>(settings).connectors;

  // The classifier models [classifiers.NAME] configures; refused now, not at `classify`.
  runtime::ModelRegistry models;
  const runtime::ModelLoadReport loaded = models.load(*built.module, config);
  if (auto failure = loaded.failure()) return commandFailed("run", *failure);
  for (const std::string& warning : loaded.warnings)
    std::cerr << "rflow run: warning: " << warning << "\n";

  // The store: the data directory, or memory (nothing kept).
  const bool in_memory = options.data.empty();
  auto opened =
      store::Store::open(in_memory ? std::string("/rflow-run-memory") : options.data,
                         {.durability = config.engine.durability == runtime::Durability::kSync
                                            ? store::Durability::kSync
                                            : store::Durability::kAsync,
                          .in_memory = in_memory,
                          .env = {}});
  if (auto* problem = std::get_if<std::string>(&opened)) return commandFailed("run", *problem);
  std::unique_ptr<store::Store> store = std::move(std::get<std::unique_ptr<store::Store>>(opened));

  engine::SystemClock clock;
  runtime::ConnectorCalls calls(connectors, std::max<size_t>(4, config.engine.workers));
  engine::EngineOptions engine_options;
  engine_options.classifiers = &models;
  engine::Engine engine(*store, clock, calls, engine_options);
  auto deployed = engine.deploy(bytes);
  if (auto* error = std::get_if<engine::EngineError>(&deployed))
    return commandFailed("run", error->message);
  // Work the last process left behind: instances not begun, calls to send again, results
  // not handed over. Its timers fire below when due.
  if (auto recovered = engine.recover(); !recovered)
    return commandFailed("run", recovered.error().message);

  std::string id = options.instance;
  if (id.empty()) {
    const bytecode::Module& m = *built.module;
    const auto found = engine::findWorkflow(m, options.workflow);
    if (const auto* error = std::get_if<engine::EngineError>(&found))
      return commandFailed("run", error->message);
    const uint32_t w = std::get<uint32_t>(found);
    auto input = runtime::parseJson(options.input);
    if (auto* problem = std::get_if<std::string>(&input))
      return commandFailed("run", "--input: " + *problem);
    auto args = runtime::decodeArguments(std::get<json>(input), m.workflows[w].params, m);
    if (auto* error = std::get_if<runtime::WireError>(&args))
      return commandFailed(
          "run", fmt::format("--input for `{}`: {}",
                             vm::declaredName(m.strings[m.workflows[w].name]), error->text()));
    auto started = engine.start(options.workflow, std::move(std::get<std::vector<vm::Value>>(args)),
                                {.spawn = false, .request_id = options.request_id});
    if (auto* error = std::get_if<engine::EngineError>(&started))
      return commandFailed("run", error->message);
    id = std::get<engine::InstanceView>(started).id;
  } else if (auto found = engine.instance(id); !found) {
    return commandFailed("run", found.notFound()
                                    ? fmt::format("there is no instance {} in {}", id, options.data)
                                    : found.error().message);
  }

  if (!options.signal.empty()) {
    const auto v = engine.instance(id);
    if (!v) return commandFailed("run", v.error().message);
    const bytecode::Module& m = v->program->module();
    const auto record = engine::signalRecord(m, options.signal);
    const auto type = record ? v->program->recordType(*record) : std::nullopt;
    if (!type)
      return commandFailed("run", fmt::format("there is no signal `{}` in the version {} runs on",
                                              options.signal, id));
    auto text = runtime::parseJson(options.signal_value);
    if (auto* problem = std::get_if<std::string>(&text))
      return commandFailed("run", "--value: " + *problem);
    auto value = runtime::decode(std::get<json>(text), *type, m);
    if (auto* error = std::get_if<runtime::WireError>(&value))
      return commandFailed("run",
                           fmt::format("--value for `{}`: {}", options.signal, error->text()));
    if (auto error = engine.signal(id, options.signal, std::get<vm::Value>(std::move(value))))
      return commandFailed("run", error->message);
  }

  runUntilSettled(engine, clock, id, std::get<int64_t>(max_wait));
  const auto v = engine.instance(id);
  if (!v)
    return commandFailed("run",
                         fmt::format("instance {} cannot be read back: {}", id, v.error().message));
  auto described = describe(engine, *v, options.history);
  if (auto* problem = std::get_if<std::string>(&described)) return commandFailed("run", *problem);
  std::cout << std::get<ordered>(described).dump() << "\n";
  return v->status == engine::Status::kCompleted || v->status == engine::Status::kWaiting ||
                 v->status == engine::Status::kRunning
             ? 0
             : 1;
}

}  // namespace

void addRunCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run one workflow instance with the configured connectors and print its state");
  cmd->add_option("path", options->path, "The project: a directory or one .rflow file")->required();
  cmd->add_option("--workflow", options->workflow, "The workflow to start");
  cmd->add_option("--input", options->input,
                  "Its arguments: a JSON object keyed by parameter name (default {})");
  cmd->add_option("--data", options->data,
                  "Data directory to keep the instance in (default: memory, nothing kept)");
  cmd->add_option("--config", options->config,
                  "rflow.toml to use (default: the project's, if it has one)");
  cmd->add_option("--instance", options->instance,
                  "Carry on an instance kept in --data instead of starting one");
  cmd->add_option("--request-id", options->request_id,
                  "Start at most once per id: a repeated run returns the same instance");
  cmd->add_option("--signal", options->signal, "Send this signal to the instance first");
  cmd->add_option("--value", options->signal_value,
                  "The signal's fields as a JSON object (default {})");
  cmd->add_option("--wait", options->wait,
                  "Wait for timers due within this long (default 10s); later ones leave the "
                  "instance Waiting");
  cmd->add_flag("--history", options->history, "Add the audit trail and the tasks to the output");
  cmd->callback([options, &run] { run = [options] { return runRunCommand(*options); }; });
}

}  // namespace rflow::cli
