// Backups: the backups `rflow serve` makes of its own store (issue 16), on request
// (POST /v1/admin/backups, and `rflow backup` while the service holds the data
// directory) and on rflow.toml's [backup] schedule. The copying itself is
// runtime/store/backup.h; this is when, where, and how many are kept.
//
// The schedule runs on the wall clock, not the engine's (a --time-scale demo does not back
// up faster): the first backup is due `every` after the newest one already in the
// directory, so restarts do not reset the clock, and at once when there is none. A backup
// that fails is said in the log and tried again after min(every, 10 minutes).
//
// Invariants: one backup at a time per service (make() holds mutex_, the schedule's
// thread calls make()); nothing is written anywhere but [backup] dir; after each backup
// the newest `keep` are kept and older ones deleted. stop() waits for a backup being
// made: the service's shutdown grace bounds it like any other in-flight work.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/config.h"
#include "store/backup.h"
#include "store/store.h"

namespace rflow::service {

// At start: why rflow.toml's [backup] dir cannot be used with `data_dir` (it is the data
// directory, cannot be made, or cannot be written), so a mistake stops the start rather
// than the first scheduled backup hours later. Nothing without a [backup] dir.
std::optional<std::string> checkBackupDirectory(const runtime::Config& config,
                                                const std::string& data_dir);

class Backups {
 public:
  // `now` is the wall clock in UTC ms (tests pass their own); `log` gets one line per
  // scheduled backup made or failed.
  Backups(store::Store& store, runtime::BackupConfig config,
          std::function<void(const std::string&)> log, std::function<int64_t()> now = {});
  ~Backups();
  Backups(const Backups&) = delete;
  Backups& operator=(const Backups&) = delete;

  // Whether rflow.toml names a backup directory (without one the service makes none).
  bool configured() const { return !config_.dir.empty(); }
  const runtime::BackupConfig& config() const { return config_; }
  // The data directory being backed up.
  const std::string& dataDirectory() const { return store_.directory(); }

  // Makes a backup now, then deletes those beyond `keep`. Waits for one in progress.
  store::Result<store::BackupInfo> make(const std::string& label);
  store::Result<std::vector<store::BackupInfo>> list() const;

  // Starts the schedule's thread when [backup] every is set; stop() ends it.
  void start();
  void stop();

 private:
  void run();

  store::Store& store_;
  const runtime::BackupConfig config_;
  std::function<void(const std::string&)> log_;
  std::function<int64_t()> now_;
  std::mutex making_;  // one backup at a time

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rflow::service
