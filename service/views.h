// JSON views of the engine's state for API responses: instances, tasks, audit entries,
// deployed workflows. Instances and tasks, the busiest answers, are written as text
// (runtime::JsonWriter), the rest built as documents; both read the same. Values are
// wire-encoded by their declared types (runtime.md §6); times are RFC 3339 in UTC;
// absent optional facts are null, never missing, so clients can rely on a fixed shape.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "bytecode/module.h"
#include "engine/business_ages.h"
#include "engine/engine.h"
#include "engine/figures.h"
#include "runtime/json_writer.h"

namespace rflow::service {

// What the ages in a view are counted against: `now`, and for a wait or task declared in
// a calendar that calendar's open time (engine/business_ages.h). One per answer.
struct Ages {
  explicit Ages(int64_t at) : now(at) {}
  int64_t now;
  engine::BusinessClock clock;
};

// What an instance view says of the instance's figures: nothing (list items: the list
// does not read them), or "tracked" ({"region": "EU"}: each tracked value as printed) and
// "measures" ({"value": {"kind", "amount", "currency", "text"}}: the latest value of each
// measure set so far), both objects (keys in name order), empty when there are none, or
// both null when `figures` is (they could not be read).
struct FiguresPart {
  enum class Keys : uint8_t { kOmitted, kWritten };
  Keys keys = Keys::kOmitted;
  const engine::InstanceFigures* figures = nullptr;
};

// An instance as one JSON object, written into `out`. Each wait has its age
// (`age_seconds`) and, when it was declared in a calendar, the calendar's name
// (`calendar`) and its age in that calendar's open time (`age_business_seconds`); both
// null otherwise.
void writeInstance(runtime::JsonWriter& out, const engine::InstanceView& view, Ages& ages,
                   FiguresPart figures = {});
// A task as one JSON object. Its ages: `age_seconds` (to its decision, or now while open)
// and, open with a due time, `due_in_seconds` (negative once past); in a calendar also its
// name and both in the calendar's open time (`age_business_seconds`,
// `due_in_business_seconds`), else null.
void writeTask(runtime::JsonWriter& out, const engine::TaskView& view, Ages& ages);
nlohmann::json auditJson(const engine::AuditEntry& entry);
// A time as RFC 3339 UTC text, or null when absent.
nlohmann::json timeOrNull(std::optional<int64_t> t);
// One deployed workflow: names, parameters and their types, result type, owner, and the
// events and schedules that start it.
nlohmann::json workflowJson(const bytecode::Module& module, uint32_t workflow,
                            std::string_view version);

// Triage quality of one classifier's model (intelligence.md §1): counts, coverage (share
// of classifications with a label), agreement (share of compared examples where the
// person chose the model's best), and per label predicted / learned / agreed. Rates are
// null when there is nothing to divide by. GET /v1/insights and GET /v1/classifiers both
// answer it, so the dashboard reads one shape.
nlohmann::json classifierQualityJson(const engine::ClassifierQuality& quality);
// A measure's kind as the API names it: "money", "decimal", "duration" or "int".
std::string_view measureKind(bytecode::TypeTag kind);
// A histogram's count, p50, p95 and mean (null when empty).
nlohmann::json quantilesJson(const engine::Histogram& histogram);

// "Running", "Waiting", …: the status in an instance list filter, any case.
std::optional<engine::Status> parseStatus(std::string_view text);

}  // namespace rflow::service
