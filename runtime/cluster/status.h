// The cluster layer's error type: every call that talks to NATS (or could) answers a
// Result the caller cannot drop ([[nodiscard]] on the types, -Werror), never an
// exception. The kind says what the caller may do next; the message is for an operator:
// which server, which stream, what happened, what to do.
//
// Invariants: an ok Status has no message; a failed one has a kind other than kNone and
// a message ready for a person to read.
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include "base/value_or_status.h"

namespace rflow::cluster {

enum class ErrorKind {
  kNone,
  // No answer in time, no responders (a stream without a leader), connection lost: the
  // outcome is not known and the same request may be repeated.
  kUnavailable,
  // The server answered that the thing asked for is not there (stream, message).
  kNotFound,
  // JetStream error 10071: the stream's last sequence is not the one the publish expected.
  kWrongLastSequence,
  // The server refused, and repeating the request will not change that (too large, stream
  // full, configuration conflict, permission).
  kRefused,
  // What was read does not verify (a checksum, a format, a Msg-Id that is not ours).
  kCorrupt,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status failure(ErrorKind kind, std::string message) {
    return Status(kind, std::move(message));
  }
  bool ok() const { return kind_ == ErrorKind::kNone; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // JetStream's error code when the server gave one (10071 …), else 0.
  int code() const { return code_; }
  Status withCode(int code) && {
    code_ = code;
    return std::move(*this);
  }

 private:
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}
  ErrorKind kind_ = ErrorKind::kNone;
  std::string message_;
  int code_ = 0;
};

// A value, or the Status of the operation that could not produce it.
template <typename T>
using Result = base::ValueOr<T, Status>;

inline ErrorKind kindOf(const Status& s) {
  return s.kind();
}
template <typename T>
ErrorKind kindOf(const Result<T>& r) {
  return r.ok() ? ErrorKind::kNone : r.status().kind();
}

// Calls `attempt` until its answer is not kUnavailable or `patience` has passed; the last
// answer. For setting up (a node joining): right after NATS servers form a cluster, or a
// stream or bucket is created, its leader is still being elected and requests get "no
// responders" for a few seconds, which is not a reason to give up. Never for a write whose
// repeat could do it twice: only for idempotent requests (create-if-absent, reads).
template <typename F>
auto patiently(std::chrono::milliseconds patience, F&& attempt) {
  const auto until = std::chrono::steady_clock::now() + patience;
  for (;;) {
    auto answer = attempt();
    if (kindOf(answer) != ErrorKind::kUnavailable || std::chrono::steady_clock::now() >= until)
      return answer;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace rflow::cluster
