#include "service/metrics_merge.h"

#include <fmt/format.h>

#include <string_view>
#include <unordered_map>
#include <vector>

namespace rflow::service {

namespace {

struct Family {
  std::string help;  // the whole `# HELP` line
  std::string type;  // the whole `# TYPE` line
  std::string samples;
};

// "name rest" -> name, for `# HELP name …` and `# TYPE name …`.
std::string_view headerName(std::string_view line) {
  line.remove_prefix(7);  // "# HELP " and "# TYPE " are both 7 bytes
  return line.substr(0, line.find(' '));
}

// `name{a="x"} 1` -> `name{partition="p",a="x"} 1`; `name 1` -> `name{partition="p"} 1`.
void appendLabelled(std::string& out, std::string_view line, uint32_t partition) {
  const size_t at = line.find_first_of("{ ");
  if (at == std::string_view::npos) return;  // not a sample
  out.append(line.substr(0, at));
  if (line[at] == '{') {
    out += fmt::format("{{partition=\"{}\"", partition);
    if (line.size() > at + 1 && line[at + 1] != '}') out += ',';
    out.append(line.substr(at + 1));
  } else {
    out += fmt::format("{{partition=\"{}\"}}", partition);
    out.append(line.substr(at));
  }
  out += '\n';
}

}  // namespace

std::string mergeMetricsText(std::span<const PartitionMetrics> parts) {
  std::vector<std::string> order;
  std::unordered_map<std::string, Family> families;
  for (const PartitionMetrics& part : parts) {
    Family* current = nullptr;
    std::string_view text = part.text;
    while (!text.empty()) {
      const size_t end = text.find('\n');
      const std::string_view line = text.substr(0, end);
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      const bool help = line.starts_with("# HELP ");
      if (help || line.starts_with("# TYPE ")) {
        const std::string name(headerName(line));
        auto [it, inserted] = families.try_emplace(name);
        if (inserted) order.push_back(name);
        current = &it->second;
        std::string& kept = help ? current->help : current->type;
        if (kept.empty()) kept = line;
        continue;
      }
      if (line.empty() || line.starts_with('#') || current == nullptr) continue;
      appendLabelled(current->samples, line, part.partition);
    }
  }
  std::string out;
  for (const std::string& name : order) {
    const Family& f = families.at(name);
    if (!f.help.empty()) out += f.help + '\n';
    if (!f.type.empty()) out += f.type + '\n';
    out += f.samples;
  }
  return out;
}

}  // namespace rflow::service
