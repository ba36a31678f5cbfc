// A test harness that runs real nats-server processes (Debian's nats-server 2.9.10) on
// 127.0.0.1: 1 server, or 3 in one cluster, JetStream on, each store under one temporary
// directory, client/cluster/monitoring ports picked free. It records the PIDs it starts and
// signals only those (kill -9, SIGSTOP/SIGCONT, restart on the same ports and store);
// the destructor kills what still runs and removes the directory. A server also dies with
// the test process (PR_SET_PDEATHSIG), so a crashed test leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rflow::cluster::testing {

// A port the kernel says is free on 127.0.0.1 now (released for a server to take; 0 when
// none could be had).
int freePort();

class NatsServers {
 public:
  // nats-server is on PATH (the cluster tests skip themselves, saying so, when it is not).
  static bool available();
  // Starts `count` (1 or 3) servers and waits until JetStream is ready on each (a meta
  // leader elected when clustered). nullptr, with *error saying why, when they did not
  // come up in time. A server that lost one of its free ports to another process before
  // it could bind it (tests run side by side) is started again, on new ports, twice at
  // most.
  // `listen_host`: the address the client ports bind (0.0.0.0 for a node in a network
  // namespace that reaches them over a veth link); clientUrl() still names 127.0.0.1.
  static std::unique_ptr<NatsServers> start(int count, std::string* error,
                                            const std::string& listen_host = "127.0.0.1");
  ~NatsServers();
  NatsServers(const NatsServers&) = delete;
  NatsServers& operator=(const NatsServers&) = delete;

  int size() const { return static_cast<int>(servers_.size()); }
  std::vector<std::string> clientUrls() const;
  std::string clientUrl(int i) const;
  int clientPort(int i) const { return servers_[i].client_port; }
  // Server i's JetStream store directory (copied and restored by the log-regression
  // scenario while the server is down).
  std::filesystem::path storeDir(int i) const;
  std::string name(int i) const { return servers_[i].name; }
  // The index of the server with this server_name, -1 if none.
  int indexOf(const std::string& name) const;
  pid_t pid(int i) const { return servers_[i].pid; }
  bool running(int i) const { return servers_[i].pid > 0; }

  void kill9(int i);
  // SIGTERM (nats-server flushes its store and exits), kill -9 after 10 s.
  void stop(int i);
  // Starts a stopped server again (same ports, same store) without waiting for it.
  bool launchAgain(int i, std::string* error) { return launch(i, error); }
  void pause(int i);   // SIGSTOP
  void resume(int i);  // SIGCONT
  // Starts server i again with its ports and its store, and waits until it is ready.
  bool restart(int i, std::string* error);
  // Every running server answers /healthz and, when clustered, knows a meta leader.
  bool waitReady(std::chrono::milliseconds timeout, std::string* error);

  // GET on server i's monitoring port; empty when it did not answer.
  std::string monitor(int i, const std::string& path) const;
  // last_seq of `stream` as server i stores it (/jsz?accounts=true&streams=true).
  std::optional<uint64_t> storedLastSeq(int i, const std::string& stream) const;
  // How many streams (partition logs, buckets, snapshots) server i leads, as it reports.
  int streamsLed(int i) const;
  // The last lines of server i's log, for failure messages.
  std::string logTail(int i) const;

 private:
  static std::unique_ptr<NatsServers> startOnce(int count, std::string* error,
                                                const std::string& listen_host);
  struct Server {
    std::string name;
    int client_port = 0;
    int cluster_port = 0;
    int http_port = 0;
    std::filesystem::path config;
    std::filesystem::path log;
    pid_t pid = 0;
  };
  NatsServers() = default;
  bool launch(int i, std::string* error);
  bool readyOne(int i) const;

  std::filesystem::path dir_;
  std::vector<Server> servers_;
};

}  // namespace rflow::cluster::testing

// In a test's body or SetUp: skips the test, saying why, when nats-server is not on PATH.
#define REQUIRE_NATS_SERVER()                                                   \
  if (!::rflow::cluster::testing::NatsServers::available()) {                   \
    GTEST_SKIP() << "nats-server is not on PATH: install Debian's nats-server " \
                    "(scripts/setup.sh) to run the cluster tests";              \
  }
