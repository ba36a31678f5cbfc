// Planning and making the simulated people's decisions.
#include "people.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace rflow::simulator {

using nlohmann::json;

namespace {

std::string lastSegment(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::string stampOf(const json& task) {
  return task["assignee"].dump() + "|" + std::to_string(task["approved_by"].size());
}

const Person* personNamed(const std::string& name) {
  for (const Person& p : people())
    if (p.name == name) return &p;
  return nullptr;
}

json formValue(const std::string& field, const std::string& type, Rng& rng) {
  if (type.ends_with("?")) return nullptr;
  if (type == "bool") return field == "cleared" ? chance(rng, 0.7) : chance(rng, 0.85);
  if (type == "int") return 1;
  if (type == "decimal") return "1.0";
  if (type == "money") return json{{"amount", "10.00"}, {"currency", "USD"}};
  if (field == "trailer")
    return fmt::format("tr-{:04}", std::uniform_int_distribution<int>(0, 9999)(rng));
  if (field == "work_order")
    return fmt::format("wo-{:05}", std::uniform_int_distribution<int>(0, 99999)(rng));
  if (field == "findings")
    return pick(rng, {"Receipt and card match; genuine customer",
                      "Serial numbers do not match the sale", "CCTV confirms the purchase"});
  return pick(rng, {"Done, checked with the shift lead", "Relabelled the bay",
                    "Cleaned and coned off until dry", "Could not fix: needs a contractor"});
}

}  // namespace

People::Plan People::plan(const json& task) {
  Plan p{stampOf(task), "", 0};
  std::vector<const Person*> candidates;
  const json& assignee = task["assignee"];
  std::set<std::string> already;
  for (const json& a : task["approved_by"])
    already.insert(a.get<std::string>());
  for (const Person& person : people()) {
    if (already.contains(person.name)) continue;
    bool holds = false;
    if (assignee.contains("user")) holds = assignee["user"] == person.name;
    for (const std::string& role : person.roles)
      holds = holds || (assignee.contains("role") &&
                        lastSegment(assignee["role"].get<std::string>()) == role);
    if (holds) candidates.push_back(&person);
  }
  if (candidates.empty()) return p;
  const Person* who =
      candidates[std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng_)];
  if (!chance(rng_, who->diligence)) {
    tally_.ignored++;
    return p;  // left to sit: it escalates, goes overdue or expires
  }
  // Log-normal delays: most decisions within a couple of hours, a long tail. Filing an
  // issue under a category is a glance at its text, so the support desk is quicker. A
  // DC's dispatch desk takes as long as its DC does (the story's slow region, chain.h).
  const bool filing =
      task["form"].is_array() && std::any_of(task["form"].begin(), task["form"].end(),
                                             [](const json& f) { return f["name"] == "category"; });
  const bool dispatch = assignee.contains("role") &&
                        lastSegment(assignee["role"].get<std::string>()) == "DcDispatch" &&
                        task["data"].is_object() && task["data"]["region"].is_string();
  const double median_h = dispatch ? dcHandOffMedianHours(task["data"]["region"])
                          : task["kind"] == "approval" ? 1.2
                          : filing                     ? 0.4
                                                       : 2.0;
  const double hours = std::exp(std::normal_distribution<double>(std::log(median_h), 0.9)(rng_));
  p.person = who->name;
  p.due = clock_.now() + static_cast<int64_t>(hours * static_cast<double>(kHourMs));
  return p;
}

void People::act(const json& task, const Person& person) {
  const std::string path = "/v1/tasks/" + task["id"].get<std::string>() + "/decision";
  json body;
  bool approve = false;
  if (task["kind"] == "approval") {
    approve = chance(rng_, person.approve);
    body = {{"approve", approve},
            {"comment",
             approve ? pick(rng_, {"", "OK", "Fine, go ahead", "Checked against the plan"})
                     : pick(rng_, {"Line is being delisted", "Price does not match the contract",
                                   "Store has stock in the back room", "Duplicate request"})}};
  } else {
    json form = json::object();
    if (task["form"].is_array()) {
      for (const json& f : task["form"])
        form[f["name"].get<std::string>()] = formValue(f["name"], f["type"], rng_);
    }
    if (form.contains("category")) {
      const auto truth = categories_.find(task["instance"].get<std::string>());
      // An issue raised before this simulator started: go with the model's suggestion.
      const json& suggested = task["data"].is_object() ? task["data"]["suggested"] : json();
      form["category"] = truth != categories_.end() ? json(truth->second)
                         : suggested.is_string()    ? suggested
                                                    : json("Equipment");
    }
    body = {{"form", std::move(form)}};
  }
  const Answer a = api_.post(path, body, person.token());
  if (a.ok() && body.contains("form") && body["form"].contains("category"))
    categories_.erase(task["instance"].get<std::string>());  // filed: needed no more
  if (a.ok()) {
    if (task["kind"] != "approval")
      tally_.completed++;
    else if (approve)
      tally_.approved++;
    else
      tally_.rejected++;
  } else if (a.status == 409) {
    tally_.refused++;  // a policy said no (their own request, or already decided)
  }
}

void People::work() {
  std::set<std::string> open;
  std::string after;
  for (int page = 0; page < 20; ++page) {
    const Answer a =
        api_.get("/v1/tasks?status=open&limit=500" + (after.empty() ? "" : "&after=" + after),
                 personNamed("ops-admin")->token());
    if (!a.ok()) return;
    for (const json& task : a.body["items"]) {
      const std::string id = task["id"];
      open.insert(id);
      auto it = plans_.find(id);
      if (it == plans_.end() || it->second.stamp != stampOf(task))
        it = plans_.insert_or_assign(id, plan(task)).first;
      Plan& p = it->second;
      if (!p.person.empty() && clock_.now() >= p.due) {
        act(task, *personNamed(p.person));
        p.person.clear();  // one try; a refusal leaves it to escalation
      }
    }
    if (a.body["next"].is_null()) break;
    after = a.body["next"];
  }
  std::erase_if(plans_, [&](const auto& entry) { return !open.contains(entry.first); });
}

}  // namespace rflow::simulator
