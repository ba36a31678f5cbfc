// Storage faults on demand (issue 8): a RocksDB Env over the real file system whose
// writes, syncs or reads fail while a switch says so, as a failing disk or a full one
// would.
// Tests and fault drills open a Store with it (StoreOptions::env) and flip the switch
// while the engine runs.
//
// Invariants: write faults affect only files RocksDB opens for writing through this Env
// (logs, tables, manifests); read faults only reads of table files, so a database
// opens and what is still in memory (the memtables, the block cache) is read as
// before, while a read that reaches the disk fails. The switch is thread-safe and may be
// flipped at any time; a write already past the check completes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace rocksdb {
class Env;
}

namespace rflow::store {

enum class Fault : uint8_t {
  kNone = 0,
  kWriteError = 1,  // every append, flush and sync fails with an I/O error
  kSyncError = 2,   // appends work, syncs fail (data that cannot be made durable)
  kDiskFull = 3,    // every append fails with "No space left on device"
  kReadError = 4,   // every read of a table file fails with an I/O error
};

class FaultSwitch {
 public:
  void set(Fault fault) { fault_.store(fault); }
  Fault get() const { return fault_.load(); }
  // How many operations failed because of the switch.
  uint64_t injected() const { return injected_.load(); }
  void countInjected() { injected_.fetch_add(1); }

 private:
  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<uint64_t> injected_{0};
};

// An Env over the default file system that consults `faults` on every write.
std::shared_ptr<rocksdb::Env> faultInjectingEnv(std::shared_ptr<FaultSwitch> faults);

}  // namespace rflow::store
