// ModelRegistry: loading [classifiers.NAME] models against a module's classifiers (label
// checks, unknown and doubly configured names, unreadable files, each naming the
// rflow.toml line), answering classify, and replacing a model while others hold it.
#include "runtime/model_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "runtime_test_util.h"

namespace rflow::runtime {
namespace {

using testing::TempDir;

const std::filesystem::path kTiny =
    std::filesystem::path(RFLOW_SOURCE_DIR) / "tests/classifier/samples/tiny.ftz";

// The tiny model's labels (Refrigeration, Pricing, Staffing, Damage) are all members of
// IssueCategory, which also has Equipment; Mood shares none.
constexpr std::string_view kSource = R"rflow(module triage

enum IssueCategory { Equipment, Refrigeration, Pricing, Staffing, Damage }
enum Mood { Happy, Sad }

classifier IssueKind -> IssueCategory {
  threshold 0.75
}
classifier MoodOf -> Mood {
  threshold 0.6
}
)rflow";

class ModelRegistryTest : public ::testing::Test {
 protected:
  ModelRegistryTest() : module_(testing::buildModule(kSource)) {
    std::ifstream in(kTiny, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    dir_.write("models/tiny.ftz", bytes.str());
  }

  Config config(std::string_view toml) {
    auto parsed = Config::fromString(toml, dir_.path() / "rflow.toml");
    if (auto* errors = std::get_if<ConfigErrors>(&parsed)) {
      ADD_FAILURE() << describe(*errors);
      return Config::defaults();
    }
    return std::get<Config>(std::move(parsed));
  }

  bytecode::Module module_;
  TempDir dir_;
  ModelRegistry registry_;
};

TEST_F(ModelRegistryTest, LoadsAConfiguredModelAndAnswersWithIt) {
  const ModelLoadReport report =
      registry_.load(module_, config("[classifiers.IssueKind]\nmodel = \"models/tiny.ftz\"\n"));
  EXPECT_TRUE(report.errors.empty()) << report.failure().value_or("");
  ASSERT_EQ(report.warnings.size(), 1u);
  // The member the model never predicts is named.
  EXPECT_NE(report.warnings[0].find("never predicts Equipment"), std::string::npos)
      << report.warnings[0];
  ASSERT_NE(registry_.current("triage.IssueKind"), nullptr);
  EXPECT_EQ(registry_.current("IssueKind"), nullptr);  // keys are qualified

  const auto answer = registry_.classify("triage.IssueKind", "the freezer is warm");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->model, registry_.current("triage.IssueKind")->hash());
  EXPECT_EQ(answer->model.size(), 64u);
  ASSERT_FALSE(answer->top.empty());
  EXPECT_LE(answer->top.size(), 2u);
  EXPECT_GE(answer->top[0].confidence, answer->top.back().confidence);
  // A classifier with no model is absent: the engine answers "no model".
  EXPECT_FALSE(registry_.classify("triage.MoodOf", "a lovely day").has_value());
}

TEST_F(ModelRegistryTest, QualifiedKeysWork) {
  const ModelLoadReport report = registry_.load(
      module_, config("[classifiers.\"triage.IssueKind\"]\nmodel = \"models/tiny.ftz\"\n"));
  EXPECT_TRUE(report.errors.empty()) << report.failure().value_or("");
  EXPECT_NE(registry_.current("triage.IssueKind"), nullptr);
}

TEST_F(ModelRegistryTest, AModelForAnotherEnumIsRefusedByName) {
  const ModelLoadReport report =
      registry_.load(module_, config("[classifiers.MoodOf]\nmodel = \"models/tiny.ftz\"\n"));
  ASSERT_EQ(report.errors.size(), 1u);
  const std::string& e = report.errors[0];
  EXPECT_TRUE(
      e.starts_with((dir_.path() / "rflow.toml").string() + ":1:14: `classifiers.MoodOf`: "))
      << e;
  EXPECT_NE(e.find("tiny.ftz: this is not a model for classifier `MoodOf`"), std::string::npos)
      << e;
  EXPECT_NE(e.find("label `Refrigeration` is not a member"), std::string::npos) << e;
  EXPECT_EQ(registry_.current("triage.MoodOf"), nullptr);
  ASSERT_TRUE(report.failure().has_value());
  EXPECT_TRUE(report.failure()->starts_with("the classifier models cannot be loaded"));
}

TEST_F(ModelRegistryTest, UnknownMissingAndTruncatedAreErrorsAndNothingIsHeld) {
  std::ifstream in(kTiny, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  dir_.write("models/cut.ftz", bytes.str().substr(0, 500));
  const ModelLoadReport report = registry_.load(module_, config(R"toml(
[classifiers.IssueKnd]
model = "models/tiny.ftz"

[classifiers.MoodOf]
model = "models/missing.ftz"

[classifiers.IssueKind]
model = "models/cut.ftz"
)toml"));
  ASSERT_EQ(report.errors.size(), 3u);
  std::string all;
  for (const std::string& e : report.errors)
    all += e + "\n";
  EXPECT_NE(all.find(":2:14: `classifiers.IssueKnd`: the project declares no classifier "
                     "`IssueKnd`: did you mean `IssueKind`?"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("missing.ftz: no such model file"), std::string::npos) << all;
  EXPECT_NE(all.find("cut.ftz: at byte"), std::string::npos) << all;
  EXPECT_EQ(registry_.current("triage.IssueKind"), nullptr);
}

TEST_F(ModelRegistryTest, ShortAndQualifiedTablesForOneClassifierAreAnError) {
  const ModelLoadReport report = registry_.load(module_, config(R"toml(
[classifiers.IssueKind]
model = "models/tiny.ftz"
[classifiers."triage.IssueKind"]
model = "models/tiny.ftz"
)toml"));
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("configured twice"), std::string::npos) << report.errors[0];
}

TEST_F(ModelRegistryTest, SetReplacesWhileReadersHoldTheOldModel) {
  ASSERT_TRUE(
      registry_.load(module_, config("[classifiers.IssueKind]\nmodel = \"models/tiny.ftz\"\n"))
          .errors.empty());
  const auto held = registry_.current("triage.IssueKind");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        (void)registry_.classify("triage.IssueKind", "price label wrong on shelf");
    });
  registry_.set("triage.IssueKind", nullptr);
  registry_.set("triage.IssueKind", held);
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(registry_.current("triage.IssueKind"), held);
  registry_.set("triage.IssueKind", nullptr);
  EXPECT_FALSE(registry_.classify("triage.IssueKind", "x").has_value());
  // The old model still answers for whoever holds it.
  EXPECT_FALSE(held->predict("price label wrong on shelf").empty());
}

}  // namespace
}  // namespace rflow::runtime
