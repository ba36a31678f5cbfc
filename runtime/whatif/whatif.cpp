// `rflow whatif`: the replays summed up (whatif.h).
#include "whatif/whatif.h"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "base/decimal.h"
#include "engine/recorded.h"
#include "whatif/replay.h"

namespace rflow::whatif {

namespace {

struct Sum {
  engine::MeasureValue kind;  // name, kind and currency; amount unused
  std::optional<base::Decimal> old_sum = base::Decimal::fromInt(0);
  std::optional<base::Decimal> new_sum = base::Decimal::fromInt(0);
  bool mixed = false;  // a second currency: no sum
  int64_t instances = 0;
};

void addTo(std::optional<base::Decimal>& sum, const engine::MeasureValue& v) {
  if (!sum) return;
  auto amount = base::Decimal::parse(v.amount);
  if (!amount) {
    sum.reset();
    return;
  }
  auto next = add(*sum, *amount);
  if (next) {
    sum = *next;
  } else {
    sum.reset();
  }
}

const engine::MeasureValue* find(const std::vector<engine::MeasureValue>& in,
                                 const std::string& name) {
  for (const engine::MeasureValue& v : in)
    if (v.name == name) return &v;
  return nullptr;
}

std::string sumText(const Sum& s, const std::optional<base::Decimal>& sum) {
  if (s.mixed) return "(several currencies)";
  if (!sum) return "(too large)";
  engine::MeasureValue v = s.kind;
  v.amount = sum->toString();
  return v.text();
}

}  // namespace

store::Result<WhatIfReport> whatIf(const store::Store& data,
                                   const std::vector<uint8_t>& module_bytes,
                                   const WhatIfOptions& options, std::string& setup_error) {
  WhatIfReport report;
  engine::RecordedQuery query;
  query.workflows = options.workflows;
  query.since = options.since;
  query.limit = options.limit;
  auto history = engine::readRecorded(data, query);
  if (!history.ok()) return history.status();
  auto modules = engine::recordedModules(data, history.value().instances);
  if (!modules.ok()) return modules.status();
  report.unreadable = history.value().unreadable;

  Replayer replayer(module_bytes);
  if (!replayer.setupError().empty()) {
    setup_error = replayer.setupError();
    return report;
  }
  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, StageCounts> stages;
  std::map<std::string, Sum> sums;
  std::vector<std::string> measure_order;
  for (const engine::RecordedInstance& recorded : history.value().instances) {
    auto module = modules.value().find(recorded.record.version);
    const Replayed r =
        replayer.replay(recorded, module == modules.value().end() ? nullptr : module->second.get(),
                        history.value().recorded_until);
    ++report.instances;
    if (r.unknown) {
      ++report.unknown;
      ++report.unknown_at[{r.unknown_stage, r.old_outcome}];
      continue;
    }
    if (r.new_outcome == r.old_outcome) {
      ++report.same;
    } else {
      ++report.different;
      ++report.changes[{r.old_outcome, r.new_outcome}];
      if (report.changed.size() < kChangedShown) report.changed.push_back(r.id);
    }
    std::set<std::string> names;
    for (const auto& [stage, n] : r.old_stages)
      names.insert(stage);
    for (const auto& [stage, n] : r.new_stages)
      names.insert(stage);
    for (const std::string& stage : names) {
      const auto count = [&](const std::map<std::string, int64_t>& in) {
        auto it = in.find(stage);
        return it == in.end() ? int64_t{0} : it->second;
      };
      const int64_t before = count(r.old_stages), after = count(r.new_stages);
      StageCounts& s = stages[stage];
      s.stage = stage;
      s.old_count += before;
      s.new_count += after;
      s.avoided += std::max<int64_t>(before - after, 0);
      s.added += std::max<int64_t>(after - before, 0);
    }
    std::set<std::string> measured;
    for (const auto* list : {&r.old_measures, &r.new_measures})
      for (const engine::MeasureValue& v : *list)
        measured.insert(v.name);
    for (const std::string& name : measured) {
      auto [it, fresh] = sums.try_emplace(name);
      Sum& s = it->second;
      if (fresh) measure_order.push_back(name);
      ++s.instances;
      for (const auto& [list, sum] :
           {std::pair{&r.old_measures, &s.old_sum}, std::pair{&r.new_measures, &s.new_sum}}) {
        const engine::MeasureValue* v = find(*list, name);
        if (v == nullptr) continue;
        if (s.kind.name.empty()) s.kind = *v;
        if (v->currency != s.kind.currency) s.mixed = true;
        addTo(*sum, *v);
      }
    }
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (auto& [name, s] : stages)
    report.stages.push_back(s);
  std::sort(report.stages.begin(), report.stages.end(),
            [](const StageCounts& a, const StageCounts& b) { return a.old_count > b.old_count; });
  for (const std::string& name : measure_order) {
    const Sum& s = sums.at(name);
    report.measures.push_back({name, sumText(s, s.old_sum), sumText(s, s.new_sum), s.instances});
  }
  return report;
}

std::string renderText(const WhatIfReport& r) {
  std::string out =
      fmt::format("replayed {} instances in {:.1f} s: {} same, {} different, {} unknown\n",
                  r.instances, r.seconds, r.same, r.different, r.unknown);
  if (r.unreadable > 0)
    out += fmt::format("({} instance records could not be read and were left out)\n", r.unreadable);
  if (!r.changes.empty()) {
    out += "\ndifferent outcomes        old → new\n";
    for (const auto& [change, n] : r.changes)
      out += fmt::format("  {:>8}  {} → {}\n", n, change.first, change.second);
  }
  if (!r.unknown_at.empty()) {
    out += "\nunknown from here         stage (originally)\n";
    for (const auto& [at, n] : r.unknown_at)
      out += fmt::format("  {:>8}  {} (originally {})\n", n, at.first, at.second);
  }
  if (!r.stages.empty()) {
    out += fmt::format("\n{:<32} {:>8} {:>8} {:>8} {:>8}\n", "approvals and tasks by stage", "old",
                       "new", "avoided", "added");
    for (const StageCounts& s : r.stages)
      out += fmt::format("{:<32} {:>8} {:>8} {:>8} {:>8}\n", s.stage, s.old_count, s.new_count,
                         s.avoided, s.added);
  }
  if (!r.measures.empty()) {
    out += fmt::format("\n{:<20} {:>22} {:>22}\n", "measure (sum)", "old", "new");
    for (const MeasureSums& m : r.measures)
      out += fmt::format("{:<20} {:>22} {:>22}\n", m.name, m.old_sum, m.new_sum);
  }
  if (r.unknown > 0 || !r.stages.empty() || !r.measures.empty())
    out += "\n(stage counts and measure sums are of the instances whose replay is known)\n";
  if (!r.changed.empty()) {
    out += fmt::format("\nchanged instances{}:", r.different > r.changed.size()
                                                     ? fmt::format(" (first {})", r.changed.size())
                                                     : "");
    for (const std::string& id : r.changed)
      out += " " + id;
    out += "\n";
  }
  return out;
}

std::string renderJson(const WhatIfReport& r) {
  nlohmann::json j;
  j["instances"] = r.instances;
  j["same"] = r.same;
  j["different"] = r.different;
  j["unknown"] = r.unknown;
  j["unreadable"] = r.unreadable;
  j["seconds"] = r.seconds;
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& [change, n] : r.changes)
    changes.push_back({{"old", change.first}, {"new", change.second}, {"count", n}});
  j["changes"] = changes;
  nlohmann::json unknown = nlohmann::json::array();
  for (const auto& [at, n] : r.unknown_at)
    unknown.push_back({{"stage", at.first}, {"old", at.second}, {"count", n}});
  j["unknown_from"] = unknown;
  nlohmann::json stages = nlohmann::json::array();
  for (const StageCounts& s : r.stages)
    stages.push_back({{"stage", s.stage},
                      {"old", s.old_count},
                      {"new", s.new_count},
                      {"avoided", s.avoided},
                      {"added", s.added}});
  j["stages"] = stages;
  nlohmann::json measures = nlohmann::json::array();
  for (const MeasureSums& m : r.measures)
    measures.push_back(
        {{"name", m.name}, {"old", m.old_sum}, {"new", m.new_sum}, {"instances", m.instances}});
  j["measures"] = measures;
  j["changed"] = r.changed;
  return j.dump(2) + "\n";
}

}  // namespace rflow::whatif
