// Reading and writing .rfc module files for the command line. Writes are atomic (a
// temporary file in the same directory, then rename), so a failed or interrupted build
// never leaves half a module where the old one was.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "bytecode/module.h"

namespace rflow::cli {

// Empty on success, else what went wrong, in words.
std::string writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes);

// The file's bytes, or what went wrong. Refuses files larger than `max_bytes`.
std::variant<std::vector<uint8_t>, std::string> readBinaryFile(const std::string& path,
                                                               size_t max_bytes);

// The verified module in the .rfc file `path`, or what is wrong with it (naming the file
// and saying to rebuild it).
std::variant<bytecode::Module, std::string> readModuleFile(const std::string& path);

}  // namespace rflow::cli
