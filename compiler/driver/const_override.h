// Building a project with some `const` values replaced (`rflow whatif --set NAME=VALUE`):
// the value is written as in the language and stands in for the constant's initializer,
// in memory; the files are not changed. An unknown constant, a value that is not one
// expression, or a value of another type than the constant's is refused, naming the
// constant and its type, and nothing is built.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bytecode/module.h"
#include "driver/build.h"

namespace rflow::compiler {

struct ConstSetting {
  std::string name;   // qualified or declared
  std::string value;  // source text
};

// "NAME=VALUE" -> a setting; nullopt without a `=` or a name.
std::optional<ConstSetting> parseSetting(std::string_view text);

struct OverrideBuild {
  BuildResult built;  // with the values replaced
  // One line per constant changed: "AUTO_POST_LIMIT: 5_000.00 USD -> 10_000.00 USD".
  std::vector<std::string> changed;
};

// Checks the project in `paths`, replaces the settings' constants and builds it. On a
// misuse: the message (which constant, its type, what is wrong). A project that has
// errors of its own comes back built with them (check built.ok()).
std::variant<OverrideBuild, std::string> buildWithConstants(
    const std::vector<std::string>& paths, const std::vector<ConstSetting>& settings);

}  // namespace rflow::compiler
