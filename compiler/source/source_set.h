// SourceSet: the files of one compilation, addressed by FileId, and the loader that
// fills it from command-line paths.
//
// Invariants: FileIds are dense indices in the order files were added; the loader adds
// files in sorted path order, so diagnostics and module hashes do not depend on the
// order a directory happens to list its entries.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "source/source_file.h"

namespace rflow::source {

// Limits on what one compilation reads. Both are diagnosed, never silently truncated.
inline constexpr size_t kMaxSourceFileBytes = size_t{8} << 20;
inline constexpr size_t kMaxProjectFiles = 10'000;

class SourceSet {
 public:
  FileId add(std::string path, std::string text);
  const SourceFile& file(FileId id) const { return files_[id]; }
  size_t size() const { return files_.size(); }
  std::span<const SourceFile> files() const { return files_; }

 private:
  std::vector<SourceFile> files_;
};

// Why a command-line path contributed no (or not all) source.
struct LoadProblem {
  enum class Kind {
    kCannotRead,     // missing, unreadable, or neither a file nor a directory
    kNoSourceFiles,  // a directory without any .rflow file below it
    kTooLarge,       // a file over kMaxSourceFileBytes
    kTooManyFiles,   // more than kMaxProjectFiles in total
  };
  Kind kind;
  std::string path;
  std::string detail;  // the operating system's reason, or the size
};

// Adds the files named by `paths`: a file adds itself (whatever its extension), a
// directory every `*.rflow` file below it, skipping directories whose names start with
// `.` (version control, caches). Nothing else is read, and nothing at all when there are
// more than kMaxProjectFiles files.
std::vector<LoadProblem> loadSources(std::span<const std::string> paths, SourceSet& out);

}  // namespace rflow::source
