// The service's backups and their schedule (backups.h).
#include "service/backups.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>

#include "base/time_text.h"

namespace rflow::service {

namespace {

// A failed scheduled backup is tried again this soon (or at the next slot, if sooner).
constexpr int64_t kRetryFailedMs = 10 * 60'000;

int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<std::string> checkBackupDirectory(const runtime::Config& config,
                                                const std::string& data_dir) {
  namespace fs = std::filesystem;
  const fs::path& dir = config.backup.dir;
  if (dir.empty()) return std::nullopt;
  const std::string where = fmt::format("{}: `backup.dir`", runtime::configName(config));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return fmt::format("{}: cannot create the backup directory `{}`: {}; make it, or give one "
                       "the service may write (under systemd, a ReadWritePaths= entry)",
                       where, dir.string(), ec.message());
  if (fs::equivalent(dir, data_dir, ec))
    return fmt::format("{}: `{}` is the data directory itself; back up into another directory",
                       where, dir.string());
  if (::access(dir.c_str(), W_OK) != 0)
    return fmt::format("{}: the service cannot write to the backup directory `{}`: {}", where,
                       dir.string(), std::generic_category().message(errno));
  return std::nullopt;
}

Backups::Backups(store::Store& store, runtime::BackupConfig config,
                 std::function<void(const std::string&)> log, std::function<int64_t()> now)
    : store_(store),
      config_(std::move(config)),
      log_(std::move(log)),
      now_(now ? std::move(now) : std::function<int64_t()>(wallClockMs)) {}

Backups::~Backups() {
  stop();
}

store::Result<store::BackupInfo> Backups::make(const std::string& label) {
  if (!configured())
    return store::Status::failure(
        "rflow.toml has no [backup] dir, so this service makes no backups: add [backup] dir = "
        "\"…\" and restart it");
  std::lock_guard lock(making_);
  return store::createBackup(store_, config_.dir.string(), {label, config_.keep});
}

store::Result<std::vector<store::BackupInfo>> Backups::list() const {
  if (!configured())
    return store::Status::failure(
        "rflow.toml has no [backup] dir, so this service makes no backups: add [backup] dir = "
        "\"…\" and restart it");
  return store::listBackups(config_.dir.string());
}

void Backups::start() {
  if (!configured() || config_.every_ms <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void Backups::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Backups::run() {
  // Due `every` after the newest backup in the directory; now when there is none (or the
  // directory cannot be read yet: the backup then says why).
  int64_t due = now_();
  if (auto listed = list(); listed.ok() && !listed.value().empty()) {
    due = listed.value().back().time_ms + config_.every_ms;
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const int64_t wait = due - now_();
    if (wait > 0) {
      wake_.wait_for(lock, std::chrono::milliseconds(wait), [&] { return stopping_; });
      continue;
    }
    lock.unlock();
    auto made = make("scheduled");
    const int64_t now = now_();
    if (made.ok()) {
      const store::BackupInfo& info = made.value();
      due = now + config_.every_ms;
      if (log_)
        log_(fmt::format("backup {} made in {} ({} files, {} bytes); the next at {}", info.id,
                         config_.dir.string(), info.files, info.bytes, base::formatTime(due)));
    } else {
      due = now + std::min(config_.every_ms, kRetryFailedMs);
      if (log_)
        log_(fmt::format("the scheduled backup failed: {}; trying again at {}",
                         made.status().message(), base::formatTime(due)));
    }
    lock.lock();
  }
}

}  // namespace rflow::service
