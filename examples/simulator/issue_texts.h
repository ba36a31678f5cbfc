// What stores type when they raise an issue: labelled texts read once at start from a
// CSV in the format of examples/data/store_issues.csv (`text,label`, RFC 4180 quoting),
// which scripts/make_triage_data.py writes. The label is the issue's true category: the
// store never sends it (the workflow's classifier reads the text), but the simulated
// people who file the issues the classifier is unsure of know it, as a person reading
// the text would, so their choices measure the model on the dashboard.
//
// Why a generated file rather than phrasing in C++: one generator of varied, misspelled,
// mixed-topic texts (the Python script) instead of two that drift apart; run.sh writes
// the simulator's file with another seed than the training data's, so most of what
// stores type is text the model has never seen.
#pragma once

#include <string>
#include <vector>

namespace rflow::simulator {

struct IssueText {
  std::string text;
  std::string category;  // a member of the example's IssueCategory
};

// Reads every row of `path`; on failure (or when it lacks texts of chain.h's
// kRisingCategory, or of any other) returns false with a reason in `error`.
bool loadIssueTexts(const std::string& path, std::string& error);
// The rows loaded (empty before loadIssueTexts succeeds).
const std::vector<IssueText>& issueTexts();

}  // namespace rflow::simulator
