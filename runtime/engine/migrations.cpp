// Migration of waiting instances (intelligence.md §4): Engine::migrate and
// Engine::versionsInUse.
//
// Each instance moves in one step of its own: its lease is held, its record, its open
// tasks and its pending calls are rewritten for the new version and an audit entry
// `migrated` is added, all in the step's one batch through the commit pipeline. A crash
// therefore leaves every instance wholly on the old version or wholly on the new one, and
// a migration asked again after it simply moves the ones still on the old version.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "bytecode/operands.h"
#include "bytecode/wait_map.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_codec.h"
#include "vm/state_migrate.h"

namespace rflow::engine {
namespace {

// Instances moved at the same time by one migration.
constexpr size_t kMigrationThreads = 16;

std::span<const uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The index into from.waits of the place a state waits at, or why there is none.
std::variant<uint32_t, std::string> placeOf(const vm::Program& from, uint32_t workflow,
                                            const vm::WaitingPoint& at) {
  const bytecode::Module& m = from.module();
  if (at.function != m.workflows[workflow].body) return std::string("it waits inside a function call");
  for (uint32_t i = 0; i < m.waits.size(); ++i) {
    if (m.waits[i].workflow == workflow && m.waits[i].pc == at.pc) return i;
  }
  return std::string("it waits at no place the old version records");
}

struct Plan {
  std::shared_ptr<const vm::Program> from;
  std::shared_ptr<const vm::Program> to;
  bytecode::WorkflowMap map;
  std::map<uint32_t, size_t> by_place;  // from.waits index -> map.places index
};

// Moves one instance (its lease held by `step`); why not when it stays. `at_place` is set
// to the plan's place it waits at once that is known, moved or not.
std::optional<std::string> moveOne(EngineParts& parts, Step& step, Plan& plan,
                                   const MigrationRequest& request, bool commit,
                                   std::optional<size_t>& at_place) {
  InstanceRecord& rec = step.rec;
  if (rec.status != Status::kWaiting) return "it is no longer waiting";
  if (rec.version != request.from) return "it is no longer on the old version";
  auto point = vm::waitingPoint(plan.from, bytesOf(rec.state), parts.options.vm);
  if (auto* why = std::get_if<std::string>(&point)) return std::move(*why);
  auto place = placeOf(*plan.from, plan.map.from_workflow, std::get<vm::WaitingPoint>(point));
  if (auto* why = std::get_if<std::string>(&place)) return std::move(*why);
  at_place = plan.by_place.at(std::get<uint32_t>(place));
  const bytecode::PlaceMap& pm = plan.map.places[*at_place];
  const bytecode::Module& fm = plan.from->module();
  const bytecode::Module& tm = plan.to->module();
  if (!pm.to_place) return fmt::format("{}: {}", bytecode::placeText(fm, fm.waits[pm.from_place]), pm.reason);
  bool queued_signals = false;
  store::Status scanned = parts.store.scan(store::Column::kSignals, keys::perInstancePrefix(rec.id),
                                           [&](std::string_view, std::string_view) {
                                             queued_signals = true;
                                             return false;
                                           });
  if (!scanned.ok()) return "its queued signals cannot be read: " + scanned.message();
  if (queued_signals) return std::string("it has signals queued that no `await` took yet");

  const bytecode::WaitPlace& target = tm.waits[*pm.to_place];
  const uint32_t body = tm.workflows[plan.map.to_workflow].body;
  vm::StateMove move{body, target.pc, pm.fills};
  auto moved = vm::moveState(plan.from, plan.to, bytesOf(rec.state), move, plan.map.decls,
                             parts.options.vm);
  if (auto* why = std::get_if<std::string>(&moved)) return std::move(*why);
  if (!commit) return std::nullopt;
  const bytecode::Instruction in = *bytecode::decodeInstruction(tm.functions[body].code, target.pc);

  // What waits beside the record: open tasks (their version, records and data) and pending
  // calls (their op) follow the instance.
  for (Wait& wait : rec.waits) {
    if (wait.kind == WaitKind::kApproval || wait.kind == WaitKind::kTask) {
      auto task = parts.queries.loadTask(wait.detail);
      if (!task.ok()) return "its task cannot be read: " + task.status().message();
      if (!task.value()) continue;
      TaskRecord t = std::move(*task.value());
      t.version = request.to;
      if (wait.kind == WaitKind::kTask) {
        t.form_type = static_cast<uint32_t>(in.a);
        t.data_type = static_cast<uint32_t>(in.b);
      } else {
        t.data_type = static_cast<uint32_t>(in.a);
      }
      if (!t.data.empty()) {
        const std::optional<vm::Value> data = decodeValue(t.data, fm);
        if (!data) return std::string("its task's data cannot be read");
        auto data_moved = vm::moveValue(*data, fm, tm, plan.map.decls);
        if (auto* why = std::get_if<std::string>(&data_moved)) return std::move(*why);
        t.data = encodeValue(std::get<vm::Value>(data_moved));
      }
      step.batch.put(store::Column::kTasks, t.id, t.encode());
    } else if (wait.kind == WaitKind::kConnector) {
      const std::string key = keys::perInstance(rec.id, wait.request);
      auto bytes = parts.store.get(store::Column::kCalls, key);
      if (!bytes.ok()) return "its pending call cannot be read: " + bytes.status().message();
      if (!bytes.value()) continue;
      std::optional<CallRecord> call = CallRecord::decode(*bytes.value());
      if (!call) return std::string("its pending call cannot be read");
      call->op = static_cast<uint32_t>(in.a);
      step.batch.put(store::Column::kCalls, key, call->encode());
    } else if (wait.kind == WaitKind::kSignal) {
      wait.signal_type = static_cast<uint32_t>(in.a);
    }
  }
  const std::vector<uint8_t>& state = std::get<std::vector<uint8_t>>(moved);
  rec.state.assign(state.begin(), state.end());
  rec.version = request.to;
  rec.workflow = plan.map.to_workflow;
  step.program = plan.to;
  step.audit(AuditKind::kMigrated,
             fmt::format("{} from version {} to {}", bytecode::placeText(fm, fm.waits[pm.from_place]),
                         request.from.substr(0, 12), request.to.substr(0, 12)),
             request.by, fmt::format("{}>{}", request.from, request.to));
  return std::nullopt;
}

// The plan of a migration (both versions, the wait map) and the report's places, or why
// there is none.
std::optional<EngineError> planMigration(EngineParts& p, const MigrationRequest& request,
                                         Plan& plan, MigrationReport& report) {
  for (const auto& [version, field, out] :
       {std::tuple{request.from, "from", &plan.from}, std::tuple{request.to, "to", &plan.to}}) {
    auto program = p.programs.get(version);
    if (!program) {
      EngineError e = std::move(program).error();
      if (e.code == EngineError::Code::kNotFound)
        e.message = fmt::format("`{}`: version `{}` is not deployed", field, version);
      return e;
    }
    *out = *program;
  }
  auto mapped = bytecode::mapWaits(plan.from->module(), plan.to->module(), request.workflow);
  if (auto* e = std::get_if<bytecode::WaitMapError>(&mapped)) {
    using C = bytecode::WaitMapError::Code;
    const bool not_found = e->code == C::kUnknownWorkflow;
    return EngineError{not_found ? EngineError::Code::kNotFound : EngineError::Code::kBadInput,
                       fmt::format("`workflow`: {}", e->message)};
  }
  plan.map = std::move(std::get<bytecode::WorkflowMap>(mapped));
  const bytecode::Module& fm = plan.from->module();
  report.workflow = plan.map.workflow;
  report.from = request.from;
  report.to = request.to;
  report.dry_run = request.dry_run;
  for (size_t i = 0; i < plan.map.places.size(); ++i) {
    const bytecode::PlaceMap& pm = plan.map.places[i];
    const bytecode::WaitPlace& wp = fm.waits[pm.from_place];
    plan.by_place.emplace(pm.from_place, i);
    report.places.push_back({bytecode::placeText(fm, wp), bytecode::waitPlaceKindName(wp.kind),
                             fm.strings[wp.stage], wp.ordinal, pm.to_place.has_value(), pm.reason,
                             0});
  }
  return std::nullopt;
}

// The instances to look at: waiting, of the workflow, on the old version.
std::variant<std::vector<std::string>, EngineError> waitingOn(EngineParts& p,
                                                              const std::string& version,
                                                              const std::string& workflow) {
  std::vector<std::string> ids;
  store::Status scanned =
      p.store.scan(store::Column::kInstances, {}, [&](std::string_view, std::string_view bytes) {
        auto rec = InstanceRecord::decode(bytes);
        if (rec && rec->status == Status::kWaiting && rec->version == version &&
            rec->workflow_name == workflow)
          ids.push_back(rec->id);
        return true;
      });
  if (!scanned.ok()) return storageError(scanned);
  return ids;
}

}  // namespace

std::variant<MigrationReport, EngineError> Engine::migrate(const MigrationRequest& request) {
  EngineParts& p = *parts_;
  Plan plan;
  MigrationReport report;
  if (std::optional<EngineError> refused = planMigration(p, request, plan, report))
    return std::move(*refused);
  auto waiting = waitingOn(p, request.from, plan.map.workflow);
  if (auto* error = std::get_if<EngineError>(&waiting)) return std::move(*error);
  const std::vector<std::string>& ids = std::get<std::vector<std::string>>(waiting);

  // Several instances at a time, so that their steps share the commit pipeline's groups:
  // one after another, each waited for its own sync (about 850 instances/s with sync
  // durability, bench_migrate). Each instance is still one step under its own lease.
  std::mutex report_mutex;
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < ids.size(); i = next++) {
      const std::string& id = ids[i];
      auto opened = p.steps.open(id, p.instance_gate.lock(id));
      if (!opened) {
        if (opened.notFound()) continue;
        std::lock_guard lock(report_mutex);
        report.left.push_back({id, std::move(opened).error().message});
        continue;
      }
      std::unique_ptr<Step> step = std::move(*opened);
      std::optional<size_t> counted_at;  // the place it waits at, moved or not
      std::optional<std::string> why =
          moveOne(p, *step, plan, request, !request.dry_run, counted_at);
      if (!why && !request.dry_run) {
        if (std::optional<EngineError> failed = p.steps.commit(std::move(step)))
          why = failed->message;
      }
      std::lock_guard lock(report_mutex);
      if (counted_at) ++report.places[*counted_at].waiting;
      if (!why) {
        ++report.moved;
      } else if (!why->starts_with("it is no longer")) {
        report.left.push_back({id, std::move(*why)});
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (size_t t = 1; t < std::min(kMigrationThreads, ids.size()); ++t)
      workers.emplace_back(work);
    work();
  }
  // The same report whichever thread took which instance.
  std::sort(report.left.begin(), report.left.end(),
            [](const MigrationLeft& a, const MigrationLeft& b) { return a.instance < b.instance; });
  return report;
}

Found<std::vector<std::pair<std::string, size_t>>> Engine::versionsInUse() const {
  std::map<std::string, size_t> live;
  if (std::optional<std::string> current = currentVersion()) live.emplace(*current, 0);
  bool unreadable = false;
  store::Status scanned = parts_->store.scan(
      store::Column::kInstances, {}, [&](std::string_view, std::string_view bytes) {
        auto rec = InstanceRecord::decode(bytes);
        if (!rec) return !(unreadable = true);
        if (isLive(rec->status)) ++live[rec->version];
        return true;
      });
  if (!scanned.ok()) return storageError(scanned);
  if (unreadable) return EngineError{EngineError::Code::kStorage, "an instance record cannot be read"};
  return std::vector<std::pair<std::string, size_t>>(live.begin(), live.end());
}

}  // namespace rflow::engine
