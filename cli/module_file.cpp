#include "cli/module_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bytecode/read.h"

namespace rflow::cli {

namespace fs = std::filesystem;

std::string writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const fs::path target(path);
  if (fs::is_directory(target)) return fmt::format("`{}` is a directory", path);
  const fs::path temp = target.parent_path() / (target.filename().string() + ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return fmt::format("cannot write `{}`: {}", temp.string(), std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(temp, ignored);
      return fmt::format("cannot write `{}`: {}", temp.string(), std::strerror(errno));
    }
  }
  std::error_code error;
  fs::rename(temp, target, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return fmt::format("cannot write `{}`: {}", path, error.message());
  }
  return {};
}

std::variant<std::vector<uint8_t>, std::string> readBinaryFile(const std::string& path,
                                                               size_t max_bytes) {
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    return fmt::format("`{}` is not a file that can be read", path);
  const uintmax_t size = fs::file_size(path, error);
  if (error) return fmt::format("cannot read `{}`: {}", path, error.message());
  if (size > max_bytes)
    return fmt::format("`{}` is {} bytes; a module may have at most {}", path, size, max_bytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fmt::format("cannot read `{}`: {}", path, std::strerror(errno));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) return fmt::format("cannot read `{}`: it changed while being read", path);
  return bytes;
}

std::variant<bytecode::Module, std::string> readModuleFile(const std::string& path) {
  auto read = readBinaryFile(path, bytecode::kMaxModuleBytes);
  if (auto* problem = std::get_if<std::string>(&read)) return *problem;
  bytecode::LoadResult loaded = bytecode::loadModule(std::get<std::vector<uint8_t>>(read));
  if (!loaded.ok())
    return fmt::format(
        "`{}` is not a valid rflow module: {} (at byte {}); rebuild it with "
        "`rflow build`",
        path, loaded.error().message, loaded.error().offset);
  return std::move(loaded).module();
}

}  // namespace rflow::cli
