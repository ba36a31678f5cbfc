// A NATS client for the cluster tests (gtest only: nats_harness.h, which the benches
// link too, stays free of gtest): one to look at or write what the nodes see.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "cluster/nats_client.h"
#include "nats_harness.h"

namespace rflow::cluster::testing {

// A client of `nats` named `name` (requests wait 1 s); null, with a test failure saying
// why, when it does not connect.
inline std::shared_ptr<NatsClient> connectClient(const NatsServers& nats,
                                                 const std::string& name) {
  NatsOptions o;
  o.servers = nats.clientUrls();
  o.name = name;
  o.request_timeout = std::chrono::milliseconds(1000);
  auto c = NatsClient::connect(o);
  if (!c.ok()) {
    ADD_FAILURE() << c.status().message();
    return nullptr;
  }
  return std::move(c).value();
}

}  // namespace rflow::cluster::testing
