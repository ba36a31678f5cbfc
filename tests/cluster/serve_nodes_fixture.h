// A fixture for tests of two `rflow serve --cluster` processes on one nats-server: a
// project directory holding one .rflow source and an rflow.toml with two workers, the
// two nodes' cluster files (rflow_process.h: twoNodes), and a clean-up that kills only
// the processes the test started and removes the directory.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nats_harness.h"
#include "rflow_process.h"

namespace rflow::cluster::testing {

class ServeNodesFixture : public ::testing::Test {
 protected:
  // The servers and the nodes' files; `tag` names the temporary directory. Call from
  // SetUp (it skips the test when nats-server is not installed).
  void startServers(std::string_view tag, std::string_view source, uint32_t partitions) {
    REQUIRE_NATS_SERVER();
    std::string error;
    nats_ = NatsServers::start(1, &error);
    ASSERT_TRUE(nats_) << error;
    dir_ = std::filesystem::temp_directory_path() / fmt::format("rflow-{}-{}", tag, ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "project");
    std::ofstream(dir_ / "project" / "shop.rflow") << source;
    std::ofstream(dir_ / "project" / "rflow.toml") << "[engine]\nworkers = 2\n";
    nodes_ = twoNodes(dir_, *nats_, partitions, "8s");
  }
  void TearDown() override {
    killAll(nodes_, HasFailure());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void launchWith(RflowNode& node, const std::vector<std::string>& extra) {
    launchNode(node, (dir_ / "project").string(), (dir_ / (node.name + ".toml")).string(),
               (dir_ / ("data-" + node.name)).string(), extra);
    ASSERT_GT(node.pid, 0) << "fork failed";
  }

  std::unique_ptr<NatsServers> nats_;
  std::filesystem::path dir_;
  std::vector<RflowNode> nodes_;
  std::string token_;
};

}  // namespace rflow::cluster::testing
