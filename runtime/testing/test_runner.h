// The test runner of `rflow test` (language.md §6): runs a module's `test` blocks against
// the real VM and engine, each with a fresh in-memory store, a virtual clock that moves
// only with `advance`, its own mocks, and nothing left behind.
//
// A test is a function of the module run on the VM like any other; its test statements
// (Mock, StartRun, Advance, Decide, Send, Expect, ExpectCalled, RunField) stop it and
// the runner answers them, driving the engine in between: `start`, `approve`, `reject`,
// `complete`, `send` and `advance` each run the instances until they wait or end before
// the test goes on. Connector calls of the workflows go to the test's mocks; retries
// take no virtual time. The first failed expectation ends the test.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace rflow::testing {

// The virtual clock's start: Monday 2025-01-06T00:00:00Z.
inline constexpr int64_t kTestEpoch = 1'736'121'600'000;

struct TestOutcome {
  std::string name;
  std::string file;
  uint32_t line = 0;
  bool passed = false;
  // For a failure: "file:line: what went wrong", possibly several lines.
  std::string failure;
  double millis = 0;
};

struct TestOptions {
  std::string filter;  // run only tests whose name contains it
  int64_t epoch = kTestEpoch;
  // The project's configured classifier models, for `classify` a test does not mock (not
  // owned; may be null: an unmocked classify then fails the test naming the mock to add).
  engine::ClassifierModels* models = nullptr;
};

// Runs the tests of the module in `module_bytes` (a built .rfc). Calls `on_result` after
// each test, in the order the module lists them. A module that cannot be loaded gives one
// failed outcome saying why.
std::vector<TestOutcome> runTests(const std::vector<uint8_t>& module_bytes,
                                  const TestOptions& options,
                                  const std::function<void(const TestOutcome&)>& on_result = {});

}  // namespace rflow::testing
