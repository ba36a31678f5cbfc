// Scheduler: the service's clock-driven work. One thread fires the engine's due timers
// (sleeps, timeouts, escalations, due dates, SLA breaches, call retries) and the current
// version's `on schedule` cron triggers, then sleeps until the next one is due — at most
// `poll` long, because the engine commits new timers without telling anyone, and a new
// one may be due before the one it knew of.
//
// Cron triggers (base/cron.h, UTC): the engine records the last slot fired with the
// instance it starts (Engine::fireSchedule), so a slot fires at most once across
// restarts; when the service was down over one or more slots, the latest of them fires
// once at the next start (not once per missed slot). A trigger seen for the first time
// records "now" as its starting point, so the slots before it never fire.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/cron.h"
#include "engine/engine.h"

namespace rflow::service {

struct SchedulerOptions {
  int64_t poll_ms = 200;
  // Whether to fire the engine's timers. A cluster partition's owner fires its own (the
  // partition host's timer thread), so its scheduler fires only cron triggers.
  bool timers = true;
  // Which cron triggers to fire, by the qualified name of the workflow they start; unset:
  // every one. In a cluster each partition's scheduler fires the triggers placed on that
  // partition only (serve_cluster.cpp), so that a trigger fires once, not once per partition.
  std::function<bool(std::string_view workflow)> fires;
  // Where to say what happened (a missed slot fired, a trigger that failed).
  std::function<void(const std::string&)> log;
};

class Scheduler {
 public:
  Scheduler(engine::Engine& engine, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  void stop();

  // One pass on the calling thread: fires what is due. Returns when the next known
  // thing is due (UTC ms), if anything is.
  std::optional<int64_t> tick();

 private:
  struct Cron {
    uint32_t trigger = 0;
    std::string name;  // "Workflow at \"0 6 * * *\"", for the log
    base::CronSchedule schedule;
    std::optional<int64_t> next;  // the next slot not yet fired
  };
  void loadCrons(int64_t now);
  void say(const std::string& text) const;

  engine::Engine& engine_;
  SchedulerOptions options_;
  std::string version_;  // the version crons_ were read from
  std::vector<Cron> crons_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rflow::service
