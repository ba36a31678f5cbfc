// What `rflow openapi` and `rflow contract` share: the project built in memory with its
// version and doc comments, and writing a JSON document to a file or stdout.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "driver/build.h"
#include "runtime/wire_schema.h"

namespace rflow::cli {

struct ContractProject {
  compiler::BuildResult built;  // built.module is set
  std::string version;          // the module's content hash, hex (what a deployment is called)
  runtime::DocTable docs;
};

// Builds `path` (a project directory or a file; empty: the current directory). On errors
// the diagnostics are printed on stderr and nullopt is returned.
std::optional<ContractProject> buildContractProject(const std::string& path);

// Writes `document` (indented, with a final newline) to `output`, or to stdout when it
// is empty or "-". Empty on success, else what went wrong.
std::string writeDocument(const nlohmann::json& document, const std::string& output);

}  // namespace rflow::cli
