// Assembling and stopping the service.
#include "service/serve.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "base/time_text.h"
#include "bytecode/write.h"
#include "diagnostics/render.h"
#include "driver/docs.h"
#include "runtime/cluster_file.h"
#include "runtime/project_config.h"
#include "service/serve_parts.h"

namespace rflow::service {

namespace fs = std::filesystem;

Server::Server() : parts_(std::make_unique<Parts>()) {}

Server::~Server() {
  stop();
}

node::Node* Server::node() {
  return parts_ ? parts_->node.get() : nullptr;
}

void Server::stop() {
  if (!parts_) return;
  if (parts_->node) return stopCluster();
  if (parts_->http) parts_->http->stop();
  if (parts_->scheduler) parts_->scheduler->stop();
  // A backup being made is finished (its files are copied while the store is open).
  if (parts_->backups) parts_->backups->stop();
  if (parts_->engine) parts_->engine->stopWorkers();
  parts_->calls.reset();
  parts_->http.reset();
  parts_->router.reset();
  parts_->service.reset();
  parts_->backups.reset();
  parts_->scheduler.reset();
  parts_->engine.reset();
  parts_->model_store.reset();
  // Memtables to table files: the next start replays no log. Committed steps are in the
  // log already, so a failure here loses nothing and only makes that start slower.
  if (parts_->store) (void)parts_->store->flush();
  parts_->store.reset();
  parts_.reset();
  engine_ = nullptr;
}

std::variant<std::pair<std::string, uint16_t>, std::string> parseListen(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return fmt::format("--listen {}: expected host:port, like 127.0.0.1:8080", text);
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535)
      return fmt::format("--listen {}: the port must be a number from 0 to 65535", text);
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port_text.empty() || port > 65535)
    return fmt::format("--listen {}: the port must be a number from 0 to 65535", text);
  return std::pair<std::string, uint16_t>{host, static_cast<uint16_t>(port)};
}

std::variant<std::unique_ptr<Server>, std::string> Server::open(const ServeOptions& options) {
  auto server = std::unique_ptr<Server>(new Server());
  Parts& p = *server->parts_;
  if (options.log == nullptr) {
    const Log::Sink print = options.print ? options.print : [](const std::string& line) {
      std::cout << line << std::endl;
    };
    p.own_log = std::make_unique<Log>(LogFormat::kText, print, print);
  }
  Opening o;
  o.log = options.log != nullptr ? options.log : p.own_log.get();
  if (auto problem = server->prepare(options, o)) return *problem;
  auto problem =
      p.config.cluster.enabled ? server->openCluster(options, o) : server->openSingle(options, o);
  if (problem) return *problem;
  return server;
}

namespace {

std::string buildFailure(const std::string& path, const compiler::BuildResult& built) {
  std::string text = fmt::format("{} does not build, so nothing was served:", path);
  for (const auto& d : built.check.diagnostics) {
    if (d.severity == diagnostics::Severity::kError)
      text += "\n" + diagnostics::renderText(d, built.check.sources);
  }
  return text;
}

}  // namespace

std::optional<std::string> Server::prepare(const ServeOptions& options, Opening& o) {
  Parts& p = *parts_;
  const Log& log = *o.log;
  if (!(options.time_scale >= 1 && options.time_scale <= kMaxTimeScale))
    return fmt::format("--time-scale {}: expected a number from 1 (real time) to {}",
                       options.time_scale, kMaxTimeScale);
  if (options.clock_start && *options.clock_start > p.system_clock.now())
    return fmt::format(
        "--clock-start {}: that is in the future; the clock can start in the past "
        "only (it never goes backwards, and the wall clock is the latest it knows)",
        base::formatTime(*options.clock_start));

  // The project.
  const std::vector<std::string> paths{options.path};
  o.built = compiler::buildPaths(paths);
  if (!o.built.module) return buildFailure(options.path, o.built);
  const fs::path project(options.path);
  std::error_code ec;
  o.project_dir = fs::is_directory(project, ec) ? project : project.parent_path();

  // rflow.toml and the connectors; a --cluster file's [cluster] in place of its own.
  auto settings = runtime::loadProjectConfig(options.path, options.config, *o.built.module);
  if (auto* problem = std::get_if<std::string>(&settings)) return *problem;
  p.config = std::move(std::get<runtime::ProjectConfig>(settings).config);
  if (!options.cluster.empty()) {
    auto cluster = runtime::loadClusterFile(options.cluster);
    if (auto* problem = std::get_if<std::string>(&cluster)) return *problem;
    p.config.cluster = std::get<runtime::ClusterConfig>(std::move(cluster));
  }
  grace_ms_ = p.config.service.shutdown_grace_ms;
  p.connectors = std::make_unique<runtime::ConnectorSet>(
      std::move(std::get<runtime::ProjectConfig>(settings).connectors));
  if (auto errors = runtime::checkUserRoles(p.config, *o.built.module); !errors.empty())
    return runtime::describe(errors);
  if (!p.config.service.tls_cert.empty()) {
    o.tls = TlsFiles{p.config.service.tls_cert, p.config.service.tls_key};
    if (auto problem = checkTls(*o.tls)) return "HTTPS cannot be served: " + *problem;
  }

  // The classifier models: a configured model that cannot serve is refused now rather
  // than discovered at the first `classify`.
  const runtime::ModelLoadReport models = p.models.load(*o.built.module, p.config);
  if (auto failure = models.failure()) return *failure;
  for (const std::string& warning : models.warnings)
    log.warning(warning);

  if (!options.clock && (options.time_scale != 1 || options.clock_start))
    p.scaled_clock.emplace(options.time_scale, options.clock_start);
  o.clock = options.clock    ? options.clock
            : p.scaled_clock ? static_cast<const engine::Clock*>(&*p.scaled_clock)
                             : &p.system_clock;
  // Under --time-scale the circuit breakers cool down on the engine's clock, as the
  // retries' backoff does: on the wall clock, a 30 s cooldown at 60x kept a connector's
  // circuit open for half a simulated hour after one outage. (The scaled clock never goes
  // backwards; the wall clock can, so without a scale the breakers keep their own.)
  std::function<int64_t()> breaker_clock;
  if (p.scaled_clock) breaker_clock = [&scaled = *p.scaled_clock] { return scaled.now(); };
  p.calls = std::make_unique<runtime::ConnectorCalls>(
      *p.connectors, std::max<size_t>(4, p.config.engine.workers), runtime::BreakerOptions{},
      std::move(breaker_clock));
  return std::nullopt;
}

std::optional<std::string> Server::openSingle(const ServeOptions& options, Opening& o) {
  Parts& p = *parts_;
  const Log& log = *o.log;
  // The store.
  data_ = options.data.empty() ? (o.project_dir / ".rflow-data").string() : options.data;
  std::error_code ec;
  fs::create_directories(data_, ec);
  if (ec) return fmt::format("cannot create the data directory {}: {}", data_, ec.message());
  auto opened = store::Store::open(
      data_, {.durability = p.config.engine.durability == runtime::Durability::kSync
                                ? store::Durability::kSync
                                : store::Durability::kAsync,
              .in_memory = false,
              .env = options.store_env});
  if (auto* problem = std::get_if<std::string>(&opened)) return *problem;
  p.store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
  if (auto problem = checkBackupDirectory(p.config, data_)) return *problem;
  p.backups = std::make_unique<Backups>(*p.store, p.config.backup,
                                        [&log](const std::string& line) { log.info(line); });

  // The engine: deploy the project, then carry on what the last process left.
  const engine::Clock& clock = *o.clock;
  // The models the store keeps (uploads, and rflow.toml's as last seen) before the engine
  // recovers: recovered steps classify with the model that was current when it stopped.
  p.model_store = std::make_unique<runtime::ModelStore>(*p.store, p.models);
  const runtime::ModelLoadReport kept = p.model_store->restore(*o.built.module, clock.now());
  if (!kept.errors.empty())
    return "the classifier models kept in the data directory cannot be read: " + kept.errors[0];
  for (const std::string& warning : kept.warnings)
    log.warning(warning);
  engine::EngineOptions engine_options;
  engine_options.classifiers = &p.models;
  engine_options.commits.nice = p.config.engine.commit_nice;
  p.engine = std::make_unique<engine::Engine>(*p.store, clock, *p.calls, engine_options);
  if (const std::string& why = p.engine->commitPriorityProblem(); !why.empty()) log.warning(why);
  engine_ = p.engine.get();
  auto deployed = p.engine->deploy(bytecode::writeModule(*o.built.module));
  if (auto* error = std::get_if<engine::EngineError>(&deployed))
    return "the project cannot be deployed: " + error->message;
  if (auto recovered = p.engine->recover(); !recovered)
    return "the data directory cannot be read to carry on its work: " + recovered.error().message;

  // Who may call.
  p.auth = std::make_unique<Authenticator>(Authenticator::fromConfig(p.config));
  if (p.auth->empty()) {
    auto admin = ensureAdminToken(data_);
    if (auto* problem = std::get_if<std::string>(&admin)) return *problem;
    AdminBootstrap& boot = std::get<AdminBootstrap>(admin);
    if (boot.new_token) {
      log.info(
          fmt::format("rflow.toml configures no users, so an admin token was made. It is shown "
                      "only now; its SHA-256 is kept in {}:\n\n    {}\n",
                      boot.file.string(), *boot.new_token));
    }
    p.auth->add(std::move(boot.user));
  }

  // The API.
  p.service = std::make_unique<Service>(*p.engine, *p.connectors, p.config);
  p.service->setDocs(std::get<std::string>(deployed), compiler::collectDocs(o.built.check.program));
  p.service->setBreakers([calls = p.calls.get()] { return calls->breakers(); });
  p.service->setModels(&p.models, p.model_store.get());
  p.service->setBackups(p.backups.get());
  p.router =
      std::make_unique<Router>(*p.service, *p.auth, p.config.service.metrics_open, options.limits);
  if (auto problem = bindHttp(options, o, *p.router)) return *problem;

  p.engine->startWorkers(std::max<uint32_t>(1, p.config.engine.workers));
  p.scheduler = std::make_unique<Scheduler>(
      *p.engine, SchedulerOptions{options.poll_ms, true, {}, [&log](const std::string& line) {
                                    log.info(line);
                                  }});
  p.scheduler->start();
  p.backups->start();
  p.http->start();
  log.info(fmt::format("{} workflows of version {} at {}/v1 (data in {})",
                       o.built.module->workflows.size(),
                       std::get<std::string>(deployed).substr(0, 12), url_, data_));
  if (p.scaled_clock)
    log.info(fmt::format("time runs {}x faster than the wall clock (--time-scale), from {}",
                         options.time_scale, base::formatTime(clock.now())));
  return std::nullopt;
}

std::optional<std::string> Server::bindHttp(const ServeOptions& options, const Opening& o,
                                            const RequestHandler& handler) {
  Parts& p = *parts_;
  const std::string listen = options.listen.empty() ? p.config.service.listen : options.listen;
  auto address = parseListen(listen);
  if (auto* problem = std::get_if<std::string>(&address)) return *problem;
  const auto& [host, port] = std::get<std::pair<std::string, uint16_t>>(address);
  auto http = HttpServer::create(handler, options.limits, *o.log, o.tls);
  if (auto* problem = std::get_if<std::string>(&http)) return *problem;
  p.http = std::move(std::get<std::unique_ptr<HttpServer>>(http));
  auto bound = p.http->bind(host, port);
  if (auto* problem = std::get_if<std::string>(&bound)) return *problem;
  port_ = std::get<int>(bound);
  const bool v6 = host.find(':') != std::string::npos;
  url_ = fmt::format("{}://{}{}{}:{}", o.tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
                     port_);
  if (!o.tls && !isLoopback(host))
    o.log->warning(fmt::format(
        "{} is reachable from other machines over plain HTTP: bearer tokens and workflow data "
        "cross the network in clear text. Set tls_cert and tls_key in rflow.toml's [service] "
        "(docs/operations.md, HTTPS), or listen on 127.0.0.1 behind a TLS-terminating proxy",
        url_));
  return std::nullopt;
}

std::string Server::serveRaw(std::string_view raw) {
  return parts_->http->serveRaw(raw);
}

}  // namespace rflow::service
