// Schedules in a cluster (service/node_directory.h): every partition has the same
// deployment, so each partition's Scheduler fires only the `on schedule` triggers placed on
// it (schedulePartition: partitionFor(workflow, "")) and no timers. Four partitions'
// engines on in-memory stores and one manual clock, without NATS: a slot fires once in
// the whole cluster, on its partition; with no filter it would fire once per partition.
#include <gtest/gtest.h>

#include "engine/partition.h"
#include "service/node_directory.h"
#include "service/scheduler.h"
#include "service/service.h"
#include "service_test_util.h"
#include "shop_project.h"

namespace rflow::service::testing {
namespace {

constexpr uint32_t kCount = 4;

struct Partitions {
  // 2027-01-15T08:00:30Z: "* * * * *" next fires at 08:01:00.
  engine::ManualClock clock{1'800'000'030'000};
  NoConnectorCalls calls;
  runtime::Config config;
  runtime::ConnectorSet connectors =
      std::get<runtime::ConnectorSet>(runtime::ConnectorSet::fromConfig(runtime::Config{}));
  std::vector<std::unique_ptr<store::Store>> stores;
  std::vector<std::unique_ptr<engine::Engine>> engines;

  Partitions() {
    for (uint32_t p = 0; p < kCount; ++p) {
      auto opened = store::Store::open(
          "/mem-sched-p" + std::to_string(p),
          {.durability = store::Durability::kAsync, .in_memory = true, .env = {}});
      stores.push_back(std::move(std::get<std::unique_ptr<store::Store>>(opened)));
      engine::EngineOptions options;
      options.partition = p;
      engines.push_back(std::make_unique<engine::Engine>(*stores.back(), clock, calls, options));
      Service service(*engines.back(), connectors, config);
      const std::string source = std::string(kShopModule) + kShopSchedule;
      Outcome deployed = service.deploy({{"files", {{"shop.rflow", source}}}});
      EXPECT_TRUE(std::holds_alternative<nlohmann::json>(deployed));
    }
  }
  // The Tick instances on each partition.
  std::vector<size_t> ticks() {
    std::vector<size_t> out;
    for (auto& e : engines) {
      engine::InstanceFilter filter;
      filter.workflow = "shop.Tick";
      auto found = e->instances(filter);
      out.push_back(found.ok() ? found->size() : 999);
    }
    return out;
  }
};

SchedulerOptions partitionScheduler(uint32_t partition) {
  SchedulerOptions so;
  so.timers = false;
  so.fires = [partition](std::string_view workflow) {
    return schedulePartition(workflow, kCount) == partition;
  };
  return so;
}

TEST(ClusterSchedule, ASlotFiresOnceInTheClusterOnItsPartition) {
  Partitions parts;
  std::vector<std::unique_ptr<Scheduler>> schedulers;
  for (uint32_t p = 0; p < kCount; ++p) {
    schedulers.push_back(std::make_unique<Scheduler>(*parts.engines[p], partitionScheduler(p)));
    schedulers.back()->tick();  // the trigger's starting point: now
  }
  parts.clock.set(parts.clock.now() + 10 * 60'000);
  for (auto& s : schedulers)
    s->tick();
  const uint32_t home = schedulePartition("shop.Tick", kCount);
  EXPECT_EQ(home, engine::partitionFor("shop.Tick", "", kCount));
  std::vector<size_t> want(kCount, 0);
  want[home] = 1;
  EXPECT_EQ(parts.ticks(), want);
}

// What the filter prevents: the same schedulers without it fire once per partition.
TEST(ClusterSchedule, WithoutThePlacementEveryPartitionWouldFire) {
  Partitions parts;
  std::vector<std::unique_ptr<Scheduler>> schedulers;
  for (uint32_t p = 0; p < kCount; ++p) {
    SchedulerOptions so;
    so.timers = false;
    schedulers.push_back(std::make_unique<Scheduler>(*parts.engines[p], so));
    schedulers.back()->tick();
  }
  parts.clock.set(parts.clock.now() + 10 * 60'000);
  for (auto& s : schedulers)
    s->tick();
  EXPECT_EQ(parts.ticks(), std::vector<size_t>(kCount, 1));
}

}  // namespace
}  // namespace rflow::service::testing
