// A generated rflow project of a requested size, for benchmarks: modules of records,
// enums, decisions, functions and workflows with approvals, connector calls and tests,
// shaped like the examples/ processes so that the grammar's hot paths are exercised.
// Deterministic: the same size gives the same text.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rflow::bench {

// (path, text) pairs totalling at least `lines` lines, split into files of about
// `lines_per_file` lines.
std::vector<std::pair<std::string, std::string>> generateProject(size_t lines,
                                                                 size_t lines_per_file = 500);

}  // namespace rflow::bench
