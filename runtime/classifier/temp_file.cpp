// Private temporary files (temp_file.h).
#include "runtime/classifier/temp_file.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

namespace rflow::classifier::detail {

std::variant<TempFile, std::string> TempFile::create(std::string_view suffix) {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) return "no temporary directory: " + ec.message();
  std::random_device entropy;
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string name = "rflow-classifier-";
    for (int i = 0; i < 16; ++i)
      name.push_back(kDigits[entropy() % 36]);
    name += suffix;
    const std::filesystem::path path = dir / name;
    // "x": fails if the file exists, so two trainings never share a file.
    if (std::FILE* f = std::fopen(path.c_str(), "wbx")) {
      std::fclose(f);
      return TempFile(path);
    }
  }
  return "cannot create a temporary file in " + dir.string();
}

TempFile::TempFile(TempFile&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

TempFile::~TempFile() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

bool TempFile::write(std::string_view bytes) const {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return !out.fail();
}

std::optional<std::string> TempFile::read() const {
  FileRead r = readWholeFile(path_);
  if (!r.ok()) return std::nullopt;
  return std::move(r.bytes);
}

FileRead readWholeFile(const std::filesystem::path& path) {
  FileRead r;
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      r.error = "cannot be opened for reading";
      return r;
    }
    r.bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) r.error = "reading it failed";
  } catch (const std::exception& e) {
    r.error = std::string("reading it failed: ") + e.what();
  }
  return r;
}

}  // namespace rflow::classifier::detail
