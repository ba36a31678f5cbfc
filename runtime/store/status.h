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

#include "base/value_or_status.h"

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
using Result = base::ValueOr<T, Status>;

}  // namespace rflow::store
