// CSV and JSON Lines example files (examples_file.h).
#include "runtime/classifier/examples_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/suggest.h"
#include "runtime/classifier/temp_file.h"
#include "runtime/classifier/text.h"

namespace rflow::classifier {

namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

// Checks one example and appends it; or says what is wrong with it.
class Collector {
 public:
  Collector(std::string_view name, std::optional<std::span<const std::string>> allowed)
      : name_(name), allowed_(allowed) {}

  std::string where(size_t line) const { return name_ + ":" + std::to_string(line) + ": "; }

  std::optional<std::string> add(size_t line, std::string text, std::string_view label) {
    label = trim(label);
    if (label.empty()) return where(line) + "the label is empty";
    if (normalize(text).empty()) return where(line) + "the text is empty";
    if (allowed_ && std::find(allowed_->begin(), allowed_->end(), label) == allowed_->end()) {
      std::string message =
          where(line) + "the label `" + std::string(label) + "` is not a member of the enum";
      const std::vector<std::string_view> members(allowed_->begin(), allowed_->end());
      if (auto close = base::closestMatch(label, members))
        message += " (did you mean `" + *close + "`?)";
      return message;
    }
    examples_.push_back(Example{std::move(text), std::string(label)});
    return std::nullopt;
  }

  std::vector<Example> take() && { return std::move(examples_); }

 private:
  std::string name_;
  std::optional<std::span<const std::string>> allowed_;
  std::vector<Example> examples_;
};

// One CSV record: its fields and the line it starts on.
struct Record {
  std::vector<std::string> fields;
  size_t line = 0;
};

// RFC 4180 records; an unquoted field keeps a stray quote as it is, as spreadsheets'
// exports are read.
class CsvReader {
 public:
  CsvReader(std::string_view bytes, const Collector& names) : s_(bytes), names_(names) {
    if (s_.starts_with("\xEF\xBB\xBF")) s_.remove_prefix(3);  // a UTF-8 byte-order mark
  }

  // The next record, nullopt at the end; `error` is set when the file is malformed.
  std::optional<Record> next(std::string& error) {
    // Blank lines separate nothing and are skipped.
    while (pos_ < s_.size() && (s_[pos_] == '\n' || s_[pos_] == '\r')) {
      if (s_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= s_.size()) return std::nullopt;
    Record record{.fields = {}, .line = line_};
    std::string field;
    while (true) {
      if (pos_ < s_.size() && s_[pos_] == '"') {
        const size_t start_line = line_;
        ++pos_;
        while (true) {
          if (pos_ >= s_.size()) {
            error = names_.where(start_line) + "a quoted field starts here and never ends (a " +
                    "missing closing quote?)";
            return std::nullopt;
          }
          const char c = s_[pos_++];
          if (c == '"') {
            if (pos_ < s_.size() && s_[pos_] == '"') {
              field.push_back('"');
              ++pos_;
              continue;
            }
            break;
          }
          if (c == '\n') ++line_;
          field.push_back(c);
        }
        if (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '\n' && s_[pos_] != '\r') {
          error = names_.where(line_) +
                  "text follows a closing quote; inside a quoted field a quote is written "
                  "twice (\"\")";
          return std::nullopt;
        }
      } else {
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '\n' && s_[pos_] != '\r')
          field.push_back(s_[pos_++]);
      }
      record.fields.push_back(std::move(field));
      field.clear();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      // The end of the record: \n, \r\n, a lone \r, or the end of the file.
      if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '\n') {
        ++pos_;
        ++line_;
      }
      return record;
    }
  }

 private:
  std::string_view s_;
  const Collector& names_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

std::variant<std::vector<Example>, std::string> parseCsv(std::string_view bytes,
                                                         Collector collector) {
  CsvReader reader(bytes, collector);
  std::string error;
  const auto header = reader.next(error);
  if (!error.empty()) return error;
  if (!header) return collector.where(1) + "the file is empty; it needs a header row `text,label`";
  size_t text_column = SIZE_MAX, label_column = SIZE_MAX;
  for (size_t i = 0; i < header->fields.size(); ++i) {
    const std::string_view name = trim(header->fields[i]);
    if (name == "text" && text_column == SIZE_MAX) text_column = i;
    if (name == "label" && label_column == SIZE_MAX) label_column = i;
  }
  if (text_column == SIZE_MAX || label_column == SIZE_MAX) {
    return collector.where(header->line) + "the header row has no `" +
           (text_column == SIZE_MAX ? "text" : "label") +
           "` column; the first row must name the columns, e.g. `text,label`";
  }
  while (auto record = reader.next(error)) {
    if (record->fields.size() != header->fields.size()) {
      return collector.where(record->line) + std::to_string(record->fields.size()) +
             (record->fields.size() == 1 ? " field" : " fields") + " where the header has " +
             std::to_string(header->fields.size()) +
             " (a text with a comma must be in double quotes)";
    }
    if (auto e = collector.add(record->line, std::move(record->fields[text_column]),
                               record->fields[label_column]))
      return *e;
  }
  if (!error.empty()) return error;
  return std::move(collector).take();
}

std::variant<std::vector<Example>, std::string> parseJsonLines(std::string_view bytes,
                                                               Collector collector) {
  size_t line = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    ++line;
    const size_t end = std::min(bytes.find('\n', pos), bytes.size());
    const std::string_view text = trim(bytes.substr(pos, end - pos));
    pos = end + 1;
    if (text.empty()) continue;
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      // "[json.exception.parse_error.101] parse error at line 1, column 7: …": the id
      // says nothing to a person, and the line is ours to give.
      if (const size_t close = what.find("] "); close != std::string::npos)
        what = what.substr(close + 2);
      return collector.where(line) + "not valid JSON: " + what;
    }
    if (!object.is_object())
      return collector.where(line) + "expected an object {\"text\": …, \"label\": …}";
    const auto text_it = object.find("text");
    const auto label_it = object.find("label");
    if (text_it == object.end() || label_it == object.end()) {
      return collector.where(line) + "the object has no \"" +
             (text_it == object.end() ? "text" : "label") + "\" field";
    }
    if (!text_it->is_string() || !label_it->is_string()) {
      return collector.where(line) + "\"" + (text_it->is_string() ? "label" : "text") +
             "\" must be a string";
    }
    if (auto e = collector.add(line, text_it->get<std::string>(),
                               label_it->get_ref<const std::string&>()))
      return *e;
  }
  return std::move(collector).take();
}

}  // namespace

std::variant<std::vector<Example>, std::string> parseExamples(
    std::string_view bytes, std::string_view name, std::string_view format,
    std::optional<std::span<const std::string>> allowed_labels) {
  Collector collector(name, allowed_labels);
  try {
    if (format == "csv") return parseCsv(bytes, std::move(collector));
    if (format == "jsonl") return parseJsonLines(bytes, std::move(collector));
  } catch (const std::exception& e) {
    return std::string(name) + ": " + e.what();
  }
  return std::string(name) + ": unknown format `" + std::string(format) +
         "`; examples are csv or jsonl";
}

std::variant<std::vector<Example>, std::string> readExamples(
    const std::filesystem::path& path, std::optional<std::span<const std::string>> allowed_labels) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  std::string_view format;
  if (extension == ".csv") {
    format = "csv";
  } else if (extension == ".jsonl" || extension == ".ndjson") {
    format = "jsonl";
  } else {
    return path.string() +
           ": examples must be a .csv file (with a header row `text,label`) or a .jsonl / "
           ".ndjson file (one {\"text\": …, \"label\": …} per line)";
  }
  detail::FileRead file = detail::readWholeFile(path);
  if (!file.ok()) return path.string() + ": " + file.error;
  const std::string& bytes = file.bytes;
  return parseExamples(bytes, path.string(), format, allowed_labels);
}

}  // namespace rflow::classifier
