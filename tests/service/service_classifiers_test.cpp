// GET /v1/classifiers and PUT /v1/classifiers/{name}/model (intelligence.md §1): a model
// put over HTTP answers the next classify and survives a restart; a model that is not a
// model, is cut short, or has a label that is not a member is refused with 400 and
// changes nothing; rflow.toml's model and uploads take turns by which came last.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/classifier/model.h"
#include "service_test_util.h"

namespace rflow::service::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSamples = fs::path(RFLOW_SOURCE_DIR) / "tests/classifier/samples";

// The module and roles are those of the test server's users. The tiny models' labels
// (Refrigeration, Pricing, Staffing, Damage) are members of IssueCategory; Mood has none of them.
const std::string kTriage = R"rflow(module shop

role Buyer "Buyer"
role Clerk "Clerk"

enum IssueCategory { Equipment, Refrigeration, Pricing, Staffing, Damage }
enum Mood { Happy, Sad }

classifier IssueKind -> IssueCategory {
  threshold 0.3
}
classifier MoodOf -> Mood {
  threshold 0.6
}

workflow Triage(text: string) -> string {
  let guess = classify IssueKind(text)
  return guess.model
}
)rflow";

std::string fileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string hashOf(const std::string& bytes) {
  auto model = classifier::Model::load(bytes);
  if (auto* problem = std::get_if<std::string>(&model)) {
    ADD_FAILURE() << *problem;
    return "";
  }
  return std::get<classifier::Model>(model).hash();
}

json entryOf(TestServer& s, std::string_view declared) {
  const Reply r = s.get("/v1/classifiers", kCy);
  EXPECT_EQ(r.status, 200) << r.text;
  for (const json& c : r.body["classifiers"])
    if (c["declared"] == declared) return c;
  ADD_FAILURE() << "no classifier " << declared << " in " << r.text;
  return json();
}

// The model hash (12 digits) a new Triage instance classified with.
std::string classifiedWith(TestServer& s, const std::string& text) {
  const Reply started = s.post("/v1/workflows/Triage/instances", {{"text", text}}, kCy);
  EXPECT_EQ(started.status, 201) << started.text;
  const std::string id = started.body.value("id", "");
  json done;
  eventually([&] {
    done = s.get("/v1/instances/" + id).body;
    return done.value("status", "") == "Completed";
  });
  EXPECT_EQ(done.value("status", ""), "Completed") << done.dump();
  return done.contains("result") && done["result"].is_string() ? done["result"].get<std::string>()
                                                               : "(no result)";
}

TEST(ServiceClassifiers, AModelPutOverHttpAnswersAndSurvivesARestart) {
  TestServer s(kTriage);
  ASSERT_TRUE(s.ok()) << s.problem();

  json issue = entryOf(s, "IssueKind");
  EXPECT_EQ(issue["name"], "shop.IssueKind");
  EXPECT_EQ(issue["labels"],
            json::array({"Equipment", "Refrigeration", "Pricing", "Staffing", "Damage"}));
  EXPECT_EQ(issue["threshold"], "0.3");
  EXPECT_TRUE(issue["model"].is_null());
  EXPECT_EQ(issue["examples"], 0);
  // Without a model, classify says so ("" for the model) and the workflow carries on.
  EXPECT_EQ(classifiedWith(s, "the freezer is warm"), "");

  const std::string ftz = fileBytes(kSamples / "tiny.ftz");
  const std::string hash = hashOf(ftz);
  ASSERT_EQ(hash.size(), 64u);
  const Reply put = s.put("/v1/classifiers/IssueKind/model", ftz);
  ASSERT_EQ(put.status, 200) << put.text;
  EXPECT_EQ(put.body["model"]["hash"], hash);
  EXPECT_EQ(put.body["model"]["short"], hash.substr(0, 12));
  EXPECT_EQ(put.body["model"]["bytes"], ftz.size());
  EXPECT_EQ(put.body["model"]["quantized"], true);
  EXPECT_EQ(put.body["model"]["source"], "upload");
  EXPECT_TRUE(put.body["model"]["since"].is_string());
  // The member the model never predicts is worth a warning.
  ASSERT_EQ(put.body["warnings"].size(), 1u) << put.text;
  EXPECT_NE(put.body["warnings"][0].get<std::string>().find("Equipment"), std::string::npos);
  EXPECT_EQ(classifiedWith(s, "the freezer is warm"), hash.substr(0, 12));

  // The qualified name works too, and putting the same model again changes nothing.
  EXPECT_EQ(s.put("/v1/classifiers/shop.IssueKind/model", ftz).status, 200);

  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  issue = entryOf(s, "IssueKind");
  EXPECT_EQ(issue["model"]["hash"], hash);
  EXPECT_EQ(issue["model"]["source"], "upload");
  EXPECT_EQ(classifiedWith(s, "shelf label shows the wrong price"), hash.substr(0, 12));
}

TEST(ServiceClassifiers, ABadModelIsRefusedWith400AndNothingChanges) {
  TestServer s(kTriage);
  ASSERT_TRUE(s.ok()) << s.problem();
  const std::string ftz = fileBytes(kSamples / "tiny.ftz");
  ASSERT_EQ(s.put("/v1/classifiers/IssueKind/model", ftz).status, 200);
  const json before = entryOf(s, "IssueKind")["model"];

  const auto refused = [&](const std::string& name, const std::string& bytes, int status,
                           std::string_view says) {
    const Reply r = s.put("/v1/classifiers/" + name + "/model", bytes);
    EXPECT_EQ(r.status, status) << r.text;
    const std::string message = r.body["error"].value("message", "");
    EXPECT_NE(message.find(says), std::string::npos) << message;
  };
  refused("IssueKind", "this is not a model", 400, "not a model");
  refused("IssueKind", ftz.substr(0, ftz.size() / 2), 400, "not a model");
  refused("IssueKind", "", 400, "empty");
  // Labels that are not members of Mood: named, with the current model unchanged.
  refused("MoodOf", ftz, 400, "Refrigeration");
  refused("IssueKnd", ftz, 404, "did you mean `IssueKind`");

  // curl's default Content-Type for --data-binary is a form, which httplib caps at 8 KiB:
  // told what to send rather than a bare 413.
  httplib::Client client("127.0.0.1", s.server().port());
  auto form = client.Put("/v1/classifiers/IssueKind/model",
                         {{"Authorization", std::string("Bearer ") + kRoot}}, ftz,
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 400);
  EXPECT_NE(form->body.find("Content-Type: application/octet-stream"), std::string::npos)
      << form->body;

  EXPECT_EQ(entryOf(s, "IssueKind")["model"], before);
  EXPECT_TRUE(entryOf(s, "MoodOf")["model"].is_null());
  // Only an admin may put a model.
  EXPECT_EQ(s.put("/v1/classifiers/IssueKind/model", ftz, kCy).status, 403);
  EXPECT_EQ(s.put("/v1/classifiers/IssueKind/model", ftz, nullptr).status, 401);
}

TEST(ServiceClassifiers, ADeploymentWhoseEnumLostAModelsLabelSaysSoAndKeepsClassifying) {
  TestServer s(kTriage);
  ASSERT_TRUE(s.ok()) << s.problem();
  const std::string ftz = fileBytes(kSamples / "tiny.ftz");
  ASSERT_EQ(s.put("/v1/classifiers/IssueKind/model", ftz).status, 200);
  std::string changed = kTriage;
  const std::string damage = ", Damage }";
  changed.replace(changed.find(damage), damage.size(), " }");
  const Reply deployed = s.post("/v1/deployments", {{"files", {{"shop.rflow", changed}}}});
  ASSERT_EQ(deployed.status, 201) << deployed.text;
  ASSERT_EQ(deployed.body["warnings"].size(), 1u) << deployed.text;
  const std::string warning = deployed.body["warnings"][0];
  EXPECT_NE(warning.find("`IssueKind`"), std::string::npos) << warning;
  EXPECT_NE(warning.find("Damage"), std::string::npos) << warning;
  // The model still answers the new version.
  EXPECT_EQ(classifiedWith(s, "the freezer is warm"), hashOf(ftz).substr(0, 12));
  // Deploying the original again warns of nothing.
  const Reply again = s.post("/v1/deployments", {{"files", {{"shop.rflow", kTriage}}}});
  ASSERT_EQ(again.status, 201) << again.text;
  EXPECT_EQ(again.body["warnings"], json::array());
}

TEST(ServiceClassifiers, TheConfigModelAndUploadsTakeTurnsByWhichCameLast) {
  const std::string table =
      "\n[classifiers.IssueKind]\nmodel = \"" + (kSamples / "tiny.bin").string() + "\"\n";
  TestServer s(kTriage, true, table);
  ASSERT_TRUE(s.ok()) << s.problem();
  const std::string bin_hash = hashOf(fileBytes(kSamples / "tiny.bin"));
  const std::string ftz = fileBytes(kSamples / "tiny.ftz");
  const std::string ftz_hash = hashOf(ftz);
  json model = entryOf(s, "IssueKind")["model"];
  EXPECT_EQ(model["hash"], bin_hash);
  EXPECT_EQ(model["source"], "rflow.toml");

  // An upload replaces it, also after a restart with the same rflow.toml.
  ASSERT_EQ(s.put("/v1/classifiers/IssueKind/model", ftz).status, 200);
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  model = entryOf(s, "IssueKind")["model"];
  EXPECT_EQ(model["hash"], ftz_hash);
  EXPECT_EQ(model["source"], "upload");

  // rflow.toml naming another file is the operator's newer word.
  const fs::path config = s.dir() / "rflow.toml";
  std::string text = fileBytes(config);
  const size_t at = text.find("tiny.bin");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "tiny.ftz");
  std::ofstream(config) << text;
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  model = entryOf(s, "IssueKind")["model"];
  EXPECT_EQ(model["hash"], ftz_hash);
  EXPECT_EQ(model["source"], "rflow.toml");

  // Taking the table out takes its model away: a person decides again.
  text.erase(text.find("[classifiers.IssueKind]"));
  std::ofstream(config) << text;
  s.restart();
  ASSERT_TRUE(s.ok()) << s.problem();
  EXPECT_TRUE(entryOf(s, "IssueKind")["model"].is_null());
  EXPECT_EQ(classifiedWith(s, "the freezer is warm"), "");
}

}  // namespace
}  // namespace rflow::service::testing
