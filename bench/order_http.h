// The order process (order_process.h) driven over HTTP as a client drives it, for the
// benches that run it against `rflow serve` (bench_service, bench_cluster): one instance
// started and, when it waits for its approval, decided at once; and the check of its
// result against orderExpected.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "http_client.h"
#include "order_reply.h"

namespace rflow::bench {

// What one order's requests took and did, appended to by orderOverHttp.
struct OrderTimes {
  std::vector<double> start_ms, decide_ms;  // each request's time, retries included
  size_t steps = 0;                         // 201 starts and 200 decisions: each committed one step
  size_t retried = 0;                       // requests sent again (no answer, or 503)
};

// Order i on `client`: POST /v1/workflows/PlaceOrder/instances with Idempotency-Key
// "O<i>", then POST /v1/tasks/{task}/decision when it waits. A request without an answer
// (a kept-alive connection the server had closed) is sent once more, and one answered 503
// (a cluster partition whose owner is not known yet, or moving) or 421 (forwarded to a
// node that just let it go) again after 100 ms, up to `patience_503` times: the Idempotency-Key
// makes a start safe to repeat, and a repeated decision answered 409 means the first was taken. The
// instance after the last request (order_reply.h); nullopt, with *why, when a request
// failed.
std::optional<OrderReply> orderOverHttp(HttpClient& client, const HttpHeaders& auth, uint64_t i,
                                        OrderTimes& times, std::string* why, int patience_503 = 0);

// `done` is order i completed with the expected amount and path.
bool orderResultOk(uint64_t i, const std::optional<OrderReply>& done);

}  // namespace rflow::bench
