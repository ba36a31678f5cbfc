// Rendering log lines as text or JSON.
#include "service/log.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/time_text.h"

namespace rflow::service {

namespace {

using nlohmann::ordered_json;

// The wall clock, not the engine's: a --time-scale demo runs the engine's time faster,
// and log lines are read next to other processes' logs.
std::string now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return base::formatTime(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  return text;
}

std::string dump(const ordered_json& line) {
  // A message may quote what a request or a file held, which need not be UTF-8.
  return line.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace

std::optional<LogFormat> parseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

Log::Log(LogFormat format)
    : Log(
          format, [](const std::string& line) { std::cout << line << std::endl; },
          [](const std::string& line) { std::cerr << line << std::endl; }) {}

Log::Log(LogFormat format, Sink out, Sink err)
    : format_(format), out_(std::move(out)), err_(std::move(err)) {}

void Log::write(const Sink& sink, const std::string& line) const {
  std::lock_guard lock(mutex_);
  sink(line);
}

void Log::emit(std::string_view level, std::string_view message) const {
  ordered_json line;
  line["time"] = now();
  line["level"] = level;
  line["message"] = trimmed(message);
  write(err_, dump(line));
}

void Log::info(std::string_view message) const {
  if (format_ == LogFormat::kJson) return emit("info", message);
  write(out_, "rflow serve: " + std::string(message));
}

void Log::warning(std::string_view message) const {
  if (format_ == LogFormat::kJson) return emit("warning", message);
  write(out_, "rflow serve: warning: " + std::string(message));
}

void Log::error(std::string_view message) const {
  if (format_ == LogFormat::kJson) return emit("error", message);
  write(err_, "rflow serve: " + std::string(message));
}

void Log::request(const RequestRecord& record) const {
  if (format_ != LogFormat::kJson) return;
  ordered_json line;
  line["time"] = now();
  line["level"] = "info";
  line["message"] = "request";
  line["request_id"] = record.request_id;
  line["method"] = record.method;
  line["route"] = record.route ? ordered_json(*record.route) : ordered_json(nullptr);
  line["status"] = record.status;
  // Microseconds are noise next to a network's; three decimals keep lines short.
  line["duration_ms"] =
      record.duration_ms
          ? ordered_json(static_cast<double>(static_cast<int64_t>(*record.duration_ms * 1000)) /
                         1000)
          : ordered_json(nullptr);
  line["caller"] = record.caller ? ordered_json(*record.caller) : ordered_json(nullptr);
  write(err_, dump(line));
}

}  // namespace rflow::service
