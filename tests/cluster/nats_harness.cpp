// The nats-server harness: configuration files, fork/exec with the log redirected, free
// ports, readiness through the monitoring port, and signals to recorded PIDs only.
#include "nats_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace rflow::cluster::testing {
namespace fs = std::filesystem;

int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool NatsServers::available() {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string d;
  while (std::getline(dirs, d, ':')) {
    if (!d.empty() && access((fs::path(d) / "nats-server").c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::unique_ptr<NatsServers> NatsServers::start(int count, std::string* error,
                                                const std::string& listen_host) {
  // freePort() releases the port it found, so another test's process may bind it first.
  for (int attempt = 0;; ++attempt) {
    auto started = startOnce(count, error, listen_host);
    if (started || attempt == 2 || error->find("address already in use") == std::string::npos)
      return started;
  }
}

std::unique_ptr<NatsServers> NatsServers::startOnce(int count, std::string* error,
                                                    const std::string& listen_host) {
  std::unique_ptr<NatsServers> s(new NatsServers());
  std::string tmpl = (fs::temp_directory_path() / "rflow-nats-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    *error = "cannot create a temporary directory";
    return nullptr;
  }
  s->dir_ = tmpl;
  s->servers_.resize(count);
  for (int i = 0; i < count; ++i) {
    Server& sv = s->servers_[i];
    sv.name = fmt::format("n{}", i + 1);
    sv.client_port = freePort();
    sv.cluster_port = freePort();
    sv.http_port = freePort();
    sv.config = s->dir_ / (sv.name + ".conf");
    sv.log = s->dir_ / (sv.name + ".log");
  }
  for (int i = 0; i < count; ++i) {
    const Server& sv = s->servers_[i];
    std::ofstream conf(sv.config);
    conf << fmt::format("server_name: {}\nlisten: {}:{}\nhttp: 127.0.0.1:{}\n", sv.name,
                        listen_host, sv.client_port, sv.http_port);
    conf << fmt::format(
        "jetstream {{ store_dir: \"{}\", max_memory_store: 32MB, max_file_store: 512MB }}\n",
        s->storeDir(i).string());
    if (count > 1) {
      conf << fmt::format("cluster {{ name: rf, listen: 127.0.0.1:{}, routes: [", sv.cluster_port);
      for (int j = 0; j < count; ++j) {
        conf << (j ? ", " : "")
             << fmt::format("nats-route://127.0.0.1:{}", s->servers_[j].cluster_port);
      }
      conf << "] }\n";
    }
  }
  for (int i = 0; i < count; ++i) {
    if (!s->launch(i, error)) return nullptr;
  }
  if (!s->waitReady(std::chrono::seconds(20), error)) return nullptr;
  return s;
}

NatsServers::~NatsServers() {
  for (int i = 0; i < size(); ++i)
    kill9(i);
  std::error_code ec;
  if (!dir_.empty() && !std::getenv("RFLOW_KEEP_NATS")) fs::remove_all(dir_, ec);
}

bool NatsServers::launch(int i, std::string* error) {
  Server& sv = servers_[i];
  const std::string config = sv.config.string();
  const std::string log = sv.log.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    // The child: die with the test, log to the server's file, become nats-server.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execlp("nats-server", "nats-server", "-c", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  sv.pid = pid;
  return true;
}

void NatsServers::kill9(int i) {
  Server& sv = servers_[i];
  if (sv.pid <= 0) return;
  ::kill(sv.pid, SIGKILL);
  int status = 0;
  waitpid(sv.pid, &status, 0);
  sv.pid = 0;
}

void NatsServers::stop(int i) {
  Server& sv = servers_[i];
  if (sv.pid <= 0) return;
  ::kill(sv.pid, SIGTERM);
  int status = 0;
  for (int tries = 0; tries < 200; ++tries) {
    if (waitpid(sv.pid, &status, WNOHANG) == sv.pid) {
      sv.pid = 0;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill9(i);
}

fs::path NatsServers::storeDir(int i) const {
  return dir_ / (servers_[i].name + "-store");
}

// The state letter of /proc/PID/stat ('T' when stopped), '?' when it cannot be read.
static char processState(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
}

void NatsServers::pause(int i) {
  if (servers_[i].pid <= 0) return;
  ::kill(servers_[i].pid, SIGSTOP);
  // kill() returns before every thread has stopped: a request sent at once could still be
  // answered. Wait until the kernel reports the process stopped.
  for (int tries = 0; tries < 200 && processState(servers_[i].pid) != 'T'; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void NatsServers::resume(int i) {
  if (servers_[i].pid > 0) ::kill(servers_[i].pid, SIGCONT);
}

bool NatsServers::restart(int i, std::string* error) {
  kill9(i);
  if (!launch(i, error)) return false;
  return waitReady(std::chrono::seconds(20), error);
}

std::vector<std::string> NatsServers::clientUrls() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i)
    out.push_back(clientUrl(i));
  return out;
}

std::string NatsServers::clientUrl(int i) const {
  return fmt::format("nats://127.0.0.1:{}", servers_[i].client_port);
}

int NatsServers::indexOf(const std::string& name) const {
  for (int i = 0; i < size(); ++i) {
    if (servers_[i].name == name) return i;
  }
  return -1;
}

std::string NatsServers::monitor(int i, const std::string& path) const {
  httplib::Client client("127.0.0.1", servers_[i].http_port);
  client.set_connection_timeout(std::chrono::milliseconds(500));
  client.set_read_timeout(std::chrono::seconds(2));
  auto res = client.Get(path);
  if (!res || res->status != 200) return {};
  return res->body;
}

bool NatsServers::readyOne(int i) const {
  if (monitor(i, "/healthz").find("\"ok\"") == std::string::npos) return false;
  if (size() == 1) return true;
  auto j = nlohmann::json::parse(monitor(i, "/jsz"), nullptr, false);
  if (j.is_discarded() || !j.contains("meta_cluster")) return false;
  return !j["meta_cluster"].value("leader", std::string()).empty();
}

bool NatsServers::waitReady(std::chrono::milliseconds timeout, std::string* error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    bool all = true;
    int waiting = -1;
    for (int i = 0; i < size() && all; ++i) {
      if (running(i) && !readyOne(i)) {
        all = false;
        waiting = i;
      }
    }
    if (all) return true;
    if (std::chrono::steady_clock::now() > deadline) {
      *error = fmt::format("nats-server {} not ready after {} ms; its log ends:\n{}",
                           servers_[waiting].name, timeout.count(), logTail(waiting));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<uint64_t> NatsServers::storedLastSeq(int i, const std::string& stream) const {
  auto j = nlohmann::json::parse(monitor(i, "/jsz?accounts=true&streams=true"), nullptr, false);
  if (j.is_discarded() || !j.contains("account_details")) return std::nullopt;
  for (const auto& account : j["account_details"]) {
    if (!account.contains("stream_detail")) continue;
    for (const auto& s : account["stream_detail"]) {
      if (s.value("name", std::string()) == stream && s.contains("state")) {
        return s["state"].value("last_seq", uint64_t{0});
      }
    }
  }
  return std::nullopt;
}

int NatsServers::streamsLed(int i) const {
  auto j = nlohmann::json::parse(monitor(i, "/jsz?accounts=true&streams=true"), nullptr, false);
  if (j.is_discarded() || !j.contains("account_details")) return 0;
  int led = 0;
  for (const auto& account : j["account_details"])
    if (account.contains("stream_detail"))
      for (const auto& s : account["stream_detail"])
        if (s.contains("cluster") && s["cluster"].value("leader", std::string()) == name(i)) ++led;
  return led;
}

std::string NatsServers::logTail(int i) const {
  std::ifstream in(servers_[i].log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  std::string out;
  for (size_t k = lines.size() > 15 ? lines.size() - 15 : 0; k < lines.size(); ++k) {
    out += lines[k] + "\n";
  }
  return out;
}

}  // namespace rflow::cluster::testing
