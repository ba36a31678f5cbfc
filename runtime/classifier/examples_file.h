// Reading labelled examples for `rflow train` and `rflow classify --data`: CSV with a
// header row naming `text` and `label` columns (RFC 4180 quoting: quoted fields with
// commas, doubled quotes and line breaks), or JSON Lines with one {"text": …, "label": …}
// object per line. The format follows the extension: .csv, .jsonl or .ndjson.
//
// Invariants of a result: every example has a text that is not empty after normalize()
// and a label with no surrounding whitespace; when allowed labels are given, every label
// is one of them. Errors start with `file:line: ` (the line where the offending record
// starts) and say what is wrong in plain words.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/classifier/train.h"

namespace rflow::classifier {

std::variant<std::vector<Example>, std::string> readExamples(
    const std::filesystem::path& path,
    std::optional<std::span<const std::string>> allowed_labels = std::nullopt);

// The same from bytes already read; `name` is what errors call the file, and `format` is
// "csv" or "jsonl".
std::variant<std::vector<Example>, std::string> parseExamples(
    std::string_view bytes, std::string_view name, std::string_view format,
    std::optional<std::span<const std::string>> allowed_labels = std::nullopt);

}  // namespace rflow::classifier
