// `rflow cluster verify`'s report, as text for people and JSON for scripts
// (cluster_verify.h).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "node/cluster_verify.h"

namespace rflow::node {

using nlohmann::json;

namespace {

constexpr size_t kShownBytes = 160;

// Keys hold 0 separators and big-endian numbers: printable bytes as they are, the others
// as \xNN, long values cut.
std::string printable(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < kShownBytes; ++i) {
    const auto b = static_cast<uint8_t>(bytes[i]);
    if (b >= 0x20 && b < 0x7F && b != '\\')
      out += static_cast<char>(b);
    else
      out += fmt::format("\\x{:02x}", b);
  }
  if (bytes.size() > kShownBytes) out += fmt::format("… ({} bytes)", bytes.size());
  return out;
}

std::string valueText(const std::optional<std::string>& value) {
  return value ? "\"" + printable(*value) + "\"" : "(no such key)";
}

std::string verdictLine(const PartitionVerdict& v) {
  const std::string owner =
      v.owner.node.empty() ? "no owner" : fmt::format("{} epoch {}", v.owner.node, v.owner.epoch);
  std::string line = fmt::format("p{:02}  {:<8} {:<24} log {}..{}", v.partition,
                                 v.ok() ? "OK" : "PROBLEM", owner, v.log.first, v.log.last);
  if (v.compared)
    line += fmt::format("  compared at {} ({}, {} groups replayed)", v.position,
                        v.snapshot ? fmt::format("snapshot {}", *v.snapshot) : "no snapshot",
                        v.replayed);
  return line + "\n";
}

json optionalHex(const std::optional<std::string>& value) {
  return value ? json(replay::toHex(*value)) : json(nullptr);
}

}  // namespace

std::string formatVerify(const VerifyReport& report) {
  std::string out = fmt::format("{}: {} partitions\n", report.where, report.partitions);
  size_t bad = 0;
  for (const PartitionVerdict& v : report.verdicts) {
    out += verdictLine(v);
    if (v.mismatch)
      out +=
          fmt::format("      column family {}, key \"{}\"\n      owner:   {}\n      rebuilt: {}\n",
                      store::columnName(v.mismatch->column), printable(v.mismatch->key),
                      valueText(v.mismatch->owner_value), valueText(v.mismatch->rebuilt_value));
    for (const std::string& problem : v.problems)
      out += "      " + problem + "\n";
    bad += v.ok() ? 0 : 1;
  }
  out += bad == 0 ? fmt::format("clean: {} partitions verified\n", report.verdicts.size())
                  : fmt::format("NOT clean: {} of {} partitions have problems (above)\n", bad,
                                report.verdicts.size());
  return out;
}

std::string verifyJson(const VerifyReport& report) {
  json partitions = json::array();
  for (const PartitionVerdict& v : report.verdicts) {
    json p = {{"partition", v.partition},
              {"ok", v.ok()},
              {"owner", v.owner.node.empty() ? json(nullptr) : json(v.owner.node)},
              {"epoch", v.owner.epoch},
              {"log_first", v.log.first},
              {"log_last", v.log.last},
              {"compared", v.compared},
              {"position", v.position},
              {"snapshot", v.snapshot ? json(*v.snapshot) : json(nullptr)},
              {"replayed", v.replayed},
              {"problems", v.problems},
              {"mismatch", nullptr}};
    if (v.mismatch)
      p["mismatch"] = {{"column", store::columnName(v.mismatch->column)},
                       {"key", replay::toHex(v.mismatch->key)},
                       {"key_text", printable(v.mismatch->key)},
                       {"owner_value", optionalHex(v.mismatch->owner_value)},
                       {"rebuilt_value", optionalHex(v.mismatch->rebuilt_value)},
                       {"at", v.mismatch->at}};
    partitions.push_back(std::move(p));
  }
  return json{{"where", report.where},
              {"partitions", report.partitions},
              {"ok", report.ok()},
              {"verdicts", partitions}}
      .dump();
}

}  // namespace rflow::node
