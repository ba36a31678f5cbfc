// The fault-injecting file system (fault_injection.h). Built on RocksDB's FileSystem
// API because RocksDB 7 routes all file I/O through the Env's FileSystem: overriding
// the legacy Env methods would be bypassed.
#include "store/fault_injection.h"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <utility>

namespace rflow::store {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

class FaultFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<FaultSwitch> faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(std::move(faults)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    if (auto s = writeFault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    if (auto s = writeFault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const IOOptions& options,
                            IODebugContext* dbg) override {
    if (auto s = writeFault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    if (auto s = writeFault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Flush(options, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    if (auto s = syncFault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    if (auto s = syncFault(); !s.ok()) return s;
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  IOStatus writeFault() {
    switch (faults_->get()) {
      case Fault::kWriteError:
        faults_->countInjected();
        return IOStatus::IOError("injected write error");
      case Fault::kDiskFull:
        faults_->countInjected();
        return IOStatus::NoSpace("No space left on device (injected)");
      case Fault::kNone:
      case Fault::kSyncError:
      case Fault::kReadError:
        break;
    }
    return IOStatus::OK();
  }
  IOStatus syncFault() {
    const Fault f = faults_->get();
    if (f == Fault::kSyncError || f == Fault::kWriteError) {
      faults_->countInjected();
      return IOStatus::IOError("injected sync error");
    }
    if (f == Fault::kDiskFull) {
      faults_->countInjected();
      return IOStatus::NoSpace("No space left on device (injected)");
    }
    return IOStatus::OK();
  }

  std::shared_ptr<FaultSwitch> faults_;
};

// Reads of table files fail while the switch says kReadError (a bad sector, a disk that
// went away). Opening them does not: the database opens, and the reads that reach the
// disk fail, as they do on a failing one.
class FaultReadFile final : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultReadFile(std::unique_ptr<rocksdb::FSRandomAccessFile> file,
                std::shared_ptr<FaultSwitch> faults)
      : FSRandomAccessFileOwnerWrapper(std::move(file)), faults_(std::move(faults)) {}

  IOStatus Read(uint64_t offset, size_t n, const IOOptions& options, rocksdb::Slice* result,
                char* scratch, IODebugContext* dbg) const override {
    if (auto s = readFault(); !s.ok()) return s;
    return FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result, scratch, dbg);
  }
  IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs, const IOOptions& options,
                     IODebugContext* dbg) override {
    if (auto s = readFault(); !s.ok()) {
      for (size_t i = 0; i < num_reqs; ++i)
        reqs[i].status = s;
      return s;
    }
    return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, num_reqs, options, dbg);
  }

 private:
  IOStatus readFault() const {
    if (faults_->get() != Fault::kReadError) return IOStatus::OK();
    faults_->countInjected();
    return IOStatus::IOError("injected read error");
  }
  std::shared_ptr<FaultSwitch> faults_;
};

class FaultFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFileSystem(std::shared_ptr<FaultSwitch> faults)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), faults_(std::move(faults)) {}

  const char* Name() const override { return "RflowFaultFileSystem"; }

  IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* dbg) override {
    IOStatus s = FileSystemWrapper::NewWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<FaultFile>(std::move(*result), faults_);
    return s;
  }
  IOStatus NewRandomAccessFile(const std::string& name, const rocksdb::FileOptions& options,
                               std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                               IODebugContext* dbg) override {
    IOStatus s = FileSystemWrapper::NewRandomAccessFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<FaultReadFile>(std::move(*result), faults_);
    return s;
  }
  IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                              IODebugContext* dbg) override {
    IOStatus s = FileSystemWrapper::ReopenWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<FaultFile>(std::move(*result), faults_);
    return s;
  }
  IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                             const rocksdb::FileOptions& options,
                             std::unique_ptr<rocksdb::FSWritableFile>* result,
                             IODebugContext* dbg) override {
    IOStatus s = FileSystemWrapper::ReuseWritableFile(name, old_name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<FaultFile>(std::move(*result), faults_);
    return s;
  }

 private:
  std::shared_ptr<FaultSwitch> faults_;
};

}  // namespace

std::shared_ptr<rocksdb::Env> faultInjectingEnv(std::shared_ptr<FaultSwitch> faults) {
  auto fs = std::make_shared<FaultFileSystem>(std::move(faults));
  return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(fs));
}

}  // namespace rflow::store
