// Box<T>: an owning pointer with value semantics, for recursive syntax tree nodes.
//
// Copying a Box copies what it holds (so a syntax tree is a plain value that can be
// copied and compared), moving it moves the pointer. A default-constructed Box is empty;
// the syntax tree uses that for optional parts ("no `else` message", "no return value").
#pragma once

#include <memory>
#include <utility>

namespace rflow::syntax {

template <typename T>
class Box {
 public:
  Box() = default;
  Box(T value) : ptr_(std::make_unique<T>(std::move(value))) {}  // NOLINT: implicit by design
  Box(const Box& other) : ptr_(other.ptr_ ? std::make_unique<T>(*other.ptr_) : nullptr) {}
  Box(Box&&) noexcept = default;
  Box& operator=(const Box& other) {
    if (this != &other) ptr_ = other.ptr_ ? std::make_unique<T>(*other.ptr_) : nullptr;
    return *this;
  }
  Box& operator=(Box&&) noexcept = default;
  ~Box() = default;

  explicit operator bool() const { return ptr_ != nullptr; }
  T& operator*() { return *ptr_; }
  const T& operator*() const { return *ptr_; }
  T* operator->() { return ptr_.get(); }
  const T* operator->() const { return ptr_.get(); }
  T* get() { return ptr_.get(); }
  const T* get() const { return ptr_.get(); }

 private:
  std::unique_ptr<T> ptr_;
};

// For std::visit over several lambdas.
template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace rflow::syntax
