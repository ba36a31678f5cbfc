// `rflow serve [PATH] [--data DIR] [--listen ADDR] [--config FILE]` (runtime.md §2, §7):
// the project built and deployed, served over HTTP until SIGINT or SIGTERM. The service
// itself is in service/ (serve.h); this file is the command line and the signal wait.
#include <fmt/format.h>
#include <signal.h>

#include <iostream>

#include "cli/commands.h"
#include "service/serve.h"

namespace rflow::cli {

namespace {

int runServeCommand(const service::ServeOptions& options) {
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
    std::cerr << "rflow serve: " << *problem << "\n";
    return 1;
  }
  auto& server = std::get<std::unique_ptr<service::Server>>(opened);
  std::cout << "rflow serve: the dashboard is at " << server->url()
            << "/ (the API is under /v1). Stop with Ctrl-C." << std::endl;
  int received = 0;
  sigwait(&stop_signals, &received);
  std::cout << "rflow serve: stopping" << std::endl;
  server->stop();
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
  cmd->add_option("--time-scale", options->time_scale,
                  "Demos: the engine's time runs N times faster than the wall clock (default 1)");
  cmd->callback([options, &run] { run = [options] { return runServeCommand(*options); }; });
}

}  // namespace rflow::cli
