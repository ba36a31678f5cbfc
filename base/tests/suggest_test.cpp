// "Did you mean" suggestions: edit distance and the closest candidate.
#include "base/suggest.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace rflow::base {
namespace {

TEST(Suggest, ClosestMatchWithinATypo) {
  const std::vector<std::string_view> words = {"assign", "requested_by", "amount", "due",
                                               "escalate"};
  EXPECT_EQ(closestMatch("asign", words), "assign");
  EXPECT_EQ(closestMatch("escalte", words), "escalate");
  EXPECT_FALSE(closestMatch("banana", words));
  EXPECT_FALSE(closestMatch("due", words));  // the word itself is no suggestion
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace rflow::base
