// What the byte-level mutation drivers (module, state, classifier model) share: running
// one input through the fuzz target, and reading seed and regression files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace rflow::fuzz {

using Bytes = std::vector<uint8_t>;

inline void run(const Bytes& input) {
  // RFLOW_FUZZ_TRACE=FILE keeps the input being run in FILE, to catch one that hangs.
  if (const char* trace = std::getenv("RFLOW_FUZZ_TRACE")) {
    std::ofstream(trace, std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()),
               static_cast<std::streamsize>(input.size()));
  }
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

inline Bytes readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Every file below `root` with this extension (all but READMEs when empty), in a fixed
// order.
inline std::vector<Bytes> readAll(const std::filesystem::path& root,
                                  std::string_view extension = "") {
  namespace fs = std::filesystem;
  std::vector<fs::path> paths;
  if (!fs::exists(root)) return {};
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    if (!extension.empty() && e.path().extension() != extension) continue;
    paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<Bytes> out;
  for (const fs::path& p : paths)
    out.push_back(readFile(p));
  return out;
}

}  // namespace rflow::fuzz
