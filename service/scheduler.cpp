// The timer and cron thread.
#include "service/scheduler.h"

#include <fmt/format.h>

#include <iostream>

#include "base/time_text.h"
#include "vm/print.h"

namespace rflow::service {

namespace {

// How many slots to step over to find the latest missed one (a minute-by-minute cron
// down for two months); past this, the slot reached is fired.
constexpr int kMaxSlotSteps = 100'000;

}  // namespace

Scheduler::Scheduler(engine::Engine& engine, SchedulerOptions options)
    : engine_(engine), options_(std::move(options)) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::say(const std::string& text) const {
  if (options_.log) options_.log(text);
}

void Scheduler::loadCrons(int64_t now) {
  crons_.clear();
  const auto program = engine_.currentProgram();
  if (!program) return;
  const bytecode::Module& m = program->module();
  for (uint32_t i = 0; i < m.triggers.size(); ++i) {
    const bytecode::Trigger& t = m.triggers[i];
    if (t.kind != bytecode::TriggerKind::kSchedule) continue;
    if (options_.fires && !options_.fires(m.strings[m.workflows[t.workflow].name])) continue;
    const std::string& text = m.strings[t.source];
    auto schedule = base::CronSchedule::parse(text);
    const std::string name = fmt::format(
        "{} on schedule \"{}\"", vm::declaredName(m.strings[m.workflows[t.workflow].name]), text);
    if (!schedule) {
      say(fmt::format("{}: not a cron schedule ({}); it never fires", name,
                      base::cronProblem(text)));
      continue;
    }
    std::optional<int64_t> last = engine_.lastScheduleSlot(i);
    if (!last) {
      engine_.noteScheduleStart(i, now);
      last = now;
    }
    crons_.push_back({i, name, *schedule, schedule->nextAfter(*last)});
  }
}

std::optional<int64_t> Scheduler::tick() {
  const int64_t now = engine_.clock().now();
  const auto version = engine_.currentVersion();
  if (version && *version != version_) {
    version_ = *version;
    loadCrons(now);
  }
  if (options_.timers) engine_.fireTimers(now);
  for (Cron& cron : crons_) {
    if (!cron.next || *cron.next > now) continue;
    int64_t slot = *cron.next;
    int steps = 0;
    for (auto n = cron.schedule.nextAfter(slot); n && *n <= now && steps < kMaxSlotSteps;
         n = cron.schedule.nextAfter(slot), ++steps)
      slot = *n;
    if (steps > 0)
      say(
          fmt::format("{}: {} slots passed while the service was down; firing the latest, {}, "
                      "once",
                      cron.name, steps + 1, base::formatTime(slot)));
    auto fired = engine_.fireSchedule(cron.trigger, slot);
    if (auto* error = std::get_if<engine::EngineError>(&fired))
      say(fmt::format("{} at {}: {}", cron.name, base::formatTime(slot), error->message));
    cron.next = cron.schedule.nextAfter(slot);
  }
  std::optional<int64_t> next = options_.timers ? engine_.nextTimer() : std::nullopt;
  for (const Cron& cron : crons_) {
    if (cron.next && (!next || *cron.next < *next)) next = cron.next;
  }
  return next;
}

void Scheduler::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      const auto next = tick();
      lock.lock();
      int64_t wait = options_.poll_ms;
      if (next) wait = std::clamp<int64_t>(*next - engine_.clock().now(), 0, options_.poll_ms);
      wake_.wait_for(lock, std::chrono::milliseconds(wait), [&] { return stopping_; });
    }
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rflow::service
