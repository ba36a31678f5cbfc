#include "engine/keys.h"

#include <fmt/format.h>

#include "engine/partition.h"

namespace rflow::engine::keys {

using store::appendU64;
using store::joinKey;

std::string instanceId(uint64_t n) {
  return fmt::format("in-{:010}", n);
}

std::string taskId(uint64_t n) {
  return fmt::format("tk-{:010}", n);
}

std::string instanceId(uint64_t n, std::optional<uint32_t> partition) {
  return partition ? instanceId(n) + partitionSuffix(*partition) : instanceId(n);
}

std::string taskId(uint64_t n, std::optional<uint32_t> partition) {
  return partition ? taskId(n) + partitionSuffix(*partition) : taskId(n);
}

std::optional<uint64_t> idNumber(std::string_view id) {
  if (id.size() < 4 || id[2] != '-') return std::nullopt;
  std::string_view digits = id.substr(3);
  if (partitionOfId(id)) digits = digits.substr(0, digits.find('-'));
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || n > UINT64_MAX / 10) return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

std::string business(std::string_view workflow, std::string_view key) {
  return joinKey(workflow, key);
}

std::string timer(int64_t due, uint64_t seq, std::string_view instance) {
  std::string key;
  // Offset so that times before 1970 still sort before later ones.
  appendU64(key, static_cast<uint64_t>(due) ^ (uint64_t{1} << 63));
  appendU64(key, seq);
  key.append(instance);
  return key;
}

std::optional<int64_t> timerDue(std::string_view key) {
  const auto raw = store::readU64(key);
  if (!raw) return std::nullopt;
  return static_cast<int64_t>(*raw ^ (uint64_t{1} << 63));
}

std::optional<uint64_t> timerSeq(std::string_view key) {
  return key.size() < 16 ? std::nullopt : store::readU64(key.substr(8));
}

std::string perInstance(std::string_view instance, uint64_t n) {
  std::string key = perInstancePrefix(instance);
  appendU64(key, n);
  return key;
}

std::string perInstancePrefix(std::string_view instance) {
  std::string key(instance);
  key.push_back('\0');
  return key;
}

std::string_view instanceOf(std::string_view key) {
  return key.substr(0, key.find('\0'));
}

std::optional<uint64_t> numberOf(std::string_view key) {
  return key.size() < 8 ? std::nullopt : store::readU64(key.substr(key.size() - 8));
}

std::string roleIndex(std::string_view role, std::string_view task) {
  return "r" + joinKey(role, task);
}

std::string userIndex(std::string_view user, std::string_view task) {
  return "u" + joinKey(user, task);
}

std::string beginMarker(std::string_view instance) {
  return joinKey("begin", instance);
}

std::string startRequest(std::string_view request) {
  return joinKey("start", request);
}

std::string signalRequest(std::string_view instance, std::string_view request) {
  return joinKey("signal", joinKey(instance, request));
}

std::string keySignalRequest(std::string_view workflow, std::string_view key,
                             std::string_view request) {
  return joinKey("signal-by-key", joinKey(joinKey(workflow, key), request));
}

std::string decisionRequest(std::string_view task, std::string_view request) {
  return joinKey("decision", joinKey(task, request));
}

std::string schedule(std::string_view workflow, std::string_view cron) {
  return joinKey(joinKey("schedule", workflow), cron);
}

void appendTime(std::string& out, int64_t ms) {
  appendU64(out, static_cast<uint64_t>(ms) ^ (uint64_t{1} << 63));
}

std::optional<int64_t> readTime(std::string_view bytes) {
  const auto raw = store::readU64(bytes);
  if (!raw) return std::nullopt;
  return static_cast<int64_t>(*raw ^ (uint64_t{1} << 63));
}

std::string stageOpen(std::string_view instance, uint64_t request) {
  std::string key = joinKey("stage-open", instance);
  key.push_back('\0');
  appendU64(key, request);
  return key;
}

std::string stageSincePrefix(std::string_view workflow, std::string_view stage) {
  std::string key = joinKey("stage-since", workflow);
  key.push_back('\0');
  if (stage.empty()) return key;
  key.append(stage);
  key.push_back('\0');
  return key;
}

std::string stageSince(std::string_view workflow, std::string_view stage, int64_t since,
                       std::string_view instance, uint64_t request) {
  std::string key = stageSincePrefix(workflow, stage);
  appendTime(key, since);
  key.push_back('\0');
  key.append(instance);
  key.push_back('\0');
  appendU64(key, request);
  return key;
}

std::string stageEntryPrefix(std::string_view instance) {
  std::string key = joinKey("stage-entry", instance);
  key.push_back('\0');
  return key;
}

std::string stageEntry(std::string_view instance, std::string_view stage) {
  return stageEntryPrefix(instance) + std::string(stage);
}

std::string stageMaxPrefix(std::string_view workflow, std::string_view stage) {
  std::string key = joinKey(joinKey("stage-max", workflow), stage);
  key.push_back('\0');
  return key;
}

std::string stageMax(std::string_view workflow, std::string_view stage, int64_t ms) {
  std::string key = stageMaxPrefix(workflow, stage);
  appendU64(key, ~static_cast<uint64_t>(ms));
  return key;
}

}  // namespace rflow::engine::keys
