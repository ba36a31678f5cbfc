// The store's one error type: every read, scan and commit says whether it worked, and the
// compiler refuses code that drops the answer ([[nodiscard]] on the types, -Werror). An
// absent key is not an error (get answers an empty optional); a read that failed is, so
// no caller can mistake a failing disk for a missing instance.
//
// Invariants: an ok Status has an empty message; a failed one has a message that says
// what went wrong and what to do, ready for a person to read.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rflow::store {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status failure(std::string message) { return Status(std::move(message)); }
  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
  bool failed_ = false;
  std::string message_;
};

// A value, or the Status of the operation that could not produce it.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: a value converts implicitly
  Result(Status failed) : v_(std::move(failed)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  // The failure; an ok Status when there is a value.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace rflow::store
