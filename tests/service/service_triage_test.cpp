// Triage quality through the service (intelligence.md §1): a project whose workflow
// classifies each store issue with the committed tiny model (IssueKind) and with a
// classifier that has no model (Urgency), asks a clerk, and learns the clerk's answer.
// GET /v1/insights lists the figures per classifier and model, /metrics counts
// classifications by outcome and examples learned, and both survive a restart. The
// expected figures come from the model itself, asked directly, so the test holds for
// any tiny model the samples are regenerated into.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "runtime/classifier/model.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

using nlohmann::json;

const std::filesystem::path kTiny =
    std::filesystem::path(RFLOW_SOURCE_DIR) / "tests/classifier/samples/tiny.ftz";

// Roles Buyer and Clerk are the test server's users' roles. The tiny model predicts four
// of the five members; Equipment, never predicted, is the clerk's way to disagree.
constexpr const char* kTriageProject = R"(module shop

enum IssueCategory { Equipment, Refrigeration, Pricing, Staffing, Damage }

role Buyer "Buyer"
role Clerk "Clerk"

/// What a store's issue is about.
classifier IssueKind -> IssueCategory {
  threshold 0.75
}
/// No model is configured for it: every text goes to a person.
classifier Urgency -> IssueCategory

workflow Triage(text: string) -> IssueCategory {
  owner "store-ops"
  let guess = classify IssueKind(text)
  let urgency = classify Urgency(text)
  let t = task "Categorize: {text}" {
    assign Clerk
    data { suggested: guess.best, urgent: urgency.label }
    form { category: IssueCategory }
  }
  learn IssueKind(text, t.category)
  learn Urgency(text, t.category)
  return t.category
}
)";

// Clear cases of the model's labels, texts it is unsure of, and one with nothing it
// knows (a model that answers nothing: below the threshold, no best).
const std::vector<std::string> kTexts = {
    "freezer in aisle 4 is warm and dripping",
    "shelf label shows wrong price for milk",
    "pallet of wine dropped, glass everywhere",
    "price of the freezer",
    "staff broke the fridge price",
    "x",
    "cold room temperature too high again",
};

// What the service should count for one classifier and model.
struct Expected {
  int64_t labelled = 0, below_threshold = 0, no_model = 0, learned = 0, compared = 0, agreed = 0;
  std::map<std::string, std::array<int64_t, 3>> labels;  // predicted, learned, agreed
};

json share(int64_t part, int64_t whole) {
  return whole > 0 ? json(static_cast<double>(part) / static_cast<double>(whole)) : json(nullptr);
}

json qualityJson(const std::string& classifier, const json& model, const Expected& e) {
  json labels = json::object();
  for (const auto& [name, n] : e.labels)
    labels[name] = {{"predicted", n[0]}, {"learned", n[1]}, {"agreed", n[2]}};
  const int64_t total = e.labelled + e.below_threshold + e.no_model;
  return {{"classifier", classifier},
          {"model", model},
          {"classifications", total},
          {"labelled", e.labelled},
          {"below_threshold", e.below_threshold},
          {"no_model", e.no_model},
          {"coverage", share(e.labelled, total)},
          {"learned", e.learned},
          {"compared", e.compared},
          {"agreed", e.agreed},
          {"agreement", share(e.agreed, e.compared)},
          {"labels", std::move(labels)}};
}

TEST(ServiceTriage, InsightsAndMetricsCountClassificationsAndWhatPeopleTaught) {
  auto loaded = classifier::Model::loadFile(kTiny);
  ASSERT_TRUE(std::holds_alternative<classifier::Model>(loaded)) << std::get<std::string>(loaded);
  const classifier::Model& model = std::get<classifier::Model>(loaded);

  TestServer s(kTriageProject, true,
               "\n[classifiers.IssueKind]\nmodel = \"" + kTiny.string() + "\"\n");
  ASSERT_TRUE(s.ok()) << s.problem();

  // Nothing classified yet: no classifier listed, no samples under the metrics' headers.
  Reply before = s.get("/v1/insights", kCy);
  ASSERT_EQ(before.status, 200) << before.text;
  EXPECT_EQ(before.body["classifiers"], json::array());
  EXPECT_EQ(s.get("/metrics", kCy).text.find("rflow_classifications_total{"), std::string::npos);

  Expected kind, urgency;
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const std::vector<classifier::Prediction> top = model.predict(kTexts[i]);
    const std::string best = top.empty() ? "" : top[0].label;
    // The engine rounds a confidence half-even to four places before comparing it with
    // the threshold; no text here lies within rounding of 0.75.
    const double confidence = top.empty() ? 0 : std::round(top[0].confidence * 1e4) / 1e4;
    (confidence >= 0.75 ? kind.labelled : kind.below_threshold) += 1;
    if (!best.empty()) kind.labels[best][0] += 1;
    // The clerk agrees with the model on every other text and says Equipment otherwise.
    const bool agree = i % 2 == 0 && !best.empty();
    const std::string chosen = agree ? best : "Equipment";
    kind.learned += 1;
    kind.compared += 1;
    kind.labels[chosen][1] += 1;
    if (agree) {
      kind.agreed += 1;
      kind.labels[chosen][2] += 1;
    }
    urgency.no_model += 1;
    urgency.learned += 1;
    urgency.labels[chosen][1] += 1;

    Reply started = s.post("/v1/workflows/Triage/instances", {{"text", kTexts[i]}}, kCy);
    ASSERT_EQ(started.status, 201) << started.text;
    const std::string id = started.body["id"];
    ASSERT_EQ(started.body["waiting_for"].size(), 1u) << started.text;
    const std::string task = started.body["waiting_for"][0]["task"];
    Reply decided =
        s.post("/v1/tasks/" + task + "/decision", {{"form", {{"category", chosen}}}}, kCy);
    ASSERT_EQ(decided.status, 200) << decided.text;
    ASSERT_TRUE(eventually([&] {
      return s.get("/v1/instances/" + id).body["status"] == "Completed";
    })) << s.get("/v1/instances/" + id).text;
  }
  // Both outcomes of a model are exercised, or the test proves less than it says.
  ASSERT_GT(kind.labelled, 0) << "pick texts the tiny model is sure of";
  ASSERT_GT(kind.below_threshold, 0) << "pick texts the tiny model is unsure of";

  const json expected =
      json::array({qualityJson("shop.IssueKind", model.hash().substr(0, 12), kind),
                   qualityJson("shop.Urgency", nullptr, urgency)});
  const auto n = [](auto v) { return std::to_string(v); };
  const std::string metrics =
      "# HELP rflow_classifications_total Classifications by outcome: labelled (a confident "
      "label), below_threshold (a person decides), no_model.\n"
      "# TYPE rflow_classifications_total counter\n"
      "rflow_classifications_total{classifier=\"shop.IssueKind\",outcome=\"labelled\"} " +
      n(kind.labelled) +
      "\n"
      "rflow_classifications_total{classifier=\"shop.IssueKind\",outcome=\"below_threshold\"} " +
      n(kind.below_threshold) +
      "\n"
      "rflow_classifications_total{classifier=\"shop.IssueKind\",outcome=\"no_model\"} 0\n"
      "rflow_classifications_total{classifier=\"shop.Urgency\",outcome=\"labelled\"} 0\n"
      "rflow_classifications_total{classifier=\"shop.Urgency\",outcome=\"below_threshold\"} 0\n"
      "rflow_classifications_total{classifier=\"shop.Urgency\",outcome=\"no_model\"} " +
      n(kTexts.size()) +
      "\n"
      "# HELP rflow_examples_learned_total Labelled examples `learn` stored.\n"
      "# TYPE rflow_examples_learned_total counter\n"
      "rflow_examples_learned_total{classifier=\"shop.IssueKind\"} " +
      n(kTexts.size()) +
      "\n"
      "rflow_examples_learned_total{classifier=\"shop.Urgency\"} " +
      n(kTexts.size()) + "\n";

  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "while serving" : "after a restart");
    // Not narrowed by the workflow or the window: a classifier is the module's.
    for (const char* path : {"/v1/insights", "/v1/insights?workflow=Triage&since=1h"}) {
      Reply in = s.get(path, kCy);
      ASSERT_EQ(in.status, 200) << in.text;
      EXPECT_EQ(in.body["classifiers"], expected) << path << "\n" << in.body["classifiers"].dump(2);
    }
    Reply m = s.get("/metrics", kCy);
    ASSERT_EQ(m.status, 200);
    EXPECT_NE(m.text.find(metrics), std::string::npos) << m.text;
    s.restart();
    ASSERT_TRUE(s.ok()) << s.problem();
  }
}

}  // namespace
}  // namespace rflow::service::testing
