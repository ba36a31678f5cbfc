#include "engine/program_cache.h"

#include <fmt/format.h>

#include "bytecode/read.h"
#include "engine/keys.h"

namespace rflow::engine {

namespace {

std::variant<std::shared_ptr<const vm::Program>, std::string> loadProgram(
    std::span<const uint8_t> bytes) {
  bytecode::LoadResult loaded = bytecode::loadModule(bytes);
  if (!loaded.ok()) {
    return fmt::format("the module cannot be loaded: {} (at byte {})", loaded.error().message,
                       loaded.error().offset);
  }
  auto prepared = vm::Program::load(std::move(loaded).module());
  if (auto* problem = std::get_if<std::string>(&prepared)) return *problem;
  return std::get<std::shared_ptr<const vm::Program>>(std::move(prepared));
}

}  // namespace

namespace {

// Every start names its version (InstanceRecord::version): hex without a format call per
// byte.
std::string versionOfHash(std::span<const uint8_t> hash) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out(hash.size() * 2, '0');
  for (size_t i = 0; i < hash.size(); ++i) {
    out[2 * i] = kHex[hash[i] >> 4];
    out[2 * i + 1] = kHex[hash[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string versionOf(const vm::Program& program) {
  return versionOfHash(program.module().content_hash);
}

std::optional<std::string> versionOfModule(std::span<const uint8_t> bytes) {
  bytecode::LoadResult loaded = bytecode::loadModule(bytes);
  if (!loaded.ok()) return std::nullopt;
  return versionOfHash(std::move(loaded).module().content_hash);
}

ProgramCache::ProgramCache(store::Store& store) : store_(store) {
  // A failed read leaves no current version: nothing starts until a deployment, which
  // every rflow command makes first anyway.
  auto current = store_.get(store::Column::kMeta, keys::kCurrentVersion);
  if (current.ok()) current_ = std::move(current).value();
}

std::variant<std::string, EngineError> ProgramCache::deploy(
    std::vector<uint8_t> bytes, const std::function<store::Status(store::Batch)>& commit,
    std::optional<uint64_t> log_seq) {
  auto loaded = loadProgram(bytes);
  if (auto* problem = std::get_if<std::string>(&loaded))
    return EngineError{EngineError::Code::kBadInput, *problem};
  auto program = std::get<std::shared_ptr<const vm::Program>>(std::move(loaded));
  const std::string version = versionOf(*program);
  store::Batch batch;
  batch.put(store::Column::kModules, version,
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  batch.put(store::Column::kMeta, keys::kCurrentVersion, version);
  if (log_seq) {
    std::string seq;
    store::appendU64(seq, *log_seq);
    batch.put(store::Column::kMeta, keys::kDeploymentSeq, seq);
  }
  if (store::Status written = commit(std::move(batch)); !written.ok())
    return EngineError{EngineError::Code::kStorage, written.message()};
  std::lock_guard lock(mutex_);
  programs_[version] = std::move(program);
  current_ = version;
  return version;
}

std::optional<std::string> ProgramCache::currentVersion() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<const vm::Program> ProgramCache::current() const {
  auto version = currentVersion();
  if (!version) return nullptr;
  auto found = get(*version);
  return found ? *found : nullptr;
}

Found<std::shared_ptr<const vm::Program>> ProgramCache::get(const std::string& version) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = programs_.find(version); it != programs_.end()) return it->second;
  }
  auto bytes = store_.get(store::Column::kModules, version);
  if (!bytes.ok()) return EngineError{EngineError::Code::kStorage, bytes.status().message()};
  if (!bytes.value())
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("module version {} is not stored", version)};
  const std::string& raw = *bytes.value();
  auto loaded = loadProgram({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  if (auto* problem = std::get_if<std::string>(&loaded))
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("module version {} cannot be used: {}", version, *problem)};
  std::lock_guard lock(mutex_);
  auto& slot = programs_[version];
  if (!slot) slot = std::get<std::shared_ptr<const vm::Program>>(std::move(loaded));
  return slot;
}

}  // namespace rflow::engine
