// People: the simulated staff working the task inbox through the public API. Each open
// approval or task gets a plan when first seen (and again when it escalates or collects
// one of two approvals): someone holding the assigned role either acts after a
// realistic delay (log-normal, median 1–2 simulated hours; a DC's dispatch desk as slow
// as its DC, chain.h) or lets it sit, so that some work escalates, breaches its SLA or
// expires. Approvals are approved or rejected by
// each person's own habits; task forms are filled in by field type. A person who is the
// requester gets refused by the no-self-approval policy, as in real life.
//
// Invariants: every decision goes through POST /v1/tasks/{id}/decision with that
// person's token, so the service checks roles and policies exactly as for real users.
#pragma once

#include <map>
#include <string>

#include "api_client.h"
#include "chain.h"

namespace rflow::simulator {

struct Tally {
  int64_t approved = 0, rejected = 0, completed = 0, ignored = 0, refused = 0;
};

class People {
 public:
  People(ApiClient& api, const SimClock& clock, Rng& rng) : api_(api), clock_(clock), rng_(rng) {}

  // Reads the open tasks, plans the new ones and carries out the decisions now due.
  void work();
  // The true category of the store issue an instance triages: whoever files it picks
  // this one, agreeing with a right suggestion and correcting a wrong one.
  void knowCategory(const std::string& instance, const std::string& category) {
    categories_[instance] = category;
  }
  const Tally& tally() const { return tally_; }

 private:
  struct Plan {
    std::string stamp;   // assignee and approvals when planned; a change means replan
    std::string person;  // empty: nobody will act
    int64_t due = 0;     // simulated time
  };
  Plan plan(const nlohmann::json& task);
  void act(const nlohmann::json& task, const Person& person);

  ApiClient& api_;
  const SimClock& clock_;
  Rng& rng_;
  std::map<std::string, Plan> plans_;
  std::map<std::string, std::string> categories_;  // instance → true issue category
  Tally tally_;
};

}  // namespace rflow::simulator
