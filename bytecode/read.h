// The module loader: the bytes of a .rfc file -> a verified Module, or a LoadError that
// says in plain words what is wrong and where.
//
// Safe on any input: it never reads outside `bytes`, never allocates more than a small
// multiple of the file's size (every count is checked against the bytes left before
// anything is reserved), never recurses on the input's shape, and always terminates.
// A module it returns has passed verifyModule() (verify.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "bytecode/module.h"

namespace rflow::bytecode {

struct LoadOptions {
  // Check the content hash. Only the fuzzer turns this off, to reach the decoder and the
  // verifier with mutated bytes.
  bool check_hash = true;
};

struct LoadError {
  size_t offset = 0;    // of the byte where the problem was found
  std::string message;  // "the module is corrupt: its content hash does not match"
};

class LoadResult {
 public:
  LoadResult(Module module) : value_(std::move(module)) {}   // NOLINT: implicit by design
  LoadResult(LoadError error) : value_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // Only when ok().
  const Module& module() const& { return std::get<Module>(value_); }
  Module&& module() && { return std::get<Module>(std::move(value_)); }
  // Only when !ok().
  const LoadError& error() const { return std::get<LoadError>(value_); }

 private:
  std::variant<Module, LoadError> value_;
};

LoadResult loadModule(std::span<const uint8_t> bytes, const LoadOptions& options = {});

}  // namespace rflow::bytecode
