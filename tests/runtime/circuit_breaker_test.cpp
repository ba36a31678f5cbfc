// Circuit breakers: opening after failures in a row, failing fast while open, one probe
// when half-open, closing on its success, backing off on its failure.
#include "runtime/circuit_breaker.h"

#include <gtest/gtest.h>

namespace rflow::runtime {
namespace {

class BreakerTest : public testing::Test {
 protected:
  int64_t now = 1'000;
  CircuitBreakers breakers{{.failures = 3, .cooldown_ms = 10'000, .max_cooldown_ms = 25'000},
                           [this] { return now; }};

  void fail(std::string_view c) {
    ASSERT_FALSE(breakers.admit(c));
    breakers.record(c, AttemptOutcome::kRetryable);
  }
  BreakerView view(std::string_view c) {
    for (const BreakerView& v : breakers.snapshot())
      if (v.connector == c) return v;
    return {};
  }
};

TEST_F(BreakerTest, OpensAfterFailuresInARowAndFailsFast) {
  fail("erp");
  fail("erp");
  EXPECT_EQ(view("erp").state, BreakerState::kClosed);
  fail("erp");
  EXPECT_EQ(view("erp").state, BreakerState::kOpen);
  EXPECT_EQ(view("erp").retry_in_ms, 10'000);
  const auto refused = breakers.admit("erp");
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused,
            "the circuit of `erp` is open after 3 failures in a row; the next attempt goes out "
            "in 10s");
  // Other connectors are not affected.
  EXPECT_FALSE(breakers.admit("wms"));
  EXPECT_EQ(view("erp").rejected, 1u);
  EXPECT_EQ(view("erp").opened, 1u);
}

TEST_F(BreakerTest, SuccessAndPermanentFailuresResetTheCount) {
  fail("erp");
  fail("erp");
  ASSERT_FALSE(breakers.admit("erp"));
  breakers.record("erp", AttemptOutcome::kPermanent);  // a 4xx: the system is up
  fail("erp");
  fail("erp");
  EXPECT_EQ(view("erp").state, BreakerState::kClosed);
  ASSERT_FALSE(breakers.admit("erp"));
  breakers.record("erp", AttemptOutcome::kSuccess);
  EXPECT_EQ(view("erp").consecutive_failures, 0u);
}

TEST_F(BreakerTest, HalfOpenLetsOneProbeThroughAndItsSuccessCloses) {
  for (int i = 0; i < 3; ++i)
    fail("erp");
  now += 10'000;
  EXPECT_EQ(view("erp").state, BreakerState::kHalfOpen);
  EXPECT_FALSE(breakers.admit("erp")) << "the probe goes out";
  const auto second = breakers.admit("erp");
  ASSERT_TRUE(second);
  EXPECT_NE(second->find("half-open"), std::string::npos);
  breakers.record("erp", AttemptOutcome::kSuccess);
  EXPECT_EQ(view("erp").state, BreakerState::kClosed);
  EXPECT_FALSE(breakers.admit("erp"));
}

TEST_F(BreakerTest, AFailedProbeReopensWithALongerCooldownUpToTheLimit) {
  for (int i = 0; i < 3; ++i)
    fail("erp");
  now += 10'000;
  fail("erp");  // the probe
  EXPECT_EQ(view("erp").state, BreakerState::kOpen);
  EXPECT_EQ(view("erp").retry_in_ms, 20'000);
  now += 20'000;
  fail("erp");
  EXPECT_EQ(view("erp").retry_in_ms, 25'000) << "capped at max_cooldown_ms";
  now += 25'000;
  ASSERT_FALSE(breakers.admit("erp"));
  breakers.record("erp", AttemptOutcome::kSuccess);
  EXPECT_EQ(view("erp").state, BreakerState::kClosed);
  // Opening again starts from the first cooldown.
  for (int i = 0; i < 3; ++i)
    fail("erp");
  EXPECT_EQ(view("erp").retry_in_ms, 10'000);
  EXPECT_EQ(view("erp").opened, 4u);
}

}  // namespace
}  // namespace rflow::runtime
