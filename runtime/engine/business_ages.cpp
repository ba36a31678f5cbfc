// Ages in business time (business_ages.h).
#include "engine/business_ages.h"

#include <variant>

#include "calendar/business_time.h"
#include "calendar/calendar.h"

namespace rflow::engine {

std::string declaredCalendar(const bytecode::Module& m, uint32_t workflow,
                             const vm::PendingRequest& pending) {
  if (workflow >= m.workflows.size() || pending.function != m.workflows[workflow].body) return {};
  const bytecode::WaitPlace* place = bytecode::waitPlaceAt(m, workflow, pending.pc);
  if (place == nullptr || !place->calendar) return {};
  return m.strings[*place->calendar];
}

std::string calendarName(std::string_view calendar) {
  return std::string(calendar.substr(0, calendar.find(';')));
}

BusinessClock::BusinessClock() = default;
BusinessClock::~BusinessClock() = default;

const calendar::Calendar* BusinessClock::find(std::string_view text) {
  if (text.empty()) return nullptr;
  auto it = decoded_.find(text);
  if (it == decoded_.end()) {
    std::optional<calendar::Calendar> c = calendar::decode(text);
    it = decoded_
             .emplace(std::string(text),
                      c ? std::make_unique<calendar::Calendar>(std::move(*c)) : nullptr)
             .first;
  }
  return it->second.get();
}

std::optional<int64_t> BusinessClock::between(std::string_view text, int64_t a, int64_t b) {
  const calendar::Calendar* c = find(text);
  if (c == nullptr) return std::nullopt;
  const calendar::Computed<int64_t> open = calendar::businessBetween(a, b, *c);
  if (const auto* ms = std::get_if<int64_t>(&open)) return *ms;
  return std::nullopt;
}

std::optional<int64_t> BusinessClock::add(std::string_view text, int64_t from, int64_t duration) {
  const calendar::Calendar* c = find(text);
  if (c == nullptr || duration < 0) return std::nullopt;
  const calendar::Computed<int64_t> at = calendar::businessAdd(from, duration, *c);
  if (const auto* t = std::get_if<int64_t>(&at)) return *t;
  return std::nullopt;
}

}  // namespace rflow::engine
