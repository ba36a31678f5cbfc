// Reading the labelled issue texts (RFC 4180 CSV with a `text,label` header).
#include "issue_texts.h"

#include <fmt/format.h>

#include <algorithm>

#include <fstream>
#include <sstream>

#include "chain.h"

namespace rflow::simulator {

namespace {

std::vector<IssueText>& rows() {
  static std::vector<IssueText> kRows;
  return kRows;
}

// Splits one record into fields starting at `pos`, which it leaves at the next record.
// Quoted fields may hold commas, doubled quotes and line ends.
std::vector<std::string> record(const std::string& csv, size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < csv.size()) {
    const char c = csv[pos++];
    if (quoted) {
      if (c != '"') {
        fields.back() += c;
      } else if (pos < csv.size() && csv[pos] == '"') {
        fields.back() += '"';
        ++pos;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

bool loadIssueTexts(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read {}", path);
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string csv = buffer.str();
  size_t pos = 0;
  if (record(csv, pos) != std::vector<std::string>{"text", "label"}) {
    error = fmt::format("{}: the first line must be the header text,label", path);
    return false;
  }
  std::vector<IssueText> out;
  for (int row = 1; pos < csv.size(); ++row) {
    std::vector<std::string> f = record(csv, pos);
    if (f.size() == 1 && f[0].empty()) continue;  // a blank line, e.g. at the end
    if (f.size() != 2 || f[0].empty() || f[1].empty()) {
      error = fmt::format("{}: row {}: expected a text and a label", path, row);
      return false;
    }
    out.push_back({std::move(f[0]), std::move(f[1])});
  }
  // The story needs both the category that rises and the others to draw from.
  const auto rising = std::count_if(out.begin(), out.end(), [](const IssueText& t) {
    return t.category == kRisingCategory;
  });
  if (rising == 0 || rising == static_cast<std::ptrdiff_t>(out.size())) {
    error = fmt::format("{}: needs texts labelled {} and texts of other categories", path,
                        kRisingCategory);
    return false;
  }
  rows() = std::move(out);
  return true;
}

const std::vector<IssueText>& issueTexts() {
  return rows();
}

}  // namespace rflow::simulator
