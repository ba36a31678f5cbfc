// SystemsStub: a tiny HTTP server playing the chain's ERP, warehouse (WMS) and point of
// sale (POS) for `rflow serve` (examples/simulator/rflow.toml points the connectors
// `erp`, `wms` and `pos` at it), answering `POST /{connector}/{op}` as runtime.md §6
// describes. Its answers vary like real systems do (stock levels, velocities, receipts
// still missing), and it fails a share of calls: 3% of ERP calls and 1% of the others
// at random, and ERP outages (every call 503) of about 40 simulated minutes roughly
// every 12 simulated hours, long enough to outlast a workflow's retries.
//
// Thread-safe: httplib answers on a pool; the random source is behind a mutex.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "chain.h"

namespace httplib {
class Server;
}

namespace rflow::simulator {

class SystemsStub {
 public:
  // `outages`: whether the ERP has its maintenance windows (off for a fast-forward run:
  // the service's circuit breakers cool down on the wall clock, so at a time scale of
  // several hundred one window keeps the ERP's circuit open for simulated hours).
  SystemsStub(const SimClock& clock, uint64_t seed, bool outages = true);
  ~SystemsStub();
  SystemsStub(const SystemsStub&) = delete;
  SystemsStub& operator=(const SystemsStub&) = delete;

  // Listens on 127.0.0.1:`port`; false when the port is taken.
  bool start(int port);
  void stop();
  int64_t calls() const { return calls_.load(); }
  int64_t failures() const { return failures_.load(); }

 private:
  // The answer to `connector`.`op`(args): a status and a JSON body.
  std::pair<int, nlohmann::json> answer(const std::string& connector, const std::string& op,
                                        const nlohmann::json& args);
  bool erpDown(int64_t sim_now);

  const SimClock& clock_;
  const bool outages_;
  std::mutex mutex_;
  Rng rng_;
  int64_t next_outage_ = 0;
  int64_t outage_end_ = 0;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> failures_{0};
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace rflow::simulator
