// What the tests of rflow.toml's tables share: a text parsed as the file
// /etc/rflow/rflow.toml with no environment, as a configuration that must load or as the
// one error it must give.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/config.h"

namespace rflow::runtime {

inline const std::filesystem::path kConfigFile = "/etc/rflow/rflow.toml";

inline std::variant<Config, ConfigErrors> parseConfig(std::string_view text) {
  return Config::fromString(text, kConfigFile,
                            [](std::string_view) { return std::optional<std::string>(); });
}

// The configuration; a test failure (and the defaults) when it does not load.
inline Config configOk(std::string_view text) {
  auto result = parseConfig(text);
  if (auto* errors = std::get_if<ConfigErrors>(&result)) {
    ADD_FAILURE() << describe(*errors);
    return Config::defaults();
  }
  return std::get<Config>(std::move(result));
}

// The one error `text` gives; a test failure when it gives none or more than one.
inline ConfigError configError(std::string_view text) {
  auto result = parseConfig(text);
  auto* errors = std::get_if<ConfigErrors>(&result);
  if (!errors) {
    ADD_FAILURE() << "expected an error for:\n" << text;
    return {};
  }
  EXPECT_EQ(errors->size(), 1u) << describe(*errors);
  return errors->front();
}

}  // namespace rflow::runtime
