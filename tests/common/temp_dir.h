// TempDir: a fresh directory of the test's own under the system's temporary directory
// (mkdtemp: unique across the parallel test processes ctest runs), removed with
// everything in it when the object goes away. The one temporary directory the tests use.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace rflow::test_support {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rflow-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path()/name, not created (a store's directory, a file to be written).
  std::string sub(std::string_view name) const { return (path_ / name).string(); }
  // Writes `text` to path()/name (creating directories) and returns the full path.
  std::filesystem::path write(std::string_view name, std::string_view text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace rflow::test_support
