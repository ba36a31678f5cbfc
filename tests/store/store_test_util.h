// What the store's tests share: opening a store that must open.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>

#include "store/store.h"

namespace rflow::store {

// The store in `dir`; a test failure (and null) when it does not open.
inline std::unique_ptr<Store> openOrFail(const std::string& dir, StoreOptions options = {}) {
  auto opened = Store::open(dir, options);
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<Store>>(opened));
}

inline std::unique_ptr<Store> openOrFail(const std::string& dir, Durability durability) {
  StoreOptions options;
  options.durability = durability;
  return openOrFail(dir, options);
}

}  // namespace rflow::store
