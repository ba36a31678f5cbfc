// The HTTP fuzz target's fixture, shared by its libFuzzer entry point (http_fuzzer.cpp)
// and the bounded mutation test (http_mutation_driver.cpp): one `rflow serve` opened
// lazily on a small project in a temporary data directory, fed raw request bytes
// through Server::serveRaw (the plain-HTTP transport's own connection loop, so the limits,
// pre-routing checks, request conversion, router and error shapes are the real ones).
//
// The project (module shop) is primed when the server opens, so the ids the seeds in
// tests/fuzz/http_seeds/ use exist: in-0000000001 (Purchase P-1, waiting for approval
// tk-0000000001), in-0000000002 (Count, task tk-0000000002), in-0000000003 (Review,
// approval tk-0000000003 assigned to cy) and in-0000000004 (Purchase P-2, approved,
// waiting for the Paid signal). Tokens: ann-token and bob-token (Buyer), cy-token
// (Clerk), root-token (admin). The clock stands still, so nothing times out and no
// timer fires between runs.
#pragma once

#include <string>
#include <string_view>

namespace rflow::service::fuzzing {

// Serves `request` and checks the reply: empty (a head cut short: nothing to answer)
// or `HTTP/1.1 ddd …`, and never a 5xx other than 503 (500 means a handler threw).
// A failure prints the request and the reply and aborts, so libFuzzer keeps the input.
// A deployment that replaced the project is undone before returning, so every run sees
// the same workflows. Returns the reply's bytes.
std::string serveChecked(std::string_view request);

// The status of a reply's final status line (after any `100 Continue`); 0 when empty.
int statusOf(std::string_view reply);

}  // namespace rflow::service::fuzzing
