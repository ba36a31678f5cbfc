// Backups of a Store: RocksDB's BackupEngine over the open database, so a service that
// keeps committing is backed up without stopping (issue 16; docs/operations.md).
//
// A backup directory holds any number of backups of ONE data directory, numbered from 1.
// They are incremental: a table file already in an earlier backup is not copied again
// (RocksDB's shared_checksum/ files, named by their checksum and size, so two different
// files never share a name). Every file's CRC32C is recorded when it is copied, and a
// restore checks every file of the backup against it first, naming the first that
// differs, before anything is written.
//
// What a backup holds: everything committed before createBackup() was called (the
// memtables are flushed first, and the write-ahead log written since is copied up to
// that point), so a commit that returned before the call is in it, and one that began
// after may or may not be. A restore brings back the database as of that point; the
// engine carries on from there as after a stop (pending calls are sent again with the
// same idempotency keys, due timers fire).
//
// Not in a backup: files beside the database in the data directory (admin-token.sha256:
// a restored service without configured users makes a new admin token).
//
// Invariants: one process writes to a backup directory at a time (createBackup holds an
// exclusive flock on `<backup_dir>/rflow-backup.lock`, readers a shared one when the file
// exists); restoreBackup writes only into a directory that did not exist or was empty,
// and leaves it empty again when it fails; errors are values with the directory and what
// to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/status.h"
#include "store/store.h"

namespace rflow::store {

// A label travels with its backup (RocksDB's application metadata) and is shown by
// listBackups; a bound keeps a backup's description file small.
inline constexpr size_t kMaxBackupLabelBytes = 200;

struct BackupInfo {
  uint32_t id = 0;
  int64_t time_ms = 0;  // when it was made, UTC ms (RocksDB keeps whole seconds)
  uint64_t bytes = 0;   // the size of its files, some of which other backups share
  uint32_t files = 0;
  std::string label;
};

struct BackupRequest {
  std::string label;  // at most kMaxBackupLabelBytes
  // After the backup, delete all but the newest `keep` backups (and the files only they
  // used); 0 keeps every backup.
  uint32_t keep = 0;
};

// Backs `store` up into `backup_dir` (created if need be) while other threads commit.
// Refused for an in-memory store, a store whose writes are failing (its disk is the
// problem to fix first), and a backup directory that is the data directory itself.
Result<BackupInfo> createBackup(Store& store, const std::string& backup_dir,
                                const BackupRequest& request = {});

// The backups in `backup_dir`, oldest first. A directory that holds no backups is an
// error (a mistyped path must not look like "no backups yet"); so is one that does not
// exist.
Result<std::vector<BackupInfo>> listBackups(const std::string& backup_dir);

// Reads every file of backup `id` and compares its size and checksum with those recorded
// when it was made. The failure names the first file that differs.
Status verifyBackup(const std::string& backup_dir, uint32_t id);

// Restores backup `id` (the newest when empty) into `data_dir`, which must not exist or
// be an empty directory: a non-empty one is refused and left alone. Verifies the backup
// first (verifyBackup), then copies it, then opens the result once as a Store to check
// that this rflow reads it. On any failure `data_dir` is left as it was found (removed
// if it was made, emptied if it was empty).
Result<BackupInfo> restoreBackup(const std::string& backup_dir, std::optional<uint32_t> id,
                                 const std::string& data_dir);

}  // namespace rflow::store
