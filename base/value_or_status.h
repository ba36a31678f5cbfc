// ValueOr<T, S>: a value, or the status S of the operation that could not produce it.
// The store (store::Status) and the cluster layer (cluster::Status) each have their own
// status type, with the same shape of result around it; this is that shape, written once.
// Unlike base::Result (result.h), T may be any movable type (strings, records, vectors).
//
// Invariants: holds exactly one of a T or an S, fixed at construction; S is
// default-constructible as "ok" and has ok(); status() of a value is that ok S.
#pragma once

#include <utility>
#include <variant>

namespace rflow::base {

template <typename T, typename S>
class [[nodiscard]] ValueOr {
 public:
  ValueOr(T value) : v_(std::move(value)) {}  // NOLINT: a value converts implicitly
  ValueOr(S failed) : v_(std::move(failed)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  // The failure; an ok S when there is a value.
  S status() const { return ok() ? S() : std::get<S>(v_); }

 private:
  std::variant<T, S> v_;
};

}  // namespace rflow::base
