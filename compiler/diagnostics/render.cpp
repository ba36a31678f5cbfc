#include "diagnostics/render.h"

#include <fmt/format.h>

#include <algorithm>

#include "source/utf8.h"

namespace rflow::diagnostics {

namespace {

std::string_view severityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

std::string position(const Location& location, const source::SourceSet& sources) {
  const auto& file = sources.file(location.file);
  const auto lc = file.lineCol(location.span.begin);
  return fmt::format("{}:{}:{}", file.path(), lc.line, lc.column);
}

// Byte offset of the code point `count` code points into `text` (or its end).
size_t advance(std::string_view text, size_t count) {
  size_t pos = 0;
  for (size_t length = 0; count > 0 && pos < text.size(); --count, pos += length) {
    source::decodeUtf8(text, pos, length);
  }
  return pos;
}

// The source line under `location` with a caret underline. Lines longer than
// kMaxSnippetWidth show a window around the caret.
void appendSnippet(std::string& out, const Location& location, const source::SourceFile& file) {
  constexpr size_t kMaxSnippetWidth = 160;
  const auto start = file.lineCol(location.span.begin);
  std::string_view line = file.lineText(start.line);
  const uint32_t line_start = file.lineStart(start.line);
  size_t caret = start.column - 1;  // code points before the caret
  // Underline to the end of the span or of the line, whichever comes first; at least one.
  const size_t underline_end = std::min<size_t>(location.span.end, line_start + line.size());
  size_t width = 1;
  if (underline_end > location.span.begin) {
    width = source::countCodePoints(
        file.text().substr(location.span.begin, underline_end - location.span.begin));
  }
  std::string prefix;
  std::string suffix;
  if (source::countCodePoints(line) > kMaxSnippetWidth) {
    const size_t skip = caret > 60 ? caret - 60 : 0;
    line = line.substr(advance(line, skip));
    caret -= skip;
    if (skip > 0) prefix = "...";
    const size_t keep = advance(line, kMaxSnippetWidth - 40);
    if (keep < line.size()) suffix = "...";
    line = line.substr(0, keep);
    width = std::min(width, kMaxSnippetWidth - 40 - std::min(caret, kMaxSnippetWidth - 41));
  }
  const std::string number = std::to_string(start.line);
  const std::string gutter(number.size(), ' ');
  fmt::format_to(std::back_inserter(out), " {} | {}{}{}\n", number, prefix, line, suffix);
  // Keep tabs from the line so the caret lines up however the terminal expands them.
  std::string pad = prefix.empty() ? "" : "   ";
  const std::string_view before = line.substr(0, advance(line, caret));
  for (size_t pos = 0, length = 0; pos < before.size(); pos += length) {
    source::decodeUtf8(before, pos, length);
    pad += before[pos] == '\t' ? '\t' : ' ';
  }
  fmt::format_to(std::back_inserter(out), " {} | {}^{}\n", gutter, pad,
                 std::string(width > 1 ? width - 1 : 0, '~'));
}

}  // namespace

void sortDiagnostics(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.location.has_value() != b.location.has_value())
                       return !a.location.has_value();
                     if (!a.location) return false;
                     if (a.location->file != b.location->file)
                       return a.location->file < b.location->file;
                     return a.location->span.begin < b.location->span.begin;
                   });
}

std::string renderText(const Diagnostic& d, const source::SourceSet& sources) {
  std::string out;
  if (d.location) out += position(*d.location, sources) + ": ";
  fmt::format_to(std::back_inserter(out), "{}[{}]: {}\n", severityName(d.severity), d.code(),
                 d.message);
  std::string gutter = "  ";
  if (d.location) {
    appendSnippet(out, *d.location, sources.file(d.location->file));
    const auto line = sources.file(d.location->file).lineCol(d.location->span.begin).line;
    gutter = std::string(std::to_string(line).size() + 2, ' ');
  }
  for (const Note& note : d.notes) {
    out += gutter + "= note: ";
    if (note.location) out += position(*note.location, sources) + ": ";
    out += note.message + "\n";
  }
  if (d.fix) out += gutter + "= help: " + d.fix->description + "\n";
  return out;
}

std::string renderSummary(size_t errors, size_t warnings) {
  if (errors == 0 && warnings == 0) return "no problems";
  const auto count = [](size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
  };
  if (warnings == 0) return count(errors, "error");
  if (errors == 0) return count(warnings, "warning");
  return count(errors, "error") + ", " + count(warnings, "warning");
}

namespace {

nlohmann::json rangeJson(const Location& location, const source::SourceSet& sources) {
  const auto& file = sources.file(location.file);
  const auto start = file.lineCol(location.span.begin);
  const auto end = file.lineCol(location.span.end);
  return {{"file", file.path()},
          {"start", {{"line", start.line}, {"column", start.column}}},
          {"end", {{"line", end.line}, {"column", end.column}}}};
}

}  // namespace

nlohmann::json toJson(const Diagnostic& d, const source::SourceSet& sources) {
  nlohmann::json out = {
      {"severity", severityName(d.severity)}, {"code", d.code()}, {"message", d.message}};
  out["location"] = d.location ? rangeJson(*d.location, sources) : nlohmann::json(nullptr);
  nlohmann::json notes = nlohmann::json::array();
  for (const Note& note : d.notes) {
    notes.push_back({{"message", note.message},
                     {"location", note.location ? rangeJson(*note.location, sources)
                                                : nlohmann::json(nullptr)}});
  }
  out["notes"] = std::move(notes);
  if (d.fix) {
    nlohmann::json edits = nlohmann::json::array();
    for (const Edit& edit : d.fix->edits) {
      edits.push_back(
          {{"location", rangeJson(edit.location, sources)}, {"replacement", edit.replacement}});
    }
    out["fix"] = {{"description", d.fix->description}, {"edits", std::move(edits)}};
  } else {
    out["fix"] = nullptr;
  }
  return out;
}

nlohmann::json toJson(const std::vector<Diagnostic>& diagnostics,
                      const source::SourceSet& sources) {
  nlohmann::json list = nlohmann::json::array();
  size_t errors = 0;
  for (const Diagnostic& d : diagnostics) {
    list.push_back(toJson(d, sources));
    if (d.severity == Severity::kError) ++errors;
  }
  return {{"diagnostics", std::move(list)},
          {"errors", errors},
          {"warnings", diagnostics.size() - errors}};
}

}  // namespace rflow::diagnostics
