// What an instance's workflow tracks and measures (intelligence.md §2), kept in the
// instance record (InstanceRecord::figures), which every step reads and writes anyway:
//
//   kMeta  "dim" \0 workflow \0 name \0 value \0 instance       "" (listing by a dimension)
//          "figures" \0 instance                                InstanceFigures of an instance
//                                                              started before they were kept
//                                                              in the record (only read)
//
// Tracked values are computed once, at start, from the arguments (each by its pure
// function, like the key); header measures likewise; the `measure` statement sets or
// replaces a measure within a step, audited, in the step's batch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bytecode/module.h"
#include "engine/engine.h"
#include "store/store.h"
#include "vm/interpreter.h"
#include "vm/request.h"

namespace rflow::vm {
class Program;
}

namespace rflow::engine {

class EngineParts;
class Step;

struct MeasureValue {
  std::string name;
  bytecode::TypeTag kind = bytecode::TypeTag::kInt;  // kInt, kDecimal, kDuration or kMoney
  std::string amount;    // canonical decimal text; an int or a duration (ms) as an integer
  std::string currency;  // money only

  // "12.50 EUR", "3", "2h".
  std::string text() const;
  friend bool operator==(const MeasureValue&, const MeasureValue&) = default;
};

struct InstanceFigures {
  std::vector<std::pair<std::string, std::string>> tracked;  // name, value as printed
  std::vector<MeasureValue> measures;                        // the latest value of each set

  // PERSISTED: a format byte (kFiguresFormat), then the values.
  std::string encode() const;
  static std::optional<InstanceFigures> decode(std::string_view bytes);
  friend bool operator==(const InstanceFigures&, const InstanceFigures&) = default;
};

inline constexpr uint8_t kFiguresFormat = 1;

namespace keys {
// Where an instance started before records kept its figures has them (read, never written).
std::string figures(std::string_view instance);
// Stores written before stop 36 also hold a "dim" index in kMeta (workflow, dimension,
// value, instance -> ""); nothing reads or writes it now, and the keys do no harm.
}  // namespace keys

// Computes a new instance's tracked values and header measures from its arguments into
// `out`, which its record keeps (kBadInput when one of them fails, as a failing key does).
std::optional<EngineError> startFigures(const std::shared_ptr<const vm::Program>& program,
                                        uint32_t workflow, const std::vector<vm::Value>& args,
                                        const vm::Options& options, InstanceFigures& out);

// `measure name = value`: the step's instance keeps it; an error when it is money in
// another currency than the measure already has (the instance fails with it).
std::optional<std::string> setMeasure(EngineParts& parts, Step& step,
                                      const vm::effect::Measure& request);

// The figures of `rec` (empty for one that has none, or started before them).
Found<InstanceFigures> loadFigures(const store::Store& store, const InstanceRecord& rec);
// The same from the record's `figures` field in hand (`kept`) and the instance's id.
Found<InstanceFigures> loadFigures(const store::Store& store, std::string_view instance,
                                   std::string_view kept);

// Per tracked dimension (metrics.h): the labels an instance of `workflow` with
// `figures` is counted under.
std::vector<std::pair<std::string, std::string>> dimensionLabels(EngineParts& parts,
                                                                 std::string_view workflow,
                                                                 const InstanceFigures& figures);
// An opened step of a workflow that tracks dimensions reads its instance's figures, so
// the step's events are counted per value: kStorage when they cannot be read. `cached`
// and `labels`, when given, are what the instance's previous step decoded and labelled
// (instance_cache.h): neither is read or decided again.
std::optional<EngineError> openFigures(
    EngineParts& parts, Step& step, std::optional<InstanceFigures> cached = std::nullopt,
    std::vector<std::pair<std::string, std::string>> labels = {});
// The instance of `step` ended: its measures count into the sums per dimension value.
void countMeasuresAtEnd(Step& step);
// "12.5" -> 125000 (1/kMeasureScale units, rounded half away from zero); nullopt when
// it is no number or too large.
std::optional<int64_t> scaledAmount(std::string_view text);

}  // namespace rflow::engine
