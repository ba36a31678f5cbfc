// The ledger of the crash tests: an idempotent system of record in the test process, as
// a real ERP with idempotency keys is. The first successful request for a key applies
// the effect; a repeat with the same key gets the same answer and applies nothing, and
// the ledger remembers how often each key was delivered and whether a repeat carried
// other arguments (which would be a different effect under the same key).
//
// To make retries and kills land mid-call, answers take 0..max_delay_ms, and one request
// in fail_one_in answers 503 with nothing applied. Requests are POST /ledger/<op> with
// {"args": …} and an Idempotency-Key; `answer` says what an op returns.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

namespace rflow::crash_testing {

class Ledger {
 public:
  struct Effect {
    std::string op;
    std::string args;  // the JSON of the first request; a repeat must carry the same
    int deliveries = 0;
    bool args_changed = false;
  };
  struct Options {
    std::string ops_pattern;  // the ops as a regex group, e.g. "(reserve|confirm)"
    unsigned seed = 7;
    int max_delay_ms = 30;
    int fail_one_in = 12;
    std::function<nlohmann::json(const std::string& op, const nlohmann::json& args)> answer;
  };

  explicit Ledger(Options options) : options_(std::move(options)), rng_(options_.seed) {
    server_.Post("/ledger/" + options_.ops_pattern,
                 [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Ledger() {
    server_.stop();
    thread_.join();
  }
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  int port() const { return port_; }
  std::map<std::string, Effect> effects() const {
    std::lock_guard lock(mutex_);
    return effects_;
  }
  int unavailable() const {
    std::lock_guard lock(mutex_);
    return unavailable_;
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    int delay_ms = 0;
    bool fail = false;
    {
      std::lock_guard lock(mutex_);
      delay_ms = static_cast<int>(rng_() % static_cast<unsigned>(options_.max_delay_ms + 1));
      fail = rng_() % static_cast<unsigned>(options_.fail_one_in) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    const std::string key = req.get_header_value("Idempotency-Key");
    const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (key.empty() || body.is_discarded() || !body.contains("args")) {
      res.status = 400;
      res.set_content(R"({"error":"no Idempotency-Key or no args"})", "application/json");
      return;
    }
    const std::string op = req.matches[1];
    const nlohmann::json& args = body["args"];
    std::lock_guard lock(mutex_);
    if (fail) {
      ++unavailable_;
      res.status = 503;
      return;
    }
    Effect& e = effects_[key];
    if (e.deliveries == 0) {
      e.op = op;
      e.args = args.dump();
    } else if (e.args != args.dump() || e.op != op) {
      e.args_changed = true;
    }
    ++e.deliveries;
    res.set_content(options_.answer(op, args).dump(), "application/json");
  }

  Options options_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::mt19937 rng_;
  std::map<std::string, Effect> effects_;
  int unavailable_ = 0;
};

}  // namespace rflow::crash_testing
