// Reading whole files, and a private temporary file that is removed when its owner goes out of
// scope, error paths included. fastText trains from a file and saves to a file; these carry the
// bytes across. Internal to rflow_classifier.
//
// Invariants: path() names a file this process created (exclusively: never one that
// existed before), in std::filesystem::temp_directory_path(); it is removed on
// destruction, and a failed removal is ignored (there is nobody to tell).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace rflow::classifier::detail {

// A whole file, or why it could not be read (`error` is then set: "cannot be opened for
// reading", "reading it failed…"). Never throws.
struct FileRead {
  std::string bytes;
  std::string error;
  bool ok() const { return error.empty(); }
};
FileRead readWholeFile(const std::filesystem::path& path);

class TempFile {
 public:
  // A new empty file whose name ends with `suffix`, or why none could be made.
  static std::variant<TempFile, std::string> create(std::string_view suffix);

  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();

  const std::filesystem::path& path() const { return path_; }
  // Replaces the contents; false when the write failed.
  bool write(std::string_view bytes) const;
  std::optional<std::string> read() const;

 private:
  explicit TempFile(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace rflow::classifier::detail
