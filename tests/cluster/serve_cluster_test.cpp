// `rflow serve --cluster` as processes (service/serve.h, docs/cluster.md "Running a
// cluster"): two rflow nodes on one nats-server (the harness's, on 127.0.0.1) sharing 4
// partitions, started from one project whose rflow.toml configures no users. Exactly one
// node prints the cluster's admin token, and both accept it. A start through node A of an
// instance whose partition B owns lands on B, is listed through both, and its approval is
// decided through A. B stops cleanly (SIGTERM, exit 0): A claims B's partitions, and the
// instance is still there and completes through A. The `on schedule` trigger fires on one
// partition only. Ownership is read from outside through the protocol itself: a forwarded
// request for a partition a node does not own is answered 421, one it owns 404 (no such id).
//
// The test records the PIDs it starts and signals only those; every node dies with the test
// (PR_SET_PDEATHSIG). Every wait has a deadline. Skipped, saying why, without nats-server.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "engine/partition.h"
#include "nats_harness.h"

namespace rflow::service {
namespace {

using cluster::testing::NatsServers;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uint32_t kPartitions = 4;

constexpr const char* kProject = R"(module shop

signal Shipped { tracking: string }

workflow Ship(id: string, approver: User) -> string {
  owner "ops"
  key id
  let ok = approval "Ship {id}" {
    assign approver
  }
  if not ok.approved {
    return "declined"
  }
  let shipped = await Shipped timeout 30d
  return shipped?.tracking ?? "lost"
}

workflow Tick() {
  owner "ops"
  note "tick"
}

on schedule "* * * * *" start Tick()
)";

int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename Pred>
bool waitFor(std::chrono::milliseconds limit, Pred pred) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

struct Reply {
  int status = 0;
  json body;
  std::string text;
};

// One `rflow serve --cluster` process.
struct RflowNode {
  std::string name;
  int port = 0;
  fs::path log;
  pid_t pid = 0;

  std::string url() const { return fmt::format("http://127.0.0.1:{}", port); }

  Reply send(const std::string& method, const std::string& path, const json& body,
             const std::string& token, httplib::Headers headers = {}) const {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(2s);
    client.set_read_timeout(30s);
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET"
                            ? client.Get(path, headers)
                            : client.Post(path, headers, body.dump(), "application/json");
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.text = r->body;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }
};

class ServeClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(1, &error);
    ASSERT_TRUE(nats_) << error;
    dir_ = fs::temp_directory_path() / fmt::format("rflow-serve-cluster-{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "project");
    std::ofstream(dir_ / "project" / "shop.rflow") << kProject;
    std::ofstream(dir_ / "project" / "rflow.toml") << "[engine]\nworkers = 2\n";
    for (const char* name : {"node-a", "node-b"}) {
      RflowNode node;
      node.name = name;
      node.port = freePort();
      node.log = dir_ / (std::string(name) + ".log");
      std::ofstream(dir_ / (std::string(name) + ".toml")) << fmt::format(
          "[cluster]\nnode = \"{}\"\nnats = [\"{}\"]\nadvertise = \"{}\"\npartitions = {}\n"
          "replicas = 1\nmember_ttl = \"8s\"\n",
          name, nats_->clientUrl(0), node.url(), kPartitions);
      nodes_.push_back(node);
    }
  }

  void TearDown() override {
    for (RflowNode& node : nodes_)
      kill9(node);
    if (HasFailure()) {
      for (const RflowNode& node : nodes_)
        std::fprintf(stderr, "---- %s's log:\n%s\n", node.name.c_str(), readFile(node.log).c_str());
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void launch(RflowNode& node) {
    const std::string project = (dir_ / "project").string();
    const std::string cluster = (dir_ / (node.name + ".toml")).string();
    const std::string data = (dir_ / ("data-" + node.name)).string();
    const std::string listen = fmt::format("127.0.0.1:{}", node.port);
    const std::string log = node.log.string();
    const pid_t parent = getpid();
    const pid_t pid = fork();
    ASSERT_GE(pid, 0) << "fork failed";
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
      execl(RFLOW_BINARY, RFLOW_BINARY, "serve", project.c_str(), "--cluster", cluster.c_str(),
            "--data", data.c_str(), "--listen", listen.c_str(), "--time-scale", "60",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    node.pid = pid;
  }

  static void kill9(RflowNode& node) {
    if (node.pid <= 0) return;
    ::kill(node.pid, SIGKILL);
    int status = 0;
    waitpid(node.pid, &status, 0);
    node.pid = 0;
  }

  // SIGTERM, then the exit status (-1 when it did not exit within `limit`).
  static int stop(RflowNode& node, std::chrono::milliseconds limit) {
    ::kill(node.pid, SIGTERM);
    int status = 0;
    const bool exited = waitFor(limit, [&] { return waitpid(node.pid, &status, WNOHANG) > 0; });
    if (!exited) return -1;
    node.pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // 404 for a forwarded request naming an id on `p`: the node owns p; 421: it does not.
  bool owns(const RflowNode& node, uint32_t p) const {
    const std::string id = fmt::format("in-0999999999{}", engine::partitionSuffix(p));
    return node.send("GET", "/v1/instances/" + id, nullptr, token_, {{"Rflow-Forwarded", "1"}})
               .status == 404;
  }

  // The token the one node that made it printed.
  std::string tokenFromLogs(int* printed_by) const {
    static const std::regex kToken("rflow_[0-9a-f]{64}");
    std::string token;
    *printed_by = 0;
    for (const RflowNode& node : nodes_) {
      std::smatch m;
      const std::string log = readFile(node.log);
      if (std::regex_search(log, m, kToken)) {
        token = m.str();
        ++*printed_by;
      }
    }
    return token;
  }

  std::unique_ptr<NatsServers> nats_;
  fs::path dir_;
  std::vector<RflowNode> nodes_;
  std::string token_;
};

TEST_F(ServeClusterTest, TwoNodesServeOneClusterAndTheSurvivorCompletesTheOthersInstance) {
  RflowNode& a = nodes_[0];
  RflowNode& b = nodes_[1];
  // Together, within the first placement's settle time (member_ttl / 2: 4 s, generous on a
  // loaded machine), so that they share the partitions.
  launch(a);
  launch(b);
  const auto both_up = [&] {
    return a.send("GET", "/healthz", nullptr, "").status == 200 &&
           b.send("GET", "/healthz", nullptr, "").status == 200;
  };
  ASSERT_TRUE(waitFor(30s, both_up)) << "the nodes did not come up";

  int printed_by = 0;
  ASSERT_TRUE(waitFor(5s, [&] { return !(token_ = tokenFromLogs(&printed_by)).empty(); }));
  EXPECT_EQ(printed_by, 1) << "the cluster's admin token is made by one node only";

  // Every partition is owned by exactly one of them, and each owns some.
  std::vector<uint32_t> on_b;
  ASSERT_TRUE(waitFor(20s, [&] {
    on_b.clear();
    for (uint32_t p = 0; p < kPartitions; ++p) {
      const bool oa = owns(a, p), ob = owns(b, p);
      if (oa == ob) return false;
      if (ob) on_b.push_back(p);
    }
    return true;
  }));
  // Each node reaches every partition: a list through either is complete.
  ASSERT_TRUE(waitFor(10s, [&] {
    return a.send("GET", "/v1/instances", nullptr, token_).status == 200 &&
           b.send("GET", "/v1/instances", nullptr, token_).status == 200;
  }));
  ASSERT_FALSE(on_b.empty()) << "node-b owns no partition";
  ASSERT_LT(on_b.size(), kPartitions) << "node-a owns no partition";

  // A key whose instance lands on one of B's partitions, started through A.
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    const std::string k = fmt::format("S-{}", i);
    if (engine::partitionFor("shop.Ship", k, kPartitions) == on_b.front()) key = k;
  }
  Reply started =
      a.send("POST", "/v1/workflows/Ship/instances", {{"id", key}, {"approver", "admin"}}, token_);
  ASSERT_EQ(started.status, 201) << started.text;
  const std::string id = started.body.value("id", "");
  EXPECT_EQ(engine::partitionOfId(id), on_b.front()) << id;
  // Both find it by id, and list it.
  for (const RflowNode* node : {&a, &b}) {
    Reply one = node->send("GET", "/v1/instances/" + id, nullptr, token_);
    ASSERT_EQ(one.status, 200) << node->name << ": " << one.text;
    Reply list = node->send("GET", "/v1/instances?workflow=Ship", nullptr, token_);
    ASSERT_EQ(list.status, 200) << node->name << ": " << list.text;
    ASSERT_EQ(list.body["items"].size(), 1u) << list.text;
    EXPECT_EQ(list.body["items"][0]["id"], id);
  }
  // Without the token, through either node: 401, as on one node.
  EXPECT_EQ(b.send("GET", "/v1/instances/" + id, nullptr, "").status, 401);
  EXPECT_EQ(a.send("GET", "/v1/instances/" + id, nullptr, "wrong").status, 401);

  // The approval decided through A.
  Reply view = a.send("GET", "/v1/instances/" + id, nullptr, token_);
  ASSERT_TRUE(view.body["waiting_for"].is_array() && !view.body["waiting_for"].empty())
      << view.text;
  const std::string task = view.body["waiting_for"][0]["task"];
  Reply decided = a.send("POST", "/v1/tasks/" + task + "/decision", {{"approve", true}}, token_);
  ASSERT_EQ(decided.status, 200) << decided.text;

  // B stops cleanly; A takes its partitions (B deleted its member entry: no TTL to wait).
  ASSERT_EQ(stop(b, 30s), 0) << "node-b did not stop cleanly";
  ASSERT_TRUE(waitFor(20s, [&] {
    for (uint32_t p = 0; p < kPartitions; ++p) {
      if (!owns(a, p)) return false;
    }
    return true;
  })) << "node-a did not take every partition";

  // The instance is there, waiting for its signal, and completes through A.
  Reply kept = a.send("GET", "/v1/instances/" + id, nullptr, token_);
  ASSERT_EQ(kept.status, 200) << kept.text;
  EXPECT_EQ(kept.body["status"], "Waiting") << kept.text;
  EXPECT_EQ(kept.body["waiting_for"][0]["detail"], "Shipped") << kept.text;
  Reply signalled =
      a.send("POST", "/v1/keys/Ship/" + key + "/signals/Shipped", {{"tracking", "TRK-1"}}, token_);
  ASSERT_EQ(signalled.status, 200) << signalled.text;
  ASSERT_TRUE(waitFor(10s, [&] {
    Reply done = a.send("GET", "/v1/instances/" + id, nullptr, token_);
    return done.body["status"] == "Completed" && done.body["result"] == "TRK-1";
  })) << a.send("GET", "/v1/instances/" + id, nullptr, token_).text;

  // The schedule fired (a minute is a second at --time-scale 60), on one partition only.
  const uint32_t tick_partition = engine::partitionFor("shop.Tick", "", kPartitions);
  Reply ticks;
  ASSERT_TRUE(waitFor(10s, [&] {
    ticks = a.send("GET", "/v1/instances?workflow=Tick&limit=500", nullptr, token_);
    return ticks.status == 200 && !ticks.body["items"].empty();
  })) << ticks.text;
  for (const json& item : ticks.body["items"])
    EXPECT_EQ(engine::partitionOfId(item["id"].get<std::string>()), tick_partition) << item.dump();
}

}  // namespace
}  // namespace rflow::service
