// `rflow serve [PATH] [--data DIR] [--listen ADDR] [--config FILE] [--cluster FILE]
// [--log-format text|json]` (runtime.md §2, §7; a cluster node: docs/cluster.md):
// the project built and deployed, served over HTTP until SIGINT or SIGTERM. The service
// itself is in service/ (serve.h); this file is the command line and the signal wait.
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/time_text.h"
#include "cli/commands.h"
#include "service/serve.h"

namespace rflow::cli {

namespace {

int runServeCommand(service::ServeOptions options, const std::string& log_format,
                    const std::string& clock_start) {
  if (!clock_start.empty()) {
    const auto start = base::parseTime(clock_start);
    if (!start.ok()) {
      std::cerr << "rflow serve: --clock-start " << clock_start
                << ": expected an RFC 3339 time such as 2026-11-20T00:00:00Z\n";
      return 2;
    }
    options.clock_start = start.value();
  }
  const auto format = service::parseLogFormat(log_format);
  if (!format) {
    std::cerr << "rflow serve: --log-format " << log_format
              << ": expected text (lines for people) or json (one JSON object per line on "
                 "stderr, with a line per request)\n";
    return 2;
  }
  const service::Log log(*format);
  options.log = &log;
  // Block the stop signals in every thread the service starts, and wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that disconnects mid-answer must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  auto opened = service::Server::open(options);
  if (auto* problem = std::get_if<std::string>(&opened)) {
    log.error(*problem);
    return 1;
  }
  auto& server = std::get<std::unique_ptr<service::Server>>(opened);
  log.info("the dashboard is at " + server->url() + "/ (the API is under /v1). Stop with Ctrl-C.");
  int received = 0;
  sigwait(&stop_signals, &received);
  const int64_t grace_ms = server->shutdownGraceMs();
  log.info(fmt::format(
      "stopping: no new requests; in-flight requests and steps finish (at most {} s, [service] "
      "shutdown_grace)",
      static_cast<double>(grace_ms) / 1000.0));
  // A stop that hangs (a connector that never answers, a disk that does not) must not
  // keep an orchestrator waiting past its own kill timeout: after the grace the process
  // exits anyway. Every committed step is in the store's log, so the next start carries
  // on from there.
  std::mutex mu;
  std::condition_variable stopped_cv;
  bool stopped = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (!stopped_cv.wait_for(lock, std::chrono::milliseconds(grace_ms), [&] { return stopped; })) {
      log.error(
          "did not stop within the grace; exiting now (the next start carries on every "
          "committed step)");
      std::_Exit(1);
    }
  });
  server->stop();
  {
    std::lock_guard lock(mu);
    stopped = true;
  }
  stopped_cv.notify_one();
  watchdog.join();
  log.info("stopped");
  return 0;
}

}  // namespace

void addServeCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<service::ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the project's workflows over HTTP");
  cmd->add_option("path", options->path, "The project: a directory or one .rflow file (default .)");
  cmd->add_option("--data", options->data,
                  "Data directory (default: .rflow-data inside the project directory)");
  cmd->add_option("--listen", options->listen,
                  "Address to listen on, host:port (default: rflow.toml's [service] listen, "
                  "else 127.0.0.1:8080)");
  cmd->add_option("--config", options->config,
                  "rflow.toml to use (default: the project's, if it has one)");
  cmd->add_option("--cluster", options->cluster,
                  "Run as one node of a cluster with the [cluster] settings of this TOML file "
                  "(node, nats, advertise, ...), in place of rflow.toml's [cluster] "
                  "(docs/cluster.md)");
  cmd->add_option("--time-scale", options->time_scale,
                  "Demos: the engine's time runs N times faster than the wall clock (default 1)");
  auto log_format = std::make_shared<std::string>("text");
  cmd->add_option("--log-format", *log_format,
                  "text (default: lines for people) or json (one JSON object per line on "
                  "stderr, with a line per HTTP request)");
  auto clock_start = std::make_shared<std::string>();
  cmd->add_option("--clock-start", *clock_start,
                  "Demos: the engine's clock starts at this RFC 3339 time (in the past) and runs "
                  "at --time-scale from there, to play history (default: the wall clock)");
  cmd->callback([options, log_format, clock_start, &run] {
    run = [options, log_format, clock_start] {
      return runServeCommand(*options, *log_format, *clock_start);
    };
  });
}

}  // namespace rflow::cli
