// What `rflow train` and `rflow classify` share: the project's classifier a command names
// (compiled like `rflow check`), its labels and declared threshold; scoring predictions
// at one threshold; and writing a file so that a failure leaves nothing behind.
//
// Invariants of a ClassifierTarget: `members` are the enum's members in declaration order
// (the only labels a model or a data file may use); `threshold` is the declared one, in
// (0, 1).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/classifier/model.h"
#include "runtime/classifier/train.h"

namespace rflow::cli {

struct ClassifierTarget {
  std::string qualified;  // "retail.triage.IssueKind"
  std::string name;       // "IssueKind"
  std::string enum_name;  // "IssueCategory"
  std::vector<std::string> members;
  std::string threshold_text;  // as declared: "0.75"
  double threshold = 0.5;
};

// Builds the project at `path` and finds classifier `name` (short or qualified). On a
// problem it prints the diagnostics or a message (prefixed with `command`) to stderr and
// returns the exit code, 1.
std::variant<ClassifierTarget, int> findClassifier(const std::string& path, const std::string& name,
                                                   std::string_view command);

// How a model does on labelled examples at one threshold (the declared one), defined as
// in runtime/classifier/evaluate.h.
struct AtThreshold {
  size_t examples = 0;
  size_t labelled = 0;
  size_t right = 0;  // of the labelled, those whose best label is right
  double precision() const { return labelled == 0 ? 1.0 : double(right) / double(labelled); }
  double coverage() const { return examples == 0 ? 0.0 : double(labelled) / double(examples); }
};
AtThreshold scoreAt(const classifier::Model& model, std::span<const classifier::Example> examples,
                    double threshold);

// Writes `bytes` to `path` through a temporary file beside it and a rename, so that a
// failure leaves no file and no half-written one (an existing file stays as it was).
std::optional<std::string> writeFileAtomically(const std::filesystem::path& path,
                                               std::string_view bytes);

// Why `path` cannot take an output file (its directory does not exist, it is a
// directory), checked before long work so that the work is not wasted.
std::optional<std::string> checkOutputPath(const std::filesystem::path& path);

}  // namespace rflow::cli
