#include "store/store.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "base/varint.h"
#include "store/counters.h"
#include "store/group_codec.h"
#include "store/group_merges.h"

namespace rflow::store {

namespace {

constexpr std::string_view kColumnNames[kColumnCount] = {
    "meta",  "modules", "instances", "keys",    "timers", "tasks", "task_index",
    "audit", "calls",   "signals",   "metrics", "inbox",  "redo"};

// The schema of the records in the column families; the engine refuses a database
// written by a newer rflow rather than misreading it. Schema 1 (kMetrics values are
// absolute be64 counts, one audit entry per key) is read as it is and marked 2 on open:
// from then on this rflow writes schema-2 records beside the old ones.
constexpr std::string_view kSchemaKey = "schema";
constexpr std::string_view kSchemaVersion = "2";
constexpr std::string_view kOldSchemaVersion = "1";

// kMetrics: a merge adds counters (counters.h). An operand that is not a counters value
// fails the merge, which RocksDB reports as corruption on the read: it is never written.
class AddCounters final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    Counters sum;
    if (in.existing_value != nullptr &&
        !addEncodedCounters({in.existing_value->data(), in.existing_value->size()}, sum))
      return false;
    for (const rocksdb::Slice& operand : in.operand_list) {
      if (!addEncodedCounters({operand.data(), operand.size()}, sum)) return false;
    }
    out->new_value = encodeCounters(sum);
    return true;
  }
  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger*) const override {
    Counters sum;
    for (const rocksdb::Slice& operand : operands) {
      if (!addEncodedCounters({operand.data(), operand.size()}, sum)) return false;
    }
    *new_value = encodeCounters(sum);
    return true;
  }
  const char* Name() const override { return "rflow.AddCounters"; }
};

std::string explain(const rocksdb::Status& status, const std::string& directory) {
  const std::string reason = status.ToString();
  if (status.IsIOError() && reason.find("lock") != std::string::npos) {
    return fmt::format(
        "the data directory `{}` is in use by another rflow process ({}); stop it or use "
        "another --data directory",
        directory, reason);
  }
  if (reason.find("No space") != std::string::npos) {
    return fmt::format("the disk of `{}` is full ({}); free space and retry", directory, reason);
  }
  if (status.IsIOError())
    return fmt::format(
        "the data directory `{}` cannot be written: {}; the change was not confirmed, and "
        "rflow tries the disk again with the next write",
        directory, reason);
  return fmt::format("the data directory `{}` cannot be used: {}", directory, reason);
}

// An empty view may carry a null pointer, which Slice would pass on to memcmp (undefined
// behaviour even for zero bytes; UBSan reports it).
rocksdb::Slice sliceOf(std::string_view bytes) {
  return bytes.empty() ? rocksdb::Slice() : rocksdb::Slice(bytes.data(), bytes.size());
}

}  // namespace

std::string_view columnName(Column column) {
  return kColumnNames[static_cast<size_t>(column)];
}

// ---- Batch ----------------------------------------------------------------------------

Batch::Batch() = default;
Batch::~Batch() = default;
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;

namespace {

size_t readLength(std::string_view bytes, size_t& at) {
  size_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<uint8_t>(bytes[at++]);
    n |= static_cast<size_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return n;
  }
}

}  // namespace

void Batch::append(Kind kind, Column column, std::string_view key, std::string_view value) {
  // A step writes a handful of records of a few hundred bytes: room for them at once.
  if (writes_.capacity() < 1024) writes_.reserve(1024);
  writes_.push_back(static_cast<char>(kind));
  writes_.push_back(static_cast<char>(column));
  base::appendVarint(writes_, key.size());
  writes_.append(key);
  base::appendVarint(writes_, value.size());
  writes_.append(value);
  ++count_;
  bytes_ += key.size() + value.size();
}

// Reads back only what append() wrote, so the lengths are always in bounds.
template <typename F>
void Batch::forEach(F&& visit) const {
  const std::string_view all(writes_);
  size_t at = 0;
  while (at < all.size()) {
    const auto kind = static_cast<Kind>(all[at++]);
    const auto column = static_cast<Column>(all[at++]);
    const size_t key_size = readLength(all, at);
    const std::string_view key = all.substr(at, key_size);
    at += key_size;
    const size_t value_size = readLength(all, at);
    const std::string_view value = all.substr(at, value_size);
    at += value_size;
    visit(kind, column, key, value);
  }
}

void Batch::visit(
    const std::function<void(Kind, Column, std::string_view, std::string_view)>& visitor) const {
  forEach(visitor);
}

void Batch::put(Column column, std::string_view key, std::string_view value) {
  append(Kind::kPut, column, key, value);
}

void Batch::remove(Column column, std::string_view key) {
  append(Kind::kRemove, column, key, {});
}

void Batch::addCounters(std::string_view key, std::string_view encoded_counters) {
  append(Kind::kMerge, Column::kMetrics, key, encoded_counters);
}

void Batch::clear() {
  writes_.clear();
  count_ = 0;
  bytes_ = 0;
}

// ---- Store ----------------------------------------------------------------------------

std::variant<std::unique_ptr<Store>, std::string> Store::open(const std::string& directory,
                                                              const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());  // the constructor is private
  store->directory_ = directory;
  store->in_memory_ = options.in_memory;
  store->durability_ = options.durability;
  store->env_ = options.env;
  if (!store->env_ && options.in_memory) {
    store->env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
  }
  if (!options.in_memory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
      return fmt::format("cannot create the data directory `{}`: {}", directory, error.message());
    }
  }

  if (std::string problem = store->openDatabase(/*read_only=*/false); !problem.empty())
    return problem;
  if (std::string problem = store->checkSchema(); !problem.empty()) return problem;
  return store;
}

std::variant<std::unique_ptr<Store>, std::string> Store::openReadOnly(
    const std::string& directory) {
  std::unique_ptr<Store> store(new Store());  // the constructor is private
  store->directory_ = directory;
  store->durability_ = Durability::kAsync;
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error))
    return fmt::format("there is no data directory at `{}`", directory);
  if (!std::filesystem::exists(std::filesystem::path(directory) / "CURRENT", error))
    return fmt::format(
        "`{}` is not an rflow data directory (it holds no database); give the --data "
        "directory of the rflow serve or rflow run that wrote it",
        directory);
  store->opened_read_only_ = true;
  if (std::string problem = store->openDatabase(/*read_only=*/true); !problem.empty())
    return fmt::format("`{}` is not an rflow data directory: {}", directory, problem);
  auto schema = store->get(Column::kMeta, kSchemaKey);
  if (!schema.ok()) return schema.status().message();
  if (!schema.value())
    return fmt::format("`{}` is not an rflow data directory (it has no rflow schema)", directory);
  store->opened_schema_ = *schema.value();
  if (store->opened_schema_ != kSchemaVersion && store->opened_schema_ != kOldSchemaVersion)
    return fmt::format(
        "the data directory `{}` was written by another version of rflow (schema {})", directory,
        store->opened_schema_);
  return store;
}

std::string Store::checkSchema() {
  auto schema = get(Column::kMeta, kSchemaKey);
  if (!schema.ok()) return schema.status().message();
  opened_schema_ = schema.value().value_or(std::string(kSchemaVersion));
  if (opened_schema_ != kSchemaVersion && opened_schema_ != kOldSchemaVersion) {
    return fmt::format(
        "the data directory `{}` was written by another version of rflow (schema {}, this "
        "rflow reads schemas {} and {}); use a matching rflow or a new --data directory",
        directory_, opened_schema_, kOldSchemaVersion, kSchemaVersion);
  }
  if (schema.value() == kSchemaVersion) return {};
  Batch batch;
  batch.put(Column::kMeta, kSchemaKey, kSchemaVersion);
  const Status written = commit(batch);
  return written.ok() ? std::string() : written.message();
}

std::string Store::openDatabase(bool read_only) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // Concurrent commits share one WAL write and fsync.
  db_options.enable_pipelined_write = true;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 3;
  if (env_) db_options.env = env_.get();

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = 16 << 20;
  cf_options.compression = rocksdb::kNoCompression;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (std::string_view name : kColumnNames) {
    rocksdb::ColumnFamilyOptions options = cf_options;
    if (name == columnName(Column::kMetrics))
      options.merge_operator = std::make_shared<AddCounters>();
    // The indexes of open waits (stage entries, their SLA ends) delete as many keys as
    // they add: a file where deletions pile up is compacted soon, so scans of what is
    // open do not step over them for long.
    if (name == columnName(Column::kMeta))
      options.table_properties_collector_factories.push_back(
          rocksdb::NewCompactOnDeletionCollectorFactory(128, 64));
    descriptors.emplace_back(std::string(name), options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status status =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, directory_, descriptors, &handles, &db)
                : rocksdb::DB::Open(db_options, directory_, descriptors, &handles, &db);
  if (!status.ok()) return explain(status, directory_);
  db_.reset(db);
  // handles[0] is the default family, which rflow does not use.
  db_->DestroyColumnFamilyHandle(handles[0]);
  columns_.assign(handles.begin() + 1, handles.end());

  return {};
}

void Store::closeDatabase() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* handle : columns_)
    db_->DestroyColumnFamilyHandle(handle);
  columns_.clear();
  db_->Close();
  db_.reset();
}

Store::~Store() {
  closeDatabase();
}

Result<std::optional<std::string>> Store::get(Column column, std::string_view key) const {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  std::string value;
  const rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), columns_[static_cast<size_t>(column)], sliceOf(key), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return Status::failure(explain(status, directory_));
  return std::optional<std::string>(std::move(value));
}

std::string Store::notOpen() const {
  return fmt::format(
      "the data directory `{}` could not be reopened after a failed write; rflow tries again "
      "with the next write",
      directory_);
}

Status Store::scan(Column column, std::string_view prefix, const Visitor& visit) const {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  // The first key after every key with the prefix, as the iterator's bound: RocksDB then
  // stops at it instead of stepping over deleted keys beyond the prefix's last live one
  // (indexes of open waits delete an entry at every step that ends one).
  std::string after(prefix);
  while (!after.empty() && static_cast<unsigned char>(after.back()) == 0xff)
    after.pop_back();
  if (!after.empty())
    after.back() = static_cast<char>(static_cast<unsigned char>(after.back()) + 1);
  const rocksdb::Slice bound = sliceOf(after);
  rocksdb::ReadOptions read;
  if (!after.empty()) read.iterate_upper_bound = &bound;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read, columns_[static_cast<size_t>(column)]));
  for (it->Seek(sliceOf(prefix)); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(sliceOf(prefix))) break;
    const rocksdb::Slice value = it->value();
    if (!visit({key.data(), key.size()}, {value.data(), value.size()})) break;
  }
  return it->status().ok() ? Status() : Status::failure(explain(it->status(), directory_));
}

Status Store::scanFrom(Column column, std::string_view from, const Visitor& visit) const {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), columns_[static_cast<size_t>(column)]));
  for (it->Seek(sliceOf(from)); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    const rocksdb::Slice value = it->value();
    if (!visit({key.data(), key.size()}, {value.data(), value.size()})) break;
  }
  return it->status().ok() ? Status() : Status::failure(explain(it->status(), directory_));
}

Status Store::scanAtOnePoint(std::span<const ScanRange> ranges, const RangeVisitor& visit) const {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  for (const ScanRange& range : ranges) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(read, columns_[static_cast<size_t>(range.column)]));
    for (it->Seek(sliceOf(range.from)); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key();
      const rocksdb::Slice value = it->value();
      if (!visit(range.column, {key.data(), key.size()}, {value.data(), value.size()})) break;
    }
    if (!it->status().ok()) return Status::failure(explain(it->status(), directory_));
  }
  return Status();
}

Result<std::optional<std::string>> Store::lastKey(Column column, std::string_view prefix) const {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), columns_[static_cast<size_t>(column)]));
  if (prefix.empty()) {
    it->SeekToLast();
  } else {
    // The first key after every key with the prefix, then one step back.
    std::string after(prefix);
    while (!after.empty() && static_cast<uint8_t>(after.back()) == 0xFF)
      after.pop_back();
    if (after.empty()) {
      it->SeekToLast();
    } else {
      after.back() = static_cast<char>(static_cast<uint8_t>(after.back()) + 1);
      it->Seek(after);
      if (it->Valid()) {
        it->Prev();
      } else {
        it->SeekToLast();
      }
    }
  }
  if (!it->status().ok()) return Status::failure(explain(it->status(), directory_));
  if (!it->Valid()) return std::optional<std::string>();
  const rocksdb::Slice key = it->key();
  if (!key.starts_with(sliceOf(prefix))) return std::optional<std::string>();
  return std::optional<std::string>(key.ToString());
}

Status Store::commit(const Batch& batch) {
  const Batch* one[] = {&batch};
  return commitGroup(one);
}

Store::WriteBuffer::WriteBuffer() : write_(std::make_unique<rocksdb::WriteBatch>()) {}
Store::WriteBuffer::~WriteBuffer() = default;

Status Store::commitGroup(std::span<const Batch* const> group) {
  WriteBuffer buffer;
  return commitGroup(group, buffer);
}

Status Store::commitGroup(std::span<const Batch* const> group, WriteBuffer& buffer) {
  size_t ops = 0, bytes = 0;
  for (const Batch* batch : group) {
    ops += batch->count();
    bytes += batch->bytes();
  }
  if (ops == 0) return {};
  buffer.write_->Clear();  // keeps its memory
  Status written = write(
      *buffer.write_,
      [&](rocksdb::WriteBatch& write) {
        rocksdb::Status status;
        // The aggregates' merges, one operand per key for the whole group.
        GroupMerges merges;
        rocksdb::ColumnFamilyHandle* metrics = columns_[static_cast<size_t>(Column::kMetrics)];
        const GroupMerges::Write merge = [&](std::string_view key, std::string_view operand) {
          status = write.Merge(metrics, sliceOf(key), sliceOf(operand));
          return status.ok();
        };
        for (const Batch* batch : group) {
          batch->forEach([&](Batch::Kind kind, Column column, std::string_view key,
                             std::string_view value) {
            if (!status.ok()) return;
            rocksdb::ColumnFamilyHandle* cf = columns_[static_cast<size_t>(column)];
            if (column == Column::kMetrics) {
              if (kind == Batch::Kind::kMerge) {
                merges.add(key, value, merge);
                return;
              }
              if (!merges.flush(key, merge)) return;
            }
            status = kind == Batch::Kind::kPut      ? write.Put(cf, sliceOf(key), sliceOf(value))
                     : kind == Batch::Kind::kRemove ? write.Delete(cf, sliceOf(key))
                                                    : write.Merge(cf, sliceOf(key), sliceOf(value));
          });
        }
        if (status.ok()) merges.flushAll(merge);
        return status.ok() ? Status() : Status::failure(explain(status, directory_));
      },
      group.size(), ops, bytes);
  if (written.ok() && tap_) {
    for (const Batch* batch : group)
      tap_(*batch);
  }
  return written;
}

Status Store::applyGroup(std::string_view payload, uint64_t applied_seq, std::string_view redo) {
  auto decoded = decodeGroup(payload);
  if (!decoded.ok()) return decoded.status();
  const std::vector<GroupWrite>& writes = decoded.value();
  std::string seq;
  appendU64(seq, applied_seq);
  size_t bytes = seq.size() + kAppliedSeqKey.size();
  for (const GroupWrite& w : writes)
    bytes += w.key.size() + w.value.size();
  rocksdb::WriteBatch batch;
  return write(
      batch,
      [&](rocksdb::WriteBatch& out) {
        rocksdb::Status status;
        for (const GroupWrite& w : writes) {
          rocksdb::ColumnFamilyHandle* cf = columns_[static_cast<size_t>(w.column)];
          status = w.kind == Batch::Kind::kPut ? out.Put(cf, sliceOf(w.key), sliceOf(w.value))
                   : w.kind == Batch::Kind::kRemove
                       ? out.Delete(cf, sliceOf(w.key))
                       : out.Merge(cf, sliceOf(w.key), sliceOf(w.value));
          if (!status.ok()) break;
        }
        if (status.ok())
          status = out.Put(columns_[static_cast<size_t>(Column::kMeta)], sliceOf(kAppliedSeqKey),
                           sliceOf(seq));
        if (status.ok() && !redo.empty())
          status =
              out.Put(columns_[static_cast<size_t>(Column::kRedo)], sliceOf(seq), sliceOf(redo));
        return status.ok() ? Status() : Status::failure(explain(status, directory_));
      },
      /*batches=*/1, writes.size() + 1, bytes, /*force_sync=*/true);
}

Result<uint64_t> Store::appliedSeq() const {
  auto got = get(Column::kMeta, kAppliedSeqKey);
  if (!got.ok()) return got.status();
  if (!got.value()) return uint64_t{0};
  const std::optional<uint64_t> seq =
      got.value()->size() == 8 ? readU64(*got.value()) : std::nullopt;
  if (!seq)
    return Status::failure(fmt::format(
        "the data directory `{}` has an unreadable applied log sequence ({} bytes, not 8); "
        "rebuild it from the partition log into an empty directory",
        directory_, got.value()->size()));
  return *seq;
}

Status Store::write(rocksdb::WriteBatch& write,
                    const std::function<Status(rocksdb::WriteBatch&)>& fill, size_t batches,
                    size_t ops, size_t bytes, bool force_sync) {
  // After a failed write RocksDB refuses every write until it resumes; the disk may be
  // back (space freed, a transient error over), so the first commit after a failure
  // asks it to, and when it cannot (a failed log write is not resumable) reopens the
  // database, which recovers everything the log holds. If the disk is still failing,
  // the write below fails and says why.
  if (opened_read_only_)
    return Status::failure(
        fmt::format("the data directory `{}` was opened for reading only; nothing is written to it",
                    directory_));
  if (write_failed_.load()) {
    if (Status recovered = recoverWrites(); !recovered.ok()) return recovered;
  }
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  if (Status filled = fill(write); !filled.ok()) return filled;
  rocksdb::WriteOptions options;
  options.sync = force_sync || durability_ == Durability::kSync;
  const rocksdb::Status status = db_->Write(options, &write);
  if (!status.ok()) {
    write_failed_.store(true);
    return Status::failure(explain(status, directory_));
  }
  writes_.fetch_add(1, std::memory_order_relaxed);
  commits_.fetch_add(batches, std::memory_order_relaxed);
  committed_ops_.fetch_add(ops, std::memory_order_relaxed);
  committed_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  return {};
}

Status Store::recoverWrites() {
  std::unique_lock lock(mutex_);
  if (!write_failed_.load()) return {};  // another commit recovered first
  // A disk that just failed is rarely back within moments; trying at most every half
  // second keeps a stream of refused commits from reopening the database each time.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_recovery_ < std::chrono::milliseconds(retry_writes_after_ms_.load()))
    return last_recovery_problem_;
  last_recovery_ = now;
  if (db_ && !read_only_ && db_->Resume().ok()) {
    write_failed_.store(false);
    write_recoveries_.fetch_add(1);
    return {};
  }
  closeDatabase();
  std::string problem = openDatabase(/*read_only=*/false);
  if (problem.empty()) {
    read_only_ = false;
    write_failed_.store(false);
    write_recoveries_.fetch_add(1);
    last_recovery_problem_ = Status();
    return {};
  }
  // Still failing: keep serving reads from what is on disk (the log included) until a
  // later commit finds the disk back.
  read_only_ = openDatabase(/*read_only=*/true).empty();
  last_recovery_problem_ = Status::failure(problem);
  return last_recovery_problem_;
}

uint64_t Store::diskBytes() const {
  uint64_t total = 0;
  for (const ColumnSize& size : columnSizes())
    total += size.sst_bytes;
  return total;
}

std::vector<Store::ColumnSize> Store::columnSizes() const {
  std::shared_lock lock(mutex_);
  std::vector<ColumnSize> sizes;
  if (!db_) return sizes;
  for (size_t i = 0; i < columns_.size(); ++i) {
    ColumnSize size{.column = static_cast<Column>(i)};
    (void)db_->GetIntProperty(columns_[i], rocksdb::DB::Properties::kTotalSstFilesSize,
                              &size.sst_bytes);
    (void)db_->GetIntProperty(columns_[i], rocksdb::DB::Properties::kEstimateNumKeys,
                              &size.estimated_keys);
    sizes.push_back(size);
  }
  return sizes;
}

Status Store::flush() {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  const rocksdb::Status status = db_->Flush(rocksdb::FlushOptions(), columns_);
  return status.ok() ? Status() : Status::failure(explain(status, directory_));
}

Status Store::checkpoint(const std::string& directory) {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // Memtables are flushed first (a log size of 0), so the copy needs no WAL replay.
  if (status.ok()) status = checkpoint->CreateCheckpoint(directory, /*log_size_for_flush=*/0);
  return status.ok() ? Status() : Status::failure(explain(status, directory));
}

Status Store::compact() {
  std::shared_lock lock(mutex_);
  if (!db_) return Status::failure(notOpen());
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf : columns_) {
    const rocksdb::Status status = db_->CompactRange(options, cf, nullptr, nullptr);
    if (!status.ok()) return Status::failure(explain(status, directory_));
  }
  return {};
}

// ---- Keys -----------------------------------------------------------------------------

void appendU64(std::string& key, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((value >> shift) & 0xFF));
}

std::optional<uint64_t> readU64(std::string_view bytes) {
  if (bytes.size() < 8) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i)
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

std::string joinKey(std::string_view a, std::string_view b) {
  std::string key;
  key.reserve(a.size() + 1 + b.size());
  key.append(a);
  key.push_back('\0');
  key.append(b);
  return key;
}

}  // namespace rflow::store
