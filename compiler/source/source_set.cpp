#include "source/source_set.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace rflow::source {

namespace fs = std::filesystem;

FileId SourceSet::add(std::string path, std::string text) {
  files_.emplace_back(std::move(path), std::move(text));
  return static_cast<FileId>(files_.size() - 1);
}

namespace {

bool isHidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

// Lists the .rflow files below `dir` in sorted order, or reports why it cannot.
std::vector<std::string> listDirectory(const std::string& dir, std::vector<LoadProblem>& problems) {
  std::vector<std::string> found;
  const size_t problems_before = problems.size();
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    problems.push_back({LoadProblem::Kind::kCannotRead, dir, ec.message()});
    return found;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      problems.push_back({LoadProblem::Kind::kCannotRead, dir, ec.message()});
      break;
    }
    const fs::directory_entry& entry = *it;
    if (entry.is_directory(ec) && isHidden(entry.path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (entry.is_regular_file(ec) && entry.path().extension() == ".rflow") {
      found.push_back(entry.path().lexically_normal().string());
    }
  }
  std::sort(found.begin(), found.end());
  if (found.empty() && problems.size() == problems_before) {
    problems.push_back({LoadProblem::Kind::kNoSourceFiles, dir, ""});
  }
  return found;
}

void readFile(const std::string& path, SourceSet& out, std::vector<LoadProblem>& problems) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    problems.push_back({LoadProblem::Kind::kCannotRead, path, ec.message()});
    return;
  }
  if (size > kMaxSourceFileBytes) {
    problems.push_back({LoadProblem::Kind::kTooLarge, path, std::to_string(size)});
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back({LoadProblem::Kind::kCannotRead, path, std::strerror(errno)});
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    problems.push_back({LoadProblem::Kind::kCannotRead, path, "read error"});
    return;
  }
  out.add(path, std::move(text).str());
}

}  // namespace

std::vector<LoadProblem> loadSources(std::span<const std::string> paths, SourceSet& out) {
  std::vector<LoadProblem> problems;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      problems.push_back(
          {LoadProblem::Kind::kCannotRead, path, ec ? ec.message() : "no such file or directory"});
    } else if (fs::is_directory(status)) {
      auto listed = listDirectory(path, problems);
      files.insert(files.end(), listed.begin(), listed.end());
    } else if (fs::is_regular_file(status)) {
      files.push_back(fs::path(path).lexically_normal().string());
    } else {
      problems.push_back({LoadProblem::Kind::kCannotRead, path, "not a file or a directory"});
    }
  }
  // The same file named twice (`rflow check a.rflow .`) is read once.
  std::vector<std::string> unique;
  for (auto& f : files) {
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(std::move(f));
  }
  if (unique.size() > kMaxProjectFiles) {
    // Reading a part of a project would only produce misleading errors about the rest.
    problems.push_back({LoadProblem::Kind::kTooManyFiles, paths.empty() ? "." : paths.front(),
                        std::to_string(unique.size())});
    return problems;
  }
  for (const auto& f : unique)
    readFile(f, out, problems);
  return problems;
}

}  // namespace rflow::source
