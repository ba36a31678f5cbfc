// Signals (language.md §5): delivered to an `await` that waits for one, or queued until
// one does; at most once per request id.
#include <fmt/format.h>

#include "engine/instances.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_codec.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

namespace {

// What a signal with `request_key` seen before answers; nullopt when it is new.
std::optional<std::optional<EngineError>> repeatedSignal(const store::Store& store,
                                                         const std::string& request_key,
                                                         const std::string& declared,
                                                         std::string_view request_id,
                                                         std::string_view instance) {
  auto earlier = store.get(store::Column::kMeta, request_key);
  if (!earlier.ok()) return std::optional<EngineError>(storageError(earlier.status()));
  if (!earlier.value()) return std::nullopt;
  // The signal was delivered (the client lost the answer), so this one succeeds without
  // delivering it again, whatever the instance did since.
  if (*earlier.value() == declared) return std::optional<EngineError>();
  return std::optional<EngineError>(
      EngineError{EngineError::Code::kConflict,
                  fmt::format("request id {} already delivered `{}` to {}; use a new request id "
                              "for another signal",
                              request_id, *earlier.value(), instance)});
}

}  // namespace

std::optional<EngineError> Instances::signal(std::string_view id, std::string_view name,
                                             vm::Value value, std::string_view request_id) {
  if (request_id.size() > kMaxStartRequestIdBytes)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("the request id is {} bytes long; at most {} are allowed",
                                   request_id.size(), kMaxStartRequestIdBytes)};
  // The instance's lease is held from the request id's lookup to the commit that records
  // it, so two deliveries with one id make one.
  auto opened = parts_.steps.open(id, parts_.instance_gate.lock(id));
  if (!opened) return std::move(opened).error();
  auto step = std::move(*opened);
  if (!step->program)
    return EngineError{EngineError::Code::kStorage, "the instance's module is missing"};
  const bytecode::Module& m = step->program->module();
  const std::optional<uint32_t> record = signalRecord(m, name);
  if (!record)
    return EngineError{EngineError::Code::kNotFound, fmt::format("there is no signal `{}`", name)};
  const std::string declared(vm::declaredName(m.strings[m.records[*record].name]));
  const std::string request_key = request_id.empty() ? "" : keys::signalRequest(id, request_id);
  if (!request_key.empty()) {
    if (auto repeated = repeatedSignal(parts_.store, request_key, declared, request_id, id))
      return *repeated;
  }
  if (!isLive(step->rec.status))
    return EngineError{
        EngineError::Code::kConflict,
        fmt::format("{} is {}: it takes no more signals", id, statusName(step->rec.status))};
  const auto type = step->program->recordType(*record);
  if (!type)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("no workflow of this version waits for `{}`", name)};
  if (auto problem = vm::checkValue(value, m, *type))
    return EngineError{EngineError::Code::kBadInput, fmt::format("`{}`: {}", name, *problem)};
  if (!request_key.empty()) {
    step->batch.put(store::Column::kMeta, request_key, declared);
    if (step->rec.key)
      step->batch.put(store::Column::kMeta,
                      keys::keySignalRequest(step->rec.workflow_name, *step->rec.key, request_id),
                      step->rec.id);
  }
  for (const Wait& w : step->rec.waits) {
    if (w.kind != WaitKind::kSignal || w.signal_type != *type) continue;
    step->audit(AuditKind::kSignal, declared);
    if (store::Status resumed = parts_.steps.resume(*step, w.request, std::move(value));
        !resumed.ok())
      return storageError(resumed);
    return parts_.steps.commit(std::move(step));
  }
  SignalRecord queued{*type, encodeValue(value), step->now};
  step->batch.put(store::Column::kSignals, keys::perInstance(step->rec.id, ++step->rec.signal_seq),
                  queued.encode());
  step->audit(AuditKind::kSignalQueued, declared);
  return parts_.steps.commit(std::move(step));
}

}  // namespace rflow::engine
