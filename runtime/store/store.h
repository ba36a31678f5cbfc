// Store: the engine's one RocksDB database (runtime.md §5), with a column family per kind
// of record, and the only code that sees RocksDB types.
//
// Every change the engine makes is one Batch committed atomically: a step's new
// continuation, the tasks, timers and pending calls it created or ended, and its audit
// entries go in together or not at all. With Durability::kSync a commit returns after
// the write-ahead log is on disk; RocksDB groups the commits of concurrent threads into
// one fsync (group commit), which is how many instances share a disk flush.
//
// The engine gathers the batches of many steps into one commitGroup (its commit
// pipeline, runtime/engine/commit_pipeline.h): one WriteBatch and one sync for all of
// them, so a disk flush is shared by as many steps as arrive while the last one runs.
//
// Invariants: a Store is opened once per directory per process (RocksDB's lock file
// enforces it across processes); every column family of Column exists after open();
// errors are values (status.h: a Status or a Result the caller must look at) with
// RocksDB's reason and what to do, never exceptions; a read that failed is an error,
// never an absence; a failed commit changes nothing (but see writeRecoveries()).
//
// Schema: 2. A schema-1 directory (written before kMetrics merged counters and audit
// entries were grouped per step) is opened and marked 2; the engine reads both record
// forms (runtime/engine/records.h, audit.h, metrics.h). A newer schema is refused.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Env;
class WriteBatch;
}  // namespace rocksdb

namespace rflow::store {

// Column families. PERSISTED by name (columnName): never rename one; a retired one stays
// listed so that opening an old database still finds it. PERSISTED by number too, in
// commit-group payloads on the partition log (group_codec.h): never renumber one.
enum class Column : uint8_t {
  kMeta = 0,       // schema version, counters, deployment pointers
  kModules = 1,    // module version (hash hex) -> module bytes
  kInstances = 2,  // instance id -> instance record (header + continuation)
  kKeys = 3,       // workflow \0 business key -> instance id (live instances)
  kTimers = 4,     // due time (be64) instance id \0 timer id -> timer record
  kTasks = 5,      // task id -> task record
  kTaskIndex = 6,  // "r" role \0 task id / "u" user \0 task id -> "" (open tasks)
  kAudit = 7,      // instance id \0 sequence (be64) -> audit entry
  kCalls = 8,      // instance id \0 request id (be64) -> pending connector call
  kSignals = 9,    // instance id \0 sequence (be64) -> queued signal
  kMetrics = 10,   // aggregates: schema 1, shard + name -> be64; schema 2, merged counters
                   // (counters.h; Batch::addCounters)
  kInbox = 11,     // instance id \0 request id (be64) -> a result waiting to be handed over
  // A cluster node's own copy of the partition log's recent entries (H3,
  // cluster/redo_codec.h): log sequence (be64) -> redo entry. Node-local: never in a
  // commit group, never compared between nodes; empty on a single node.
  kRedo = 12,
};
inline constexpr size_t kColumnCount = 13;
std::string_view columnName(Column column);

enum class Durability : uint8_t {
  kSync,   // a commit returns once the WAL is fsynced (the default)
  kAsync,  // a commit returns once RocksDB has it; a machine crash may lose the last ones
};

struct StoreOptions {
  Durability durability = Durability::kSync;
  // Keep everything in memory (tests and `rflow test`): nothing touches the disk and
  // nothing is left behind.
  bool in_memory = false;
  // A RocksDB Env to open the database with (fault injection in tests); default: the
  // process's default Env, or a memory Env with in_memory.
  std::shared_ptr<rocksdb::Env> env;
};

// A set of writes committed together by Store::commit.
class Batch {
 public:
  Batch();
  ~Batch();
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;

  void put(Column column, std::string_view key, std::string_view value);
  void remove(Column column, std::string_view key);
  // Adds counters (counters.h) to those at `key` of kMetrics: concurrent batches add up,
  // with no read before the write.
  void addCounters(std::string_view key, std::string_view encoded_counters);
  size_t count() const { return count_; }
  size_t bytes() const { return bytes_; }
  bool empty() const { return count_ == 0; }
  void clear();

  enum class Kind : uint8_t { kPut, kRemove, kMerge };
  // Each write, in order (benchmarks replay the engine's writes against raw RocksDB).
  void visit(const std::function<void(Kind kind, Column column, std::string_view key,
                                      std::string_view value)>& visitor) const;

 private:
  friend class Store;
  void append(Kind kind, Column column, std::string_view key, std::string_view value);
  // Calls `visit(kind, column, key, value)` for each write, in order.
  template <typename F>
  void forEach(F&& visit) const;

  // The writes, one after another in one buffer (a step makes a handful; one allocation
  // for them all): kind, column, key length (varint), key, value length (varint), value.
  std::string writes_;
  size_t count_ = 0;
  size_t bytes_ = 0;
};

class Store {
 public:
  // Opens (creating if need be) the database in `directory`. On a problem: what went
  // wrong and what to do ("the data directory is in use by another rflow process").
  static std::variant<std::unique_ptr<Store>, std::string> open(const std::string& directory,
                                                                const StoreOptions& options = {});
  // Opens an existing data directory for reading only (`rflow whatif`): nothing is
  // created or written (a schema-1 directory is not marked), no lock is taken (a running
  // service may hold the directory), every commit fails. A directory that is not an
  // rflow data directory is refused, saying so.
  static std::variant<std::unique_ptr<Store>, std::string> openReadOnly(
      const std::string& directory);
  // The schema the directory had when it was opened ("1" or "2").
  const std::string& openedSchema() const { return opened_schema_; }
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The value at `key`: an empty optional when absent, a failed Result when the read
  // failed.
  Result<std::optional<std::string>> get(Column column, std::string_view key) const;

  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
  // Calls `visit(key, value)` for each key starting with `prefix`, in key order, until it
  // returns false. A failed read ends the scan and is the Status.
  Status scan(Column column, std::string_view prefix, const Visitor& visit) const;
  // The same from the first key >= `from` (to the end of the column).
  Status scanFrom(Column column, std::string_view from, const Visitor& visit) const;

  // Ranges read at ONE point in time (a RocksDB snapshot): a write landing meanwhile is
  // seen whole or not at all by every range. Each range is its column from key `from` on,
  // in key order; the visitor's false ends that range, and the next one begins. Used where
  // kMeta's applied_seq and the records must agree (a partition's digest,
  // replay/state_digest.h).
  struct ScanRange {
    Column column = Column::kMeta;
    std::string from;
  };
  using RangeVisitor =
      std::function<bool(Column column, std::string_view key, std::string_view value)>;
  Status scanAtOnePoint(std::span<const ScanRange> ranges, const RangeVisitor& visit) const;

  // The greatest key of `column` that starts with `prefix`, or an empty optional.
  Result<std::optional<std::string>> lastKey(Column column, std::string_view prefix = {}) const;

  // Writes `batch` atomically with the store's durability. On failure nothing was written
  // (but see writeRecoveries()). After a failure the next commit first asks RocksDB to
  // resume, so writes carry on once the disk is back.
  Status commit(const Batch& batch);
  // Memory a committer reuses from one group to the next (a group's write is often
  // larger than the heap keeps at hand; allocating it anew each time costs page faults).
  class WriteBuffer {
   public:
    WriteBuffer();
    ~WriteBuffer();
    WriteBuffer(const WriteBuffer&) = delete;
    WriteBuffer& operator=(const WriteBuffer&) = delete;

   private:
    friend class Store;
    std::unique_ptr<rocksdb::WriteBatch> write_;
  };
  // Writes every batch of `group`, in order, as ONE atomic write with one sync: all of
  // them land or none does. Later batches' writes to a key win over earlier ones'.
  Status commitGroup(std::span<const Batch* const> group);
  Status commitGroup(std::span<const Batch* const> group, WriteBuffer& buffer);
  // Applies a commit-group payload (group_codec.h) that is in the partition log at
  // `applied_seq`: its writes and kMeta kAppliedSeqKey = be64(applied_seq), as ONE synced
  // write (with either durability: the log may trim what the store says it holds). A
  // payload that does not decode is refused whole, saying why; nothing is written.
  // Callers apply entries in log order, each once (appliedSeq() says where they are).
  // `redo`, when not empty, is kept in kRedo under be64(applied_seq) in the same write
  // (a cluster node's copy of the entry, for repairing a log that lost it: H3).
  Status applyGroup(std::string_view payload, uint64_t applied_seq, std::string_view redo = {});
  // The log sequence of the last group applied; 0 when none was (a single node, or a
  // store that has not yet followed a log).
  Result<uint64_t> appliedSeq() const;
  // After a failed write, how long commits wait before trying the disk again (each try
  // reopens the database). Default 500 ms; tests set 0.
  void retryWritesAfter(int64_t ms) { retry_writes_after_ms_.store(ms); }
  // After a failed write, tries the disk now (within the same limit) rather than waiting
  // for the next commit, so a timer tick finds out that writes work again. Empty when
  // writes may go on.
  Status resumeWrites() { return write_failed_.load() ? recoverWrites() : Status(); }
  // Whether the last commit failed (the service answers 503 while it does).
  bool writeFailing() const { return write_failed_.load(); }
  // How many times writes resumed after a failure. A failed commit's outcome is unknown
  // (a failed sync may leave the batch in the log, and it reappears with the reopened
  // database), so whoever keeps state derived from the store re-reads it when this moves.
  uint64_t writeRecoveries() const { return write_recoveries_.load(); }

  // Called with every batch of every commit that worked, on the committing thread, before
  // the commit returns: benchmarks record the engine's writes to replay them against raw
  // RocksDB ("the same shape"). Set it before the first commit; none by default.
  void setCommitTap(std::function<void(const Batch&)> tap) { tap_ = std::move(tap); }

  // Batches (a group counts each of its batches), the puts, deletes and merges and the
  // bytes in them, and the writes to disk (one per commit or group), committed since
  // open: benchmarks compare the engine's commits with raw RocksDB ones of the same shape.
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  uint64_t committedOps() const { return committed_ops_.load(std::memory_order_relaxed); }
  uint64_t committedBytes() const { return committed_bytes_.load(std::memory_order_relaxed); }

  const std::string& directory() const { return directory_; }
  Durability durability() const { return durability_; }
  // Bytes the database's SST files take on disk, for benchmarks and insights.
  uint64_t diskBytes() const;
  // Per column family: its SST files' bytes and RocksDB's estimate of its live keys
  // (benchmarks show where the bytes go).
  struct ColumnSize {
    Column column;
    uint64_t sst_bytes = 0;
    uint64_t estimated_keys = 0;
  };
  std::vector<ColumnSize> columnSizes() const;
  // Flushes memtables to SST files (benchmarks measure settled sizes; tests make reads
  // reach the files).
  Status flush();
  // A consistent copy of the database in `directory`, which must not exist (RocksDB's
  // checkpoint: hard links to the SST files where it can, the rest copied). Writes may go
  // on meanwhile; the copy holds a point between them, its applied_seq included.
  Status checkpoint(const std::string& directory);
  // Compacts every column family down to its last level, dropping overwritten and
  // deleted versions: the size the data settles at (benchmarks).
  Status compact();

 private:
  // Backups (backup.h) hand the open database to RocksDB's BackupEngine under mutex_.
  friend class BackupAccess;
  Store() = default;
  // Opens db_ and columns_ from directory_, durability_ and env_; closes them. Callers
  // hold mutex_ exclusively (or own the Store alone, as open() and the destructor do).
  std::string openDatabase(bool read_only);
  // Reads the schema marker: writes it for a new directory, marks a schema-1 one 2.
  std::string checkSchema();
  void closeDatabase();
  // Why an operation cannot run while db_ is closed (a reopen after a failed write failed).
  std::string notOpen() const;
  // After a failed write: RocksDB's Resume, else a reopen. Ok when writes may go on.
  Status recoverWrites();
  Status write(rocksdb::WriteBatch& write, const std::function<Status(rocksdb::WriteBatch&)>& fill,
               size_t batches, size_t ops, size_t bytes, bool force_sync = false);

  std::string directory_;
  bool in_memory_ = false;
  std::string opened_schema_;
  Durability durability_ = Durability::kSync;
  std::shared_ptr<rocksdb::Env> env_;
  std::vector<rocksdb::ColumnFamilyHandle*> columns_;  // owned by db_, closed before it
  std::unique_ptr<rocksdb::DB> db_;
  // Shared by every read and write; exclusive only while recoverWrites() reopens db_.
  mutable std::shared_mutex mutex_;
  // While writes fail and a reopen did not work, db_ is open read-only (reads go on).
  bool read_only_ = false;
  // Opened with StoreOptions::read_only: every write is refused, never retried.
  bool opened_read_only_ = false;
  std::atomic<int64_t> retry_writes_after_ms_{500};
  std::chrono::steady_clock::time_point last_recovery_{};
  Status last_recovery_problem_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> writes_{0};
  std::function<void(const Batch&)> tap_;
  std::atomic<bool> write_failed_{false};
  std::atomic<uint64_t> write_recoveries_{0};
  std::atomic<uint64_t> committed_ops_{0};
  std::atomic<uint64_t> committed_bytes_{0};
};

// kMeta key of the last applied log sequence. PERSISTED: value be64 (8 bytes, nothing
// else).
inline constexpr std::string_view kAppliedSeqKey = "applied_seq";

// ---- Key encoding ------------------------------------------------------------------
// Big-endian fixed-width integers sort like the numbers; `\0` separates text parts (ids
// and names never contain it).
void appendU64(std::string& key, uint64_t value);
std::optional<uint64_t> readU64(std::string_view bytes);
std::string joinKey(std::string_view a, std::string_view b);

}  // namespace rflow::store
