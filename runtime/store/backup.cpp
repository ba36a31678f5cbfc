// Backups with RocksDB's BackupEngine (backup.h).
#include "store/backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <system_error>

namespace rflow::store {

namespace fs = std::filesystem;

namespace {

// Serialises the processes that use one backup directory: RocksDB's BackupEngine is not
// safe with two writers on a directory (or a reader while a writer deletes old backups).
constexpr std::string_view kLockFile = "rflow-backup.lock";

// An flock held while a backup directory is used; released by the destructor.
class DirectoryLock {
 public:
  DirectoryLock() = default;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

  // Exclusive: creates the lock file. Shared: takes it only when it exists, so reading a
  // backup directory on a read-only disk works.
  Status take(const fs::path& dir, bool exclusive) {
    const std::string path = (dir / kLockFile).string();
    fd_ =
        ::open(path.c_str(), exclusive ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      if (!exclusive) return {};
      return Status::failure(fmt::format("cannot write to the backup directory `{}`: {}",
                                         dir.string(), std::generic_category().message(errno)));
    }
    if (::flock(fd_, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
      return Status::failure(fmt::format(
          "another rflow process is making or deleting a backup in `{}` right now; try again "
          "when it is done",
          dir.string()));
    }
    return {};
  }

 private:
  int fd_ = -1;
};

std::string reasonOf(const rocksdb::Status& status) {
  return status.ToString();
}

std::string cannotWrite(const rocksdb::Status& status, const std::string& dir) {
  if (status.IsNoSpace() || reasonOf(status).find("No space") != std::string::npos)
    return fmt::format(
        "the disk of the backup directory `{}` is full ({}); free space or back "
        "up into another directory",
        dir, reasonOf(status));
  return fmt::format("cannot back up into `{}`: {}", dir, reasonOf(status));
}

BackupInfo infoOf(const rocksdb::BackupInfo& info) {
  return BackupInfo{.id = info.backup_id,
                    .time_ms = info.timestamp * 1000,
                    .bytes = info.size,
                    .files = info.number_files,
                    .label = info.app_metadata};
}

bool sameDirectory(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  const fs::path ca = fs::weakly_canonical(a, ec);
  if (ec) return false;
  const fs::path cb = fs::weakly_canonical(b, ec);
  if (ec) return false;
  return ca == cb;
}

// A backup directory: made by createBackup, so it has RocksDB's meta/ directory.
Status checkBackupDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec))
    return Status::failure(fmt::format(
        "there is no backup directory at `{}`; give the --to directory that `rflow backup` "
        "wrote",
        dir));
  if (!fs::is_directory(fs::path(dir) / "meta", ec))
    return Status::failure(fmt::format(
        "`{}` holds no rflow backups (it has no meta/ directory); give the --to directory that "
        "`rflow backup` wrote",
        dir));
  return {};
}

struct ReadOnlyEngine {
  DirectoryLock lock;
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine;
};

Result<std::unique_ptr<ReadOnlyEngine>> openForReading(const std::string& dir) {
  if (Status checked = checkBackupDirectory(dir); !checked.ok()) return checked;
  auto opened = std::make_unique<ReadOnlyEngine>();
  if (Status locked = opened->lock.take(dir, /*exclusive=*/false); !locked.ok()) return locked;
  rocksdb::BackupEngineReadOnly* engine = nullptr;
  const rocksdb::IOStatus status = rocksdb::BackupEngineReadOnly::Open(
      rocksdb::Env::Default(), rocksdb::BackupEngineOptions(dir), &engine);
  if (!status.ok())
    return Status::failure(
        fmt::format("cannot read the backup directory `{}`: {}", dir, reasonOf(status)));
  opened->engine.reset(engine);
  return opened;
}

std::string idList(const std::vector<rocksdb::BackupInfo>& infos) {
  std::string out;
  for (const rocksdb::BackupInfo& info : infos)
    out += (out.empty() ? "" : ", ") + std::to_string(info.backup_id);
  return out.empty() ? "none" : out;
}

Status verifyWith(const rocksdb::BackupEngineReadOnly& engine, const std::string& dir,
                  uint32_t id) {
  // With checksums: every byte of every file is read and compared with the CRC32C taken
  // when it was copied. RocksDB's message names the file ("Checksum mismatch for <path>").
  const rocksdb::IOStatus status = engine.VerifyBackup(id, /*verify_with_checksum=*/true);
  if (status.ok()) return {};
  if (status.IsNotFound() && reasonOf(status).find("File") == std::string::npos)
    return Status::failure(fmt::format("there is no backup {} in `{}`", id, dir));
  return Status::failure(fmt::format(
      "backup {} in `{}` is damaged: {}; restore another backup (`rflow backup list --to {}` "
      "lists them) or a copy of this one",
      id, dir, reasonOf(status), dir));
}

}  // namespace

// Friend of Store (store.h): the only code besides Store that sees its database.
class BackupAccess {
 public:
  static Result<BackupInfo> create(Store& store, const std::string& dir,
                                   const BackupRequest& request) {
    if (store.in_memory_)
      return Status::failure("an in-memory store (rflow test) cannot be backed up");
    if (request.label.size() > kMaxBackupLabelBytes)
      return Status::failure(fmt::format("the backup's label has {} bytes; at most {} are kept",
                                         request.label.size(), kMaxBackupLabelBytes));
    if (sameDirectory(dir, store.directory_))
      return Status::failure(fmt::format(
          "the backup directory `{}` is the data directory itself; back up into another one", dir));
    std::error_code ec;
    if (fs::exists(fs::path(dir) / "CURRENT", ec))
      return Status::failure(fmt::format(
          "`{}` is a data directory (it holds a database), not a backup directory; back up into "
          "a new directory or one that `rflow backup` wrote",
          dir));
    fs::create_directories(dir, ec);
    if (ec)
      return Status::failure(
          fmt::format("cannot create the backup directory `{}`: {}", dir, ec.message()));
    DirectoryLock lock;
    if (Status locked = lock.take(dir, /*exclusive=*/true); !locked.ok()) return locked;

    // Readers and commits go on (they share the lock); only a reopen after a failed write
    // waits until the copy is done.
    std::shared_lock db_lock(store.mutex_);
    if (!store.db_ || store.read_only_ || store.write_failed_.load())
      return Status::failure(fmt::format(
          "the data directory `{}` cannot take writes right now, so it is not backed up; fix "
          "its disk first (rflow_storage_write_failing)",
          store.directory_));
    rocksdb::Env* db_env = store.env_ ? store.env_.get() : rocksdb::Env::Default();
    rocksdb::BackupEngine* raw = nullptr;
    rocksdb::IOStatus status =
        rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(dir), db_env, &raw);
    if (!status.ok()) return Status::failure(cannotWrite(status, dir));
    const std::unique_ptr<rocksdb::BackupEngine> engine(raw);

    rocksdb::CreateBackupOptions options;
    // Memtables to table files first: the backup then copies little log, and its table
    // files are shared with the next backup.
    options.flush_before_backup = true;
    rocksdb::BackupID id = 0;
    status = engine->CreateNewBackupWithMetadata(options, store.db_.get(), request.label, &id);
    if (!status.ok()) return Status::failure(cannotWrite(status, dir));
    db_lock.unlock();

    rocksdb::BackupInfo made;
    if (const rocksdb::Status got = engine->GetBackupInfo(id, &made); !got.ok())
      return Status::failure(fmt::format("backup {} was made in `{}` but cannot be read back: {}",
                                         id, dir, reasonOf(got)));
    if (request.keep > 0) {
      status = engine->PurgeOldBackups(request.keep);
      if (!status.ok())
        return Status::failure(fmt::format(
            "backup {} was made in `{}`, but the backups before the newest {} could not be "
            "deleted: {}",
            id, dir, request.keep, reasonOf(status)));
    }
    return infoOf(made);
  }
};

Result<BackupInfo> createBackup(Store& store, const std::string& backup_dir,
                                const BackupRequest& request) {
  return BackupAccess::create(store, backup_dir, request);
}

Result<std::vector<BackupInfo>> listBackups(const std::string& backup_dir) {
  auto opened = openForReading(backup_dir);
  if (!opened.ok()) return opened.status();
  const rocksdb::BackupEngineReadOnly& engine = *opened.value()->engine;
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  std::vector<BackupInfo> out;
  for (const rocksdb::BackupInfo& info : infos)
    out.push_back(infoOf(info));
  std::sort(out.begin(), out.end(),
            [](const BackupInfo& a, const BackupInfo& b) { return a.id < b.id; });
  return out;
}

Status verifyBackup(const std::string& backup_dir, uint32_t id) {
  auto opened = openForReading(backup_dir);
  if (!opened.ok()) return opened.status();
  return verifyWith(*opened.value()->engine, backup_dir, id);
}

namespace {

// What restoreBackup found at the target, so a failure can put it back.
enum class Target { kMade, kWasEmpty };

// Why `dir` cannot be restored into, or what it was.
std::variant<Target, std::string> prepareTarget(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return fmt::format("cannot create the data directory `{}`: {}", dir, ec.message());
    return Target::kMade;
  }
  if (!fs::is_directory(dir, ec))
    return fmt::format("`{}` is a file, not a directory; restore into a new directory", dir);
  fs::directory_iterator it(dir, ec);
  if (ec) return fmt::format("cannot read the directory `{}`: {}", dir, ec.message());
  if (it != fs::directory_iterator())
    return fmt::format(
        "the directory `{}` is not empty (it holds `{}`), so nothing was restored: restore into "
        "a new or empty directory; nothing already there is ever overwritten",
        dir, it->path().filename().string());
  return Target::kWasEmpty;
}

void putBack(const std::string& dir, Target target) {
  std::error_code ec;
  if (target == Target::kMade) {
    fs::remove_all(dir, ec);
    return;
  }
  for (const auto& entry : fs::directory_iterator(dir, ec))
    fs::remove_all(entry.path(), ec);
}

}  // namespace

Result<BackupInfo> restoreBackup(const std::string& backup_dir, std::optional<uint32_t> id,
                                 const std::string& data_dir) {
  auto opened = openForReading(backup_dir);
  if (!opened.ok()) return opened.status();
  const rocksdb::BackupEngineReadOnly& engine = *opened.value()->engine;
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  std::vector<rocksdb::BackupID> corrupt;
  engine.GetCorruptedBackups(&corrupt);
  // Without an id, the newest backup, even when it is the damaged one: restoring an older
  // one instead would quietly bring back older data.
  rocksdb::BackupID wanted = id.value_or(0);
  if (!id) {
    for (const rocksdb::BackupInfo& info : infos)
      wanted = std::max(wanted, info.backup_id);
    for (rocksdb::BackupID n : corrupt)
      wanted = std::max(wanted, n);
    if (wanted == 0)
      return Status::failure(fmt::format("there are no backups in `{}`", backup_dir));
  }
  if (std::find(corrupt.begin(), corrupt.end(), wanted) != corrupt.end()) {
    // RocksDB found it damaged when it read the backups' descriptions (a file missing or
    // of the wrong size); its reason names the file.
    rocksdb::BackupInfo unused;
    const rocksdb::Status why = engine.GetBackupInfo(wanted, &unused);
    return Status::failure(fmt::format(
        "backup {} in `{}` is damaged: {}; nothing was restored. Restore another backup with "
        "--id (backups that can be read: {})",
        wanted, backup_dir, reasonOf(why), idList(infos)));
  }
  const rocksdb::BackupInfo* chosen = nullptr;
  for (const rocksdb::BackupInfo& info : infos)
    if (info.backup_id == wanted) chosen = &info;
  if (!chosen)
    return Status::failure(fmt::format("there is no backup {} in `{}` (backups: {})", wanted,
                                       backup_dir, idList(infos)));
  const BackupInfo info = infoOf(*chosen);

  // The target before the backup's files are read: a mistake in --data is found at once.
  auto target = prepareTarget(data_dir);
  if (auto* problem = std::get_if<std::string>(&target)) return Status::failure(*problem);
  const Target found = std::get<Target>(target);

  if (Status verified = verifyWith(engine, backup_dir, info.id); !verified.ok()) {
    putBack(data_dir, found);
    return Status::failure(verified.message() + "; nothing was restored");
  }
  const rocksdb::IOStatus restored =
      engine.RestoreDBFromBackup(rocksdb::RestoreOptions(), info.id, data_dir, data_dir);
  if (!restored.ok()) {
    putBack(data_dir, found);
    return Status::failure(fmt::format("cannot restore backup {} of `{}` into `{}`: {}", info.id,
                                       backup_dir, data_dir, reasonOf(restored)));
  }
  // Opened once: the files are a database this rflow reads (the schema check).
  auto store = Store::open(data_dir);
  if (auto* problem = std::get_if<std::string>(&store)) {
    putBack(data_dir, found);
    return Status::failure(fmt::format("backup {} of `{}` was copied but cannot be opened: {}",
                                       info.id, backup_dir, *problem));
  }
  return info;
}

}  // namespace rflow::store
