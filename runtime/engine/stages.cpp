// Naming a wait's stage, and recording stage entries and exits with the step.
#include "engine/stages.h"

#include <algorithm>

#include "engine/business_ages.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "engine/step.h"
#include "vm/print.h"

namespace rflow::engine {

namespace {

std::string trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && space(text.back()))
    text.remove_suffix(1);
  std::string out(text);
  // Stage names are parts of '\0'-joined keys (keys.h, metrics.cpp).
  std::replace(out.begin(), out.end(), '\0', ' ');
  return out;
}

// An approval's or task's stage. THE place for the `stage "name"` clause: the code
// generator is to put, in the request record's `stage` field, the clause's text or, without
// one, the title's text before its first interpolation (only the compiler sees where that
// is). Until the prelude's ApprovalRequest and TaskRequest have that field, the field is
// absent and the evaluated title stands in (a title with interpolations then names one
// stage per distinct title).
// The compiler names the stage of an approval or task (its `stage` clause, else its
// title's text before the first interpolation: bytecode section 17); a title that starts
// with an interpolation is named by its evaluated text.
std::string taskStage(const vm::Program& program, const vm::Value& request, uint32_t data_type) {
  if (const std::string* named = bytecode::stageOf(program.module(), data_type)) return *named;
  std::string stage;
  stage = trimmed(detail::stringField(program, request, "title"));
  return stage.empty() ? "approval" : stage;
}

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
// clang (the sanitizer build) does not deduce an aggregate's template arguments by itself.
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

std::string stageOfTask(const bytecode::Module& module, const TaskRecord& task) {
  if (const std::string* named = bytecode::stageOf(module, task.data_type)) return *named;
  std::string stage = trimmed(task.title);
  return stage.empty() ? "approval" : stage;
}

std::optional<std::string> stageOfWait(const Wait& wait) {
  switch (wait.kind) {
    case WaitKind::kConnector:  // "conn.op"
    case WaitKind::kSignal:     // the signal's declared name
      return trimmed(wait.detail);
    case WaitKind::kSleep:
      return std::string("sleep");
    case WaitKind::kApproval:
    case WaitKind::kTask:
    case WaitKind::kChild:
      break;
  }
  return std::nullopt;
}

std::string stageOf(const vm::Program& program, const vm::Request& request, const Wait& wait) {
  if (auto named = stageOfWait(wait)) return std::move(*named);
  const bytecode::Module& m = program.module();
  return std::visit(
      Overloaded{
          [&](const vm::effect::Approval& r) { return taskStage(program, r.request, r.data_type); },
          [&](const vm::effect::Task& r) { return taskStage(program, r.request, r.data_type); },
          [&](const vm::effect::StartChild& r) {
            return std::string(vm::declaredName(m.strings[m.workflows[r.workflow].name]));
          },
          [&](const auto&) { return trimmed(wait.detail); }},
      request);
}

namespace {

bool hasRequest(const std::vector<Wait>& waits, uint64_t request) {
  return std::any_of(waits.begin(), waits.end(),
                     [&](const Wait& w) { return w.request == request; });
}

constexpr uint64_t kNoSla = ~uint64_t{0};

// The calendar the instance's `sla d in C` counts, or "".
std::string slaCalendar(const Step& step) {
  if (!step.program) return {};
  const bytecode::Module& m = step.program->module();
  if (step.rec.workflow >= m.workflows.size()) return {};
  const auto& calendar = m.workflows[step.rec.workflow].sla_calendar;
  return calendar ? m.strings[*calendar] : std::string();
}

std::string openValue(const Step& step, const Wait& wait, const std::string& sla_calendar) {
  OpenEntryValue value;
  value.created = step.rec.created_at;
  value.sla_end = step.rec.sla_due;
  value.labels = step.metrics.dimensions();
  value.calendar = wait.calendar;
  if (step.rec.sla_due) value.sla_calendar = sla_calendar;
  return value.encode();
}

}  // namespace

std::string OpenEntryValue::encode() const {
  std::string out;
  keys::appendTime(out, created);
  if (sla_end) {
    keys::appendTime(out, *sla_end);
  } else {
    store::appendU64(out, kNoSla);
  }
  for (const auto& [name, label] : labels) {
    out += name;
    out.push_back('\0');
    out += label;
    out.push_back('\0');
  }
  if (!calendar.empty() || !sla_calendar.empty()) {
    out.push_back('\x01');
    out += calendar;
    out.push_back('\0');
    out += sla_calendar;
    out.push_back('\0');
  }
  return out;
}

std::optional<OpenEntryValue> OpenEntryValue::decode(std::string_view bytes) {
  OpenEntryValue out;
  const auto created = keys::readTime(bytes.substr(0, 8));
  if (!created) return std::nullopt;
  out.created = *created;
  if (bytes.size() < 16) return bytes.size() == 8 ? std::optional(out) : std::nullopt;
  if (store::readU64(bytes.substr(8, 8)) != kNoSla)
    out.sla_end = keys::readTime(bytes.substr(8, 8));
  std::string_view rest = bytes.substr(16);
  while (!rest.empty()) {
    if (rest.front() == '\x01') {
      rest.remove_prefix(1);
      const size_t calendar_end = rest.find('\0');
      if (calendar_end == std::string_view::npos) return std::nullopt;
      const size_t sla_end = rest.find('\0', calendar_end + 1);
      if (sla_end == std::string_view::npos || sla_end + 1 != rest.size()) return std::nullopt;
      out.calendar = std::string(rest.substr(0, calendar_end));
      out.sla_calendar = std::string(rest.substr(calendar_end + 1, sla_end - calendar_end - 1));
      break;
    }
    const size_t name_end = rest.find('\0');
    if (name_end == std::string_view::npos) return std::nullopt;
    const size_t label_end = rest.find('\0', name_end + 1);
    if (label_end == std::string_view::npos) return std::nullopt;
    out.labels.emplace_back(std::string(rest.substr(0, name_end)),
                            std::string(rest.substr(name_end + 1, label_end - name_end - 1)));
    rest.remove_prefix(label_end + 1);
  }
  return out;
}

store::Status recordStages(EngineParts& parts, Step& step) {
  if (!step.instance_changed || step.rec.id.empty()) return {};
  const InstanceRecord& rec = step.rec;
  const std::string& workflow = rec.workflow_name;
  for (const Wait& wait : step.loaded_waits) {
    if (hasRequest(rec.waits, wait.request)) continue;
    std::optional<std::string> name = stageOfWait(wait);
    if (!name && !wait.stage.empty()) name = wait.stage;
    if (!name) {
      // A wait recorded before its stage was kept in it, or one whose stage is "".
      const std::string open_key = keys::stageOpen(rec.id, wait.request);
      auto stored = parts.store.get(store::Column::kMeta, open_key);
      if (!stored.ok()) return stored.status();
      // A wait made before stages were recorded has no entry to close.
      if (!stored.value()) continue;
      name = std::move(*stored.value());
      step.batch.remove(store::Column::kMeta, open_key);
    }
    step.batch.remove(store::Column::kMeta,
                      keys::stageSince(workflow, *name, wait.since, rec.id, wait.request));
    const int64_t ms = std::max<int64_t>(0, step.now - wait.since);
    step.metrics.stageLeft(workflow, *name, wait.since, ms);
    if (ms > parts.metrics.stageMax(workflow, *name)) step.metrics.stageMax(workflow, *name, ms);
  }
  const std::string sla_calendar = slaCalendar(step);
  for (Wait& wait : step.rec.waits) {
    if (hasRequest(step.loaded_waits, wait.request)) continue;
    const auto named = step.stages.find(wait.request);
    if (named == step.stages.end()) continue;
    const std::string& name = named->second;
    // Only a name the wait itself does not give is kept for its end (stageOfWait), in
    // the wait (the record is sealed after this); an empty one under its own key, since
    // an empty `stage` means "look under the key" for waits recorded before.
    if (!stageOfWait(wait)) {
      if (!name.empty())
        wait.stage = name;
      else
        step.batch.put(store::Column::kMeta, keys::stageOpen(rec.id, wait.request), name);
    }
    step.batch.put(store::Column::kMeta,
                   keys::stageSince(workflow, name, wait.since, rec.id, wait.request),
                   openValue(step, wait, sla_calendar));
    std::string since;
    keys::appendTime(since, wait.since);
    step.batch.put(store::Column::kMeta, keys::stageEntry(rec.id, name), since);
    step.metrics.stageEntered(workflow, name, wait.since);
  }
  if (isLive(rec.status) || (step.loaded_status && !isLive(*step.loaded_status))) return {};
  // An instance that ends in the step that created it has no entry stored: it entered no
  // stage (its waits would still be open), and a scan would cost an iterator per instance.
  if (step.creates_instance) return {};
  // The instance ended in this step: its entry times become, for a completed one, the
  // remaining time from each stage to the end (open time of its SLA's calendar, if any);
  // the keys go with it.
  const std::string prefix = keys::stageEntryPrefix(rec.id);
  const int64_t ended = rec.ended_at.value_or(step.now);
  BusinessClock clock;
  return parts.store.scan(
      store::Column::kMeta, prefix, [&](std::string_view key, std::string_view value) {
        const std::string_view name = key.substr(prefix.size());
        const auto entered = keys::readTime(value);
        if (entered && rec.status == Status::kCompleted) {
          const std::optional<int64_t> open = clock.between(sla_calendar, *entered, ended);
          step.metrics.stageRemaining(workflow, name, open.value_or(ended - *entered));
        }
        step.batch.remove(store::Column::kMeta, key);
        return true;
      });
}

}  // namespace rflow::engine
