// rflow.toml's [cluster] table: node, nats, advertise, partitions, replicas, member_ttl,
// their defaults, and every mistake refused with its line, its key and what to do before
// a node starts. And a --cluster file (cluster_file.h): only [cluster], checked the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config_test_util.h"
#include "runtime/cluster_file.h"
#include "runtime/config.h"

namespace rflow::runtime {
namespace {

constexpr std::string_view kGood =
    "[cluster]\n"
    "node = \"rflow-1\"\n"
    "nats = [\"nats://10.0.0.1:4222\", \"tls://10.0.0.2:4222\"]\n"
    "advertise = \"http://10.0.0.5:8080\"\n";

TEST(ClusterConfig, NoSectionIsASingleNode) {
  EXPECT_FALSE(configOk("").cluster.enabled);
}

TEST(ClusterConfig, TheRequiredKeysAndTheDefaults) {
  const Config c = configOk(kGood);
  EXPECT_TRUE(c.cluster.enabled);
  EXPECT_EQ(c.cluster.node, "rflow-1");
  EXPECT_EQ(c.cluster.nats,
            (std::vector<std::string>{"nats://10.0.0.1:4222", "tls://10.0.0.2:4222"}));
  EXPECT_EQ(c.cluster.advertise, "http://10.0.0.5:8080");
  EXPECT_EQ(c.cluster.partitions, 16u);
  EXPECT_EQ(c.cluster.replicas, 3);
  EXPECT_EQ(c.cluster.member_ttl_ms, 10'000);
  EXPECT_EQ(c.cluster.follow_every_ms, 200);
  EXPECT_EQ(c.cluster.snapshot_every, 10'000u);
  EXPECT_TRUE(c.cluster.rebalance);
}

TEST(ClusterConfig, EverySetting) {
  const Config c =
      configOk(std::string(kGood) +
               "partitions = 64\nreplicas = 1\nmember_ttl = \"3s\"\nfollow_every = \"1s\"\n"
               "snapshot_every = 500\nrebalance = false\n");
  EXPECT_EQ(c.cluster.partitions, 64u);
  EXPECT_EQ(c.cluster.replicas, 1);
  EXPECT_EQ(c.cluster.member_ttl_ms, 3'000);
  EXPECT_EQ(c.cluster.follow_every_ms, 1'000);
  EXPECT_EQ(c.cluster.snapshot_every, 500u);
  EXPECT_FALSE(c.cluster.rebalance);
  // 0 turns the standby's own reading and the snapshots off.
  const Config off =
      configOk(std::string(kGood) + "follow_every = \"0s\"\nsnapshot_every = 0\n");
  EXPECT_EQ(off.cluster.follow_every_ms, 0);
  EXPECT_EQ(off.cluster.snapshot_every, 0u);
}

TEST(ClusterConfig, AMissingKeyIsNamedWithWhatToAdd) {
  ConfigError e =
      configError("[cluster]\nnats = [\"nats://a:4222\"]\nadvertise = \"http://a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.node");
  EXPECT_EQ(e.line, 1u);
  EXPECT_NE(e.message.find("node = \"rflow-1\""), std::string::npos) << e.message;
  e = configError("[cluster]\nnode = \"a\"\nadvertise = \"http://a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.nats");
  e = configError("[cluster]\nnode = \"a\"\nnats = [\"nats://a:4222\"]\n");
  EXPECT_EQ(e.key, "cluster.advertise");
  EXPECT_NE(e.message.find("forward"), std::string::npos) << e.message;
}

TEST(ClusterConfig, BadValuesAreRefusedWithTheirKeyAndLine) {
  const std::string base(kGood);
  struct Case {
    std::string line;
    std::string key;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"partitions = 0", "cluster.partitions", "from 1 to 1024"},
      {"partitions = 5000", "cluster.partitions", "every node must say the same"},
      {"partitions = \"16\"", "cluster.partitions", "found \"16\""},
      {"replicas = 2", "cluster.replicas", "expected 3"},
      {"member_ttl = \"100ms\"", "cluster.member_ttl", "from \"1s\" to \"5m\""},
      {"member_ttl = 10", "cluster.member_ttl", "found 10"},
      {"member_ttl = \"10 parsecs\"", "cluster.member_ttl", "like \"10s\""},
      {"follow_every = \"10ms\"", "cluster.follow_every", "from \"50ms\" to \"10s\""},
      {"follow_every = 200", "cluster.follow_every", "found 200"},
      {"snapshot_every = 10", "cluster.snapshot_every", "from 100 to 100000000"},
      {"snapshot_every = -1", "cluster.snapshot_every", "or 0 for never"},
      {"snapshot_every = \"10000\"", "cluster.snapshot_every", "found \"10000\""},
      {"rebalance = \"yes\"", "cluster.rebalance", "expected true"},
      {"colour = 1", "cluster.colour", "the cluster settings are"},
      {"snapshot_evry = 100", "cluster.snapshot_evry", "did you mean `snapshot_every`"},
      {"partition = 16", "cluster.partition", "did you mean `partitions`"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const ConfigError e = configError(base + c.line + "\n");
    EXPECT_EQ(e.key, c.key);
    EXPECT_EQ(e.line, 5u);
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
  }
}

TEST(ClusterConfig, BadNamesAndUrlsAreRefused) {
  ConfigError e = configError(
      "[cluster]\nnode = \"rflow 1\"\nnats = [\"nats://a:4222\"]\nadvertise = \"http://a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.node");
  EXPECT_NE(e.message.find("letters, digits"), std::string::npos) << e.message;
  e = configError("[cluster]\nnode = \"a\"\nnats = []\nadvertise = \"http://a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.nats");
  EXPECT_NE(e.message.find("an empty list"), std::string::npos) << e.message;
  e = configError(
      "[cluster]\nnode = \"a\"\nnats = [\"nats://a:4222\", \"http://b:4222\"]\n"
      "advertise = \"http://a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.nats[1]");
  EXPECT_NE(e.message.find("found \"http://b:4222\""), std::string::npos) << e.message;
  e = configError("[cluster]\nnode = \"a\"\nnats = [\"nats://a:4222\"]\nadvertise = \"a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.advertise");
  e = configError(
      "[cluster]\nnode = \"a\"\nnats = \"nats://a:4222\"\nadvertise = \"http://a:8080\"\n");
  EXPECT_EQ(e.key, "cluster.nats");
}

// A --cluster file, written to a temporary path.
class ClusterFile : public ::testing::Test {
 protected:
  std::filesystem::path write(std::string_view text) {
    path_ = std::filesystem::temp_directory_path() /
            ("rflow-cluster-file-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::filesystem::path path_;
};

TEST_F(ClusterFile, ItsClusterSectionIsRead) {
  auto loaded = loadClusterFile(write(std::string(kGood) + "partitions = 4\n"));
  ASSERT_TRUE(std::holds_alternative<ClusterConfig>(loaded)) << std::get<std::string>(loaded);
  const ClusterConfig& c = std::get<ClusterConfig>(loaded);
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.node, "rflow-1");
  EXPECT_EQ(c.partitions, 4u);
}

TEST_F(ClusterFile, AnyOtherSectionIsRefusedRatherThanIgnored) {
  auto loaded = loadClusterFile(write(std::string(kGood) + "[engine]\nworkers = 4\n"));
  ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
  const std::string& why = std::get<std::string>(loaded);
  EXPECT_NE(why.find(":5:2: `engine`: a --cluster file holds only [cluster]"), std::string::npos)
      << why;
  EXPECT_NE(why.find("put `engine` in the project's rflow.toml"), std::string::npos) << why;
}

TEST_F(ClusterFile, NoClusterSectionBadSettingsAndNoFileAreRefused) {
  auto empty = loadClusterFile(write("# nothing\n"));
  ASSERT_TRUE(std::holds_alternative<std::string>(empty));
  EXPECT_NE(std::get<std::string>(empty).find("has no [cluster] section"), std::string::npos)
      << std::get<std::string>(empty);
  auto bad = loadClusterFile(write(std::string(kGood) + "replicas = 2\n"));
  ASSERT_TRUE(std::holds_alternative<std::string>(bad));
  EXPECT_NE(std::get<std::string>(bad).find("cluster.replicas"), std::string::npos)
      << std::get<std::string>(bad);
  auto missing = loadClusterFile("/nonexistent/node.toml");
  ASSERT_TRUE(std::holds_alternative<std::string>(missing));
  EXPECT_NE(std::get<std::string>(missing).find("--cluster /nonexistent/node.toml: there is no "
                                                "such file"),
            std::string::npos)
      << std::get<std::string>(missing);
}

}  // namespace
}  // namespace rflow::runtime
