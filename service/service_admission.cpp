// Back-pressure: whether the engine can take new work (Service::admitNewWork).
//
// The check is a snapshot, not a reservation: requests admitted at the same moment may
// each add their work, so the backlog can pass the bound by at most the number of HTTP
// threads (kHttpThreads) times the work one request queues. That keeps it bounded, which
// is the point, without a lock on the hot path.
#include <fmt/format.h>

#include "service/service.h"

namespace rflow::service {

size_t Service::backlog() const {
  return engine_.queuedWork() + engine_.callsInFlight();
}

std::optional<ApiError> Service::admitNewWork() {
  const size_t limit = config_.engine.max_queued;
  const size_t now = backlog();
  if (now < limit) return std::nullopt;
  overload_refusals_.fetch_add(1);
  return ApiError{
      ApiError::Code::kTooManyRequests,
      fmt::format("the service is overloaded: {} steps and connector calls are waiting, and "
                  "[engine] max_queued is {}; nothing was started or delivered, send the request "
                  "again after Retry-After (with the same Idempotency-Key)",
                  now, limit),
      nlohmann::json{{"backlog", now}, {"max_queued", limit}}};
}

}  // namespace rflow::service
