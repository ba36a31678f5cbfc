// The crash test of issue 8: `rflow serve` killed under load. The real binary serves
// tests/crash/serve_project (workflow Ship: a start with input, a ledger call, two
// signals awaited in order, an approval decided over HTTP, a second ledger call that
// depends on the decision) on one data directory; kClients client threads drive
// kInstances instances over HTTP, each as a person and an integration would (start it,
// send both payments, find the approval and decide it, wait for the end), retrying every
// request that got no answer or a 503. Meanwhile this thread SIGKILLs the server at
// random moments (at least kKills times under load, and a few times more while it is
// still starting and recovering) and starts it again on the same data directory and port.
//
// Why: the engine's durability is tested by crash_tests through `rflow run`; what only a
// service has is the client on the other end of a socket. A kill between a commit and
// its answer leaves the client not knowing whether its request happened, and the only
// safe thing it can do is send it again. So the test checks what the API promises to a
// client that does exactly that: every request that got a 2xx is reflected, and nothing
// is applied twice —
//   - a start with an Idempotency-Key happens once: every 2xx for a key names the same
//     instance, and there are exactly as many instances as keys;
//   - a signal with an Idempotency-Key is delivered once: each instance's history has
//     exactly two signal entries, and the result shows both payments, in order (a
//     doubled first payment would be taken as the second);
//   - a decision is taken once: with an Idempotency-Key (every other instance) a repeat
//     answers 200 as the first did; without one it answers 409 and the task shows the
//     first decision; either way the history has exactly one;
//   - each ledger effect has exactly one Idempotency-Key, always with the same
//     arguments (two per instance);
//   - every instance completes with the result its script implies, no task, timer, call,
//     queued signal or inbox entry is left, and a last graceful stop exits cleanly (in
//     the sanitizer build: with no report).
// Some requests are also repeated on purpose after a 2xx (a client that cannot tell),
// so each promise is exercised in every run, not only when a kill happens to land
// between a commit and its answer.
//
// RFLOW_CRASH_SEED picks the random moments and repeats (the seed used is printed, so a
// failure can be replayed); RFLOW_SERVE_CRASH_INSTANCES overrides the instance count.
// About 4 s in either build: the kills are paced by the clients' progress, not by time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger.h"
#include "engine/records.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultInstances = 96;
constexpr int kClients = 8;
constexpr int kKills = 20;  // kills while the clients are at work, at least
constexpr auto kDeadline = std::chrono::seconds(240);  // for the whole run

const char* const kClerk = "clerk-token";
const char* const kManagers[2][2] = {{"mia", "mia-token"}, {"max", "max-token"}};

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The ledger (ledger.h). One request in twenty answers 503 (nothing applied), so that
// retries happen too (not more: five failures in a row would open the connector's
// circuit breaker for 30 s, longer than the workflow's retries last), and answers take
// 0-20 ms so that kills land while calls are in flight.
using rflow::crash_testing::Ledger;

// `rflow serve` as a child process: its output is appended to files in `scratch`, and
// it is ready when it prints its URL. The port is chosen by the first start and kept.
class ServeProcess {
 public:
  ServeProcess(const fs::path& project, const fs::path& config, const fs::path& data,
               const fs::path& scratch)
      : project_(project),
        config_(config),
        data_(data),
        out_(scratch / "serve.out"),
        err_(scratch / "serve.err") {}
  ~ServeProcess() {
    if (pid_ > 0) kill();
  }

  // Starts the process; does not wait for it.
  void spawn() {
    out_offset_ = fs::exists(out_) ? fs::file_size(out_) : 0;
    const std::vector<std::string> argv = {
        RFLOW_BINARY,   "serve",          project_.string(),
        "--config",     config_.string(), "--data",
        data_.string(), "--listen",       "127.0.0.1:" + std::to_string(port_.load())};
    // Everything the child needs is built before fork(): the parent has threads, so the
    // child may only make async-signal-safe calls until execv.
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string out = out_.string(), err = err_.string();
    const pid_t pid = fork();
    if (pid == 0) {
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(o, 1);
      dup2(e, 2);
      // Not the test's sockets (the ledger's, the clients'): a connection must close
      // when its owner closes it.
      for (int fd = 3; fd < 1024; ++fd)
        ::close(fd);
      execv(args[0], args.data());
      _exit(127);
    }
    pid_ = pid;
    ++starts_;
  }

  // Waits until the child prints its URL; false (with why) if it exits or takes too long.
  bool waitReady(std::string& why) {
    const auto until = Clock::now() + std::chrono::seconds(60);
    const std::string marker = "the dashboard is at http://127.0.0.1:";
    while (Clock::now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        why = "rflow serve exited with status " + std::to_string(status) + ":\n" + slurp(err_);
        return false;
      }
      const std::string out = slurp(out_);
      const size_t at = out.find(marker, std::min<size_t>(out_offset_, out.size()));
      if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
        port_ = std::stoi(out.substr(at + marker.size()));
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    why = "rflow serve did not print its URL within 60 s:\n" + slurp(err_);
    return false;
  }

  void kill() {
    if (pid_ <= 0) return;  // never kill(-1, …): that is every process of the user
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // Whether the child ended on its own (a crash, a sanitizer report), with why.
  bool exited(std::string& why) {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    why =
        "rflow serve ended on its own with status " + std::to_string(status) + ":\n" + slurp(err_);
    return true;
  }

  // SIGTERM, as an operator stops it; the exit status.
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  int port() const { return port_.load(); }
  int starts() const { return starts_; }
  std::string errors() const { return slurp(err_); }

 private:
  fs::path project_, config_, data_, out_, err_;
  pid_t pid_ = -1;
  std::atomic<int> port_{0};
  uintmax_t out_offset_ = 0;
  int starts_ = 0;
};

struct Answer {
  int status = 0;  // 0: no answer
  json body;
};

// What the clients did, for the report and the checks.
struct Counters {
  std::atomic<int> requests{0};        // attempts of every kind
  std::atomic<int> mutations{0};       // attempts of starts, signals and decisions
  std::atomic<int> no_answer{0};       // attempts that got no answer (refused, reset, cut off)
  std::atomic<int> unavailable{0};     // attempts answered 503
  std::atomic<int> retried{0};         // starts, signals and decisions sent more than once
                                       // because an attempt got no answer or a 503
  std::atomic<int> repeats{0};         // requests sent again on purpose after a 2xx
  std::atomic<int> lost_decisions{0};  // decisions that landed but whose answer was lost
};

// One instance's script and what its requests got.
struct Script {
  int n = 0;
  std::string order, start_key, signal_keys[2];
  std::string decision_key;  // empty: the decision is sent without an Idempotency-Key
  int qty = 0;
  bool approve = true;
  int manager = 0;  // index into kManagers
  bool repeat_start = false, repeat_signal = false, repeat_decision = false;
  std::vector<std::string> start_ids;  // the id of every 2xx start answer
  int signals_ok[2] = {0, 0};          // 2xx answers per signal
  int decisions_ok = 0;                // 2xx answers
  std::string task;
  std::string failure;  // set when the script could not be carried out

  std::string reference(int i) const { return order + "-p" + std::to_string(i + 1); }
  int amount(int i) const { return qty * (i == 0 ? 10 : 5); }
  std::string comment() const { return (approve ? "ok " : "no ") + order; }
  std::string expected() const {
    const std::string by = std::string(kManagers[manager][0]) + ": " + comment();
    if (!approve) return "released X-R-" + order + " by " + by;
    return "shipped S-R-" + order + "/" + reference(0) + "+" + reference(1) + " paid " +
           std::to_string(amount(0) + amount(1)) + " by " + by;
  }
};

class Client {
 public:
  Client(const ServeProcess& server, Counters& counters, const std::atomic<bool>& abort)
      : server_(server), counters_(counters), abort_(abort) {}

  // One attempt.
  Answer once(const std::string& method, const std::string& path, const json& body,
              const std::string& token, const std::string& key) {
    httplib::Client client("127.0.0.1", server_.port());
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(20, 0);
    httplib::Headers headers{{"Authorization", "Bearer " + token}};
    if (!key.empty()) headers.emplace("Idempotency-Key", key);
    ++counters_.requests;
    if (method == "POST") ++counters_.mutations;
    const httplib::Result result =
        method == "GET" ? client.Get(path.c_str(), headers)
                        : client.Post(path.c_str(), headers, body.is_null() ? "" : body.dump(),
                                      "application/json");
    Answer answer;
    if (!result) {
      ++counters_.no_answer;
      return answer;
    }
    answer.status = result->status;
    answer.body = json::parse(result->body, nullptr, false);
    if (answer.status == 503) ++counters_.unavailable;
    return answer;
  }

  // Attempts until an answer other than none or 503 (status 0 if the run is aborted).
  Answer send(const std::string& method, const std::string& path, const json& body,
              const std::string& token, const std::string& key = {}) {
    for (int attempt = 0; !abort_; ++attempt) {
      Answer answer = once(method, path, body, token, key);
      if (attempt == 1 && method == "POST") ++counters_.retried;
      if (answer.status != 0 && answer.status != 503) return answer;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + attempt % 4 * 5));
    }
    return {};
  }

  // Polls the instance until `done` holds for it.
  std::optional<json> poll(const std::string& id, const std::function<bool(const json&)>& done) {
    while (!abort_) {
      Answer a = send("GET", "/v1/instances/" + id, nullptr, kClerk);
      if (a.status != 200) return std::nullopt;
      if (done(a.body)) return a.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  void run(Script& s) {
    if (!start(s) || !signal(s, 0) || !signal(s, 1) || !decide(s)) return;
    auto ended = poll(s.start_ids.front(), [](const json& v) {
      return v["status"] != "Running" && v["status"] != "Waiting";
    });
    if (!ended) s.failure = "the instance did not end";
  }

 private:
  bool fail(Script& s, const std::string& what, const Answer& a) {
    s.failure = what + " answered " + std::to_string(a.status) + ": " + a.body.dump();
    return false;
  }

  bool start(Script& s) {
    const json args = {{"order", s.order}, {"qty", s.qty}};
    for (int i = 0; i < (s.repeat_start ? 2 : 1); ++i) {
      if (i > 0) ++counters_.repeats;
      Answer a = send("POST", "/v1/workflows/Ship/instances", args, kClerk, s.start_key);
      if (a.status != 201) return fail(s, "the start", a);
      s.start_ids.push_back(a.body.value("id", ""));
    }
    return true;
  }

  bool signal(Script& s, int i) {
    const json payment = {{"reference", s.reference(i)}, {"amount", s.amount(i)}};
    // The first payment by instance id, the second by business key.
    const std::string path = i == 0 ? "/v1/instances/" + s.start_ids.front() + "/signals/Paid"
                                    : "/v1/keys/Ship/" + s.order + "/signals/Paid";
    for (int k = 0; k < (s.repeat_signal ? 2 : 1); ++k) {
      if (k > 0) ++counters_.repeats;
      Answer a = send("POST", path, payment, kClerk, s.signal_keys[i]);
      if (a.status != 200 || a.body.value("id", "") != s.start_ids.front())
        return fail(s, "payment " + std::to_string(i + 1), a);
      ++s.signals_ok[i];
    }
    return true;
  }

  bool decide(Script& s) {
    auto waiting = poll(s.start_ids.front(), [](const json& v) {
      for (const json& w : v["waiting_for"])
        if (w["kind"] == "approval") return true;
      return v["status"] != "Running" && v["status"] != "Waiting";
    });
    if (!waiting) {
      s.failure = "no approval came";
      return false;
    }
    for (const json& w : (*waiting)["waiting_for"])
      if (w["kind"] == "approval") s.task = w["task"];
    if (s.task.empty()) {
      s.failure = "the instance ended before its approval: " + waiting->dump();
      return false;
    }
    const json decision = {{"approve", s.approve}, {"comment", s.comment()}};
    const std::string user = kManagers[s.manager][0], token = kManagers[s.manager][1];
    for (int k = 0; k < (s.repeat_decision ? 2 : 1); ++k) {
      if (k > 0) ++counters_.repeats;
      Answer a = send("POST", "/v1/tasks/" + s.task + "/decision", decision, token, s.decision_key);
      if (a.status == 200) {
        if (a.body["task"]["decided_by"] != user) return fail(s, "the decision", a);
        ++s.decisions_ok;
        continue;
      }
      // The promise for a decision sent again: with its Idempotency-Key, the first one's
      // answer (200, above); without, 409, and the task shows the first one.
      if (a.status != 409 || !s.decision_key.empty()) return fail(s, "the decision", a);
      Answer t = send("GET", "/v1/tasks/" + s.task, nullptr, token);
      if (t.status != 200 || t.body["decided_by"] != user ||
          t.body["status"] != (s.approve ? "approved" : "rejected"))
        return fail(s, "a 409 to the decision, and the task", t);
      if (k == 0) ++counters_.lost_decisions;
    }
    return true;
  }

  const ServeProcess& server_;
  Counters& counters_;
  const std::atomic<bool>& abort_;
};

TEST(ServeCrash, KilledUnderLoadEveryAnsweredRequestHoldsAndNothingIsDoubled) {
  unsigned seed = 20261208;
  if (const char* s = std::getenv("RFLOW_CRASH_SEED")) seed = static_cast<unsigned>(std::stoul(s));
  int instances = kDefaultInstances;
  if (const char* s = std::getenv("RFLOW_SERVE_CRASH_INSTANCES")) instances = std::stoi(s);
  std::printf("serve crash test seed %u (RFLOW_CRASH_SEED to replay), %d instances\n", seed,
              instances);
  std::mt19937 rng(seed);
  const auto began = Clock::now();

  Ledger ledger({.ops_pattern = "(reserve|settle|release)",
                 .seed = seed,
                 .max_delay_ms = 20,
                 .fail_one_in = 20,
                 .answer = [](const std::string& op, const json& args) {
                   const std::string ref = args.value("ref", "");
                   return op == "reserve" ? json{{"ref", "R-" + args.value("order", "")}}
                          : op == "settle"
                              ? json{{"doc", "S-" + ref + "/" + args.value("paid", "")}}
                              : json{{"doc", "X-" + ref}};
                 }});
  const fs::path scratch =
      fs::temp_directory_path() / ("rflow-serve-crash-" + std::to_string(getpid()));
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  const fs::path config = scratch / "rflow.toml";
  {
    std::string text = slurp(fs::path(RFLOW_SERVE_CRASH_PROJECT) / "rflow.toml.in");
    const std::string placeholder = "@LEDGER_URL@";
    const size_t at = text.find(placeholder);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, placeholder.size(),
                 "http://127.0.0.1:" + std::to_string(ledger.port()) + "/ledger");
    std::ofstream(config) << text;
  }
  const fs::path data = scratch / "data";
  ServeProcess server(RFLOW_SERVE_CRASH_PROJECT, config, data, scratch);
  server.spawn();
  std::string why;
  ASSERT_TRUE(server.waitReady(why)) << why;

  std::vector<Script> scripts(static_cast<size_t>(instances));
  for (int i = 0; i < instances; ++i) {
    Script& s = scripts[static_cast<size_t>(i)];
    s.n = i + 1;
    s.order = "O-" + std::to_string(s.n);
    s.start_key = "start/" + s.order;
    s.signal_keys[0] = "paid-1/" + s.order;
    s.signal_keys[1] = "paid-2/" + s.order;
    if (i % 2 == 0) s.decision_key = "decide/" + s.order;
    s.qty = 1 + static_cast<int>(rng() % 9);
    s.approve = rng() % 4 != 0;
    s.manager = static_cast<int>(rng() % 2);
    s.repeat_start = rng() % 4 == 0;
    s.repeat_signal = rng() % 4 == 0;
    s.repeat_decision = rng() % 4 == 0;
  }

  Counters counters;
  std::atomic<bool> abort{false};
  std::atomic<int> clients_done{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Client client(server, counters, abort);
      for (size_t i = static_cast<size_t>(c); i < scripts.size(); i += kClients)
        client.run(scripts[i]);
      ++clients_done;
    });
  }

  // The killer. A kill lands after a random number of attempts to start, signal or
  // decide (1 to max_between, so that the kKills kills fall in the first half of the run
  // or so, all under load), or after a random 80-400 ms, whichever comes first; one
  // restart in three is killed again while the server builds, opens the store and
  // recovers, before it serves anything.
  const int max_between = std::max(2, instances * 4 / kKills);
  int kills = 0, startup_kills = 0;
  std::string failure;
  while (clients_done < kClients && failure.empty()) {
    if (Clock::now() - began > kDeadline) {
      failure = "the run took longer than the deadline";
      break;
    }
    if (kills >= kKills) {
      server.exited(failure);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    const int target = counters.mutations + 1 + static_cast<int>(rng() % max_between);
    const auto until = Clock::now() + std::chrono::milliseconds(80 + rng() % 321);
    while (counters.mutations < target && Clock::now() < until && clients_done < kClients &&
           !server.exited(failure))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (clients_done == kClients || !failure.empty()) break;
    server.kill();
    ++kills;
    if (rng() % 3 == 0) {
      server.spawn();
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
      server.kill();
      ++startup_kills;
    }
    server.spawn();
    if (!server.waitReady(why)) failure = why;
  }
  if (!failure.empty()) abort = true;
  for (std::thread& t : clients)
    t.join();
  ASSERT_EQ(failure, "");
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  std::printf(
      "%.1f s: %d kills under load and %d while starting (%d starts); %d requests (%d "
      "attempts to start, signal or decide), %d without an answer, %d answered 503; %d "
      "starts, signals and decisions retried, %d repeated on purpose after a 2xx; %d "
      "decisions landed with their answer lost; the ledger answered 503 %d times\n",
      seconds, kills, startup_kills, server.starts(), counters.requests.load(),
      counters.mutations.load(), counters.no_answer.load(), counters.unavailable.load(),
      counters.retried.load(), counters.repeats.load(), counters.lost_decisions.load(),
      ledger.unavailable());
  EXPECT_GE(kills, kKills) << "the clients finished before the killer did";

  // Every script was carried out, and every start that got a 2xx maps to one instance.
  Client client(server, counters, abort);
  std::map<std::string, const Script*> script_of;  // instance id -> script
  for (const Script& s : scripts) {
    SCOPED_TRACE(s.order);
    ASSERT_EQ(s.failure, "");
    ASSERT_FALSE(s.start_ids.empty());
    for (const std::string& id : s.start_ids)
      EXPECT_EQ(id, s.start_ids.front()) << "one key started two instances";
    EXPECT_TRUE(script_of.emplace(s.start_ids.front(), &s).second)
        << "two keys share instance " << s.start_ids.front();
  }
  std::set<std::string> listed;
  for (std::string after;;) {
    Answer page =
        client.send("GET", "/v1/instances?workflow=Ship&limit=500&after=" + after, nullptr, kClerk);
    ASSERT_EQ(page.status, 200) << page.body.dump();
    for (const json& v : page.body["items"])
      listed.insert(v["id"].get<std::string>());
    if (page.body["next"].is_null()) break;
    after = page.body["next"];
  }
  EXPECT_EQ(listed.size(), scripts.size()) << "as many instances as start keys";
  for (const std::string& id : listed)
    EXPECT_TRUE(script_of.count(id)) << id << " was started by no 2xx start";

  // Every instance completed with the result its script implies, and its history holds
  // every answered request exactly once.
  for (const auto& entry : script_of) {
    const std::string& id = entry.first;
    const Script& s = *entry.second;
    SCOPED_TRACE(s.order + " " + id);
    Answer v = client.send("GET", "/v1/instances/" + id, nullptr, kClerk);
    ASSERT_EQ(v.status, 200);
    EXPECT_EQ(v.body["status"], "Completed") << v.body.dump();
    EXPECT_EQ(v.body["key"], s.order);
    EXPECT_EQ(v.body["result"], s.expected()) << v.body.dump();
    Answer h = client.send("GET", "/v1/instances/" + id + "/history?limit=500", nullptr, kClerk);
    ASSERT_EQ(h.status, 200);
    EXPECT_TRUE(h.body["next"].is_null());
    std::map<std::string, int> kinds;
    const json& items = h.body["items"];
    for (size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(items[i]["seq"], i + 1) << "the trail is numbered without gaps or repeats";
      const std::string kind = items[i]["kind"];
      ++kinds[kind == "signal queued" ? "signal" : kind];
      if (kind == "approved" || kind == "rejected") {
        EXPECT_EQ(items[i]["by"], kManagers[s.manager][0]);
        EXPECT_EQ(items[i]["ref"], s.task);
        EXPECT_EQ(items[i]["text"], kind + " Ship " + s.order + ": " + s.comment());
      }
    }
    kinds.erase("retry");  // the ledger's 503s are random
    const std::map<std::string, int> expected = {{"started", 1},
                                                 {"called", 2},
                                                 {"answered", 2},
                                                 {"signal", 2},
                                                 {"approval requested", 1},
                                                 {s.approve ? "approved" : "rejected", 1},
                                                 {"completed", 1}};
    EXPECT_EQ(kinds, expected) << items.dump();
    EXPECT_EQ(s.signals_ok[0], s.repeat_signal ? 2 : 1);
    EXPECT_EQ(s.signals_ok[1], s.repeat_signal ? 2 : 1);
  }
  Answer open_tasks = client.send("GET", "/v1/tasks", nullptr, kManagers[0][1]);
  ASSERT_EQ(open_tasks.status, 200);
  EXPECT_EQ(open_tasks.body["items"].size(), 0u) << open_tasks.body.dump();

  // Exactly one key per effect: per instance one reserve, and one settle or release.
  std::map<std::string, std::multiset<std::string>> effects_of;  // instance -> op:args
  int redelivered = 0;
  for (const auto& entry : ledger.effects()) {
    const std::string& key = entry.first;
    const Ledger::Effect& effect = entry.second;
    const std::string instance = key.substr(0, key.find('/'));
    EXPECT_TRUE(script_of.count(instance)) << "a call from an unknown instance: " << key;
    EXPECT_FALSE(effect.args_changed) << key << " was sent with different arguments";
    effects_of[instance].insert(effect.op + ":" + effect.args);
    redelivered += effect.deliveries - 1;
  }
  for (const auto& entry : script_of) {
    const Script& s = *entry.second;
    SCOPED_TRACE(s.order);
    const std::string ref = "R-" + s.order;
    const std::multiset<std::string> expected = {
        "reserve:" + json{{"order", s.order}, {"qty", s.qty}}.dump(),
        s.approve ? "settle:" + json{{"order", s.order},
                                     {"paid", s.reference(0) + "+" + s.reference(1)},
                                     {"ref", ref}}
                                    .dump()
                  : "release:" + json{{"order", s.order}, {"ref", ref}}.dump()};
    EXPECT_EQ(effects_of[entry.first], expected);
  }
  std::printf(
      "%zu ledger effects applied once each; %d repeated deliveries answered from the "
      "key\n",
      ledger.effects().size(), redelivered);

  // A graceful stop exits 0 (and, in the sanitizer build, with no report); nothing is
  // left behind in the store: no pending call, undelivered result, open task, queued
  // signal (a doubled one would wait there) or live key. (Timers are removed when they
  // fire, a stale one doing nothing; the awaits' and approvals' are due in an hour.)
  EXPECT_EQ(server.stop(), 0) << server.errors();
  const std::string errors = server.errors();
  EXPECT_EQ(errors.find("Sanitizer"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("runtime error"), std::string::npos) << errors;
  {
    auto opened = rflow::store::Store::open(data.string());
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<rflow::store::Store>>(opened))
        << std::get<std::string>(opened);
    const auto& store = *std::get<std::unique_ptr<rflow::store::Store>>(opened);
    using rflow::store::Column;
    for (const Column c :
         {Column::kCalls, Column::kInbox, Column::kTaskIndex, Column::kSignals, Column::kKeys}) {
      size_t left = 0;
      (void)store.scan(c, "", [&](std::string_view, std::string_view) { return ++left, true; });
      EXPECT_EQ(left, 0u) << rflow::store::columnName(c) << " has entries left";
    }
  }  // The store closes before its directory goes.
  if (!HasFailure()) {
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
  }
}

// Migration of waiting instances (intelligence.md §4, issue 17) killed half way: kMigrate
// instances wait at an approval, half at a place the new version keeps; the server is
// SIGKILLed while POST /v1/migrations moves them, several times, and restarted. After
// every kill the store must hold each instance wholly on one version: its record and its
// open task name the same version. A last migration moves the rest of the mappable half;
// then each instance's trail has `migrated` exactly when it is on the new version, and
// every one is approved and completes with the code of its version.
constexpr const char* kMigrateV1 = R"(module mig
role Manager "Shipping manager"
workflow Order(id: string, big: bool) -> string {
  owner "shipping"
  if big {
    let r = approval "Big review" {
      assign Manager
    }
    return "v1 big {id} {r.approved}"
  }
  let s = approval "Small review" {
    assign Manager
  }
  return "v1 small {id} {s.approved}"
}
)";
constexpr const char* kAdmin = "mig-admin-token";

TEST(ServeCrash, KilledDuringAMigrationEveryInstanceIsWhollyOnOneVersionAndCompletes) {
  constexpr int kMigrate = 600;
  unsigned seed = 20261206;
  if (const char* s = std::getenv("RFLOW_CRASH_SEED")) seed = static_cast<unsigned>(std::stoul(s));
  std::printf("migration crash test seed %u (RFLOW_CRASH_SEED to replay)\n", seed);
  std::mt19937 rng(seed);
  const fs::path scratch =
      fs::temp_directory_path() / ("rflow-migrate-crash-" + std::to_string(getpid()));
  fs::remove_all(scratch);
  fs::create_directories(scratch / "project");
  std::ofstream(scratch / "project" / "mig.rflow") << kMigrateV1;
  std::string v2_source = kMigrateV1;
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"Small review", "Quick look"},
                                 {"\"v1 ", "\"v2 "}, {"\"v1 ", "\"v2 "}}) {
    const size_t at = v2_source.find(from);
    ASSERT_NE(at, std::string::npos);
    v2_source.replace(at, from.size(), to);
  }
  const fs::path config = scratch / "rflow.toml";
  std::ofstream(config) << "[[auth.users]]\nname = \"root\"\nroles = [\"admin\"]\n"
                           "token_sha256 = "
                           "\"d73cf97fc7cd83a6ea4a81e5ebd910e1cc74d318732edf9a4622c1c35cca35c8\"\n\n"
                           // The clerk (Client::poll reads with its token).
                           "[[auth.users]]\nname = \"clerk\"\nroles = [\"Manager\"]\n"
                           "token_sha256 = "
                           "\"6928eb94c15cb00c92def9c21d106cfae70f3ecc56d8e7ff4039cb619e39e5e5\"\n\n"
                           "[engine]\ndurability = \"sync\"\nworkers = 2\n";
  const fs::path data = scratch / "data";
  ServeProcess server(scratch / "project", config, data, scratch);
  server.spawn();
  std::string why;
  ASSERT_TRUE(server.waitReady(why)) << why;
  Counters counters;
  std::atomic<bool> abort{false};
  Client client(server, counters, abort);

  const std::string v1 = client.send("GET", "/v1/workflows", nullptr, kAdmin).body["version"];
  std::vector<std::string> ids;
  for (int i = 0; i < kMigrate; ++i) {
    Answer a = client.send("POST", "/v1/workflows/Order/instances",
                           {{"id", "o" + std::to_string(i)}, {"big", i % 2 == 0}}, kAdmin,
                           "start-" + std::to_string(i));
    ASSERT_EQ(a.status, 201) << a.body.dump();
    ids.push_back(a.body["id"]);
  }
  for (const std::string& id : ids)
    ASSERT_TRUE(client.poll(id, [](const json& v) { return v["status"] == "Waiting"; }));
  Answer deployed = client.send("POST", "/v1/deployments",
                                {{"files", {{"mig.rflow", v2_source}}}}, kAdmin);
  ASSERT_EQ(deployed.status, 201) << deployed.body.dump();
  const std::string v2 = deployed.body["version"];
  const json request = {{"from", v1}, {"to", v2}, {"workflow", "Order"}, {"dry_run", false}};

  // Every instance is wholly on one version: read from the store while the server is down.
  const auto checkWhole = [&](size_t& moved) {
    auto opened = rflow::store::Store::open(data.string());
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<rflow::store::Store>>(opened))
        << std::get<std::string>(opened);
    const auto& store = *std::get<std::unique_ptr<rflow::store::Store>>(opened);
    using rflow::store::Column;
    std::map<std::string, std::string> version_of;
    (void)store.scan(Column::kInstances, "", [&](std::string_view, std::string_view bytes) {
      auto rec = rflow::engine::InstanceRecord::decode(bytes);
      EXPECT_TRUE(rec.has_value());
      if (rec) version_of[rec->id] = rec->version;
      return true;
    });
    ASSERT_EQ(version_of.size(), ids.size());
    size_t tasks = 0;
    (void)store.scan(Column::kTasks, "", [&](std::string_view, std::string_view bytes) {
      auto task = rflow::engine::TaskRecord::decode(bytes);
      EXPECT_TRUE(task.has_value());
      if (!task) return true;
      ++tasks;
      EXPECT_EQ(task->version, version_of[task->instance]) << task->instance;
      return true;
    });
    EXPECT_EQ(tasks, ids.size());
    moved = 0;
    for (const auto& [id, version] : version_of) {
      EXPECT_TRUE(version == v1 || version == v2) << id;
      if (version == v2) ++moved;
    }
  };

  size_t moved = 0;
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    std::thread asker([&] {
      Client c(server, counters, abort);
      (void)c.once("POST", "/v1/migrations", request, kAdmin, "");
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 150)(rng)));
    server.kill();
    ++kills;
    asker.join();
    checkWhole(moved);
    if (HasFailure()) break;
    std::printf("after kill %d: %zu of %d instances on the new version\n", kills, moved, kMigrate);
    server.spawn();
    ASSERT_TRUE(server.waitReady(why)) << why;
  }
  ASSERT_FALSE(HasFailure());

  // The last migration moves what is left of the mappable half; the others stay.
  Answer last = client.send("POST", "/v1/migrations", request, kAdmin);
  ASSERT_EQ(last.status, 200) << last.body.dump();
  EXPECT_EQ(last.body["left"].size(), static_cast<size_t>(kMigrate / 2)) << last.body.dump();
  for (int i = 0; i < kMigrate; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    Answer view = client.send("GET", "/v1/instances/" + id, nullptr, kAdmin);
    ASSERT_EQ(view.status, 200);
    const std::string expected = i % 2 == 0 ? v2 : v1;
    ASSERT_EQ(view.body["version"], expected) << id;
    Answer history = client.send("GET", "/v1/instances/" + id + "/history?limit=100", nullptr, kAdmin);
    int migrated = 0;
    for (const json& e : history.body["items"]) migrated += e["kind"] == "migrated";
    ASSERT_EQ(migrated, i % 2 == 0 ? 1 : 0) << id << " " << history.body.dump();
    std::string task;
    for (const json& w : view.body["waiting_for"])
      if (w.contains("task")) task = w["task"];
    ASSERT_FALSE(task.empty()) << view.body.dump();
    Answer decided = client.send("POST", "/v1/tasks/" + task + "/decision", {{"approve", true}},
                                 kClerk, "decide-" + id);
    ASSERT_EQ(decided.status, 200) << decided.body.dump();
  }
  for (int i = 0; i < kMigrate; ++i) {
    const std::string& id = ids[static_cast<size_t>(i)];
    auto done = client.poll(id, [](const json& v) { return v["status"] != "Waiting" && v["status"] != "Running"; });
    ASSERT_TRUE(done);
    ASSERT_EQ((*done)["status"], "Completed") << done->dump();
    const std::string n = std::to_string(i);
    ASSERT_EQ((*done)["result"], i % 2 == 0 ? "v2 big o" + n + " true" : "v1 small o" + n + " true");
  }
  EXPECT_EQ(server.stop(), 0) << server.errors();
  if (!HasFailure()) {
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
  }
}

}  // namespace
