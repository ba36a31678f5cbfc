// Every key the engine writes, by column (store.h lists the columns). PERSISTED: a key's
// layout never changes meaning; a new kind of key gets a new prefix. Text parts are
// joined by '\0' (ids and names never contain it); numbers are big-endian fixed width,
// so keys sort like the numbers.
//
//   kInstances  in-0000000042                                 instance record
//               (an engine running partition 7: in-0000000042-p07, partition.h)
//   kKeys       workflow \0 business key                      live instance id
//   kTimers     due (be64, offset) seq (be64) instance         timer record
//   kTasks      tk-0000000042                                 task record
//   kTaskIndex  "r" role \0 task / "u" user \0 task            "" (open tasks)
//   kAudit      instance \0 first seq (be64)                  one step's entries (audit.h)
//   kCalls      instance \0 request (be64)                    pending connector call
//   kSignals    instance \0 sequence (be64)                   queued signal
//   kInbox      instance \0 request (be64)                    a child's result
//   kMetrics    (see metrics.h)
//   kMeta       "current"                                     deployed version
//               "deployment-seq"                              the global deployment log's
//                                                            entry applied last (be64)
//               "begin" \0 instance                           created, first step not run
//               "start" \0 request id                         the instance it started
//               "signal" \0 instance \0 request id            the signal it delivered
//               "signal-by-key" \0 workflow \0 key \0 request  the instance it reached
//               "decision" \0 task \0 request id              what the decision did
//               "schedule" \0 workflow \0 cron text           last slot fired (be64)
//               "stage-open" \0 instance \0 request (be64)    an open approval's, task's or
//                                                            child's stage name: written
//                                                            before the wait kept it
//                                                            (Wait::stage), and now only
//                                                            for an empty name
//               "stage-since" \0 workflow \0 stage \0 since (be64, offset) \0 instance
//                 \0 request (be64)                          open stage entry: created (be64,
//                                                            offset), SLA due (be64, offset;
//                                                            absent: none)
//               "stage-entry" \0 instance \0 stage           last entry into it (be64, offset)
//               "effect" \0 instance \0 request (be64)          a call's or classification's
//                                                            result (effect_results.h)
//               "refused-start" \0 instance                  why an outbox start with this
//                                                            id was not begun (outbox.h)
//   kMetrics    "stage-max" \0 workflow \0 stage \0 ~ms (be64) a longest time in stage so far
//               (the complement sorts the longest first; the rest is metrics.h's)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace rflow::engine::keys {

std::string instanceId(uint64_t n);  // "in-0000000042"
std::string taskId(uint64_t n);      // "tk-0000000042"
// The ids of an engine that runs a partition (partition.h): "in-0000000042-p07"; without
// one, the single-node ids above, unchanged.
std::string instanceId(uint64_t n, std::optional<uint32_t> partition);
std::string taskId(uint64_t n, std::optional<uint32_t> partition);
// The number of an instance or task id (either form); nullopt for anything else.
std::optional<uint64_t> idNumber(std::string_view id);

std::string business(std::string_view workflow, std::string_view key);

std::string timer(int64_t due, uint64_t seq, std::string_view instance);
std::optional<int64_t> timerDue(std::string_view key);
std::optional<uint64_t> timerSeq(std::string_view key);

// Keys of one instance in kAudit, kCalls, kSignals and kInbox.
std::string perInstance(std::string_view instance, uint64_t n);
std::string perInstancePrefix(std::string_view instance);
// The instance and number of a perInstance key.
std::string_view instanceOf(std::string_view per_instance_key);
std::optional<uint64_t> numberOf(std::string_view per_instance_key);

std::string roleIndex(std::string_view role, std::string_view task);
std::string userIndex(std::string_view user, std::string_view task);

inline constexpr std::string_view kCurrentVersion = "current";
inline constexpr std::string_view kDeploymentSeq = "deployment-seq";
std::string beginMarker(std::string_view instance);
inline constexpr std::string_view kBeginMarkerPrefix{"begin\0", 6};
std::string startRequest(std::string_view request);
std::string signalRequest(std::string_view instance, std::string_view request);
std::string keySignalRequest(std::string_view workflow, std::string_view key,
                             std::string_view request);
std::string decisionRequest(std::string_view task, std::string_view request);
std::string schedule(std::string_view workflow, std::string_view cron);

// Stage bookkeeping (stages.h). Times are offset like timer keys, so they sort.
std::string stageOpen(std::string_view instance, uint64_t request);
std::string stageSincePrefix(std::string_view workflow, std::string_view stage = {});
std::string stageSince(std::string_view workflow, std::string_view stage, int64_t since,
                       std::string_view instance, uint64_t request);
std::string stageEntryPrefix(std::string_view instance);
std::string stageEntry(std::string_view instance, std::string_view stage);
std::string stageMaxPrefix(std::string_view workflow, std::string_view stage);
std::string stageMax(std::string_view workflow, std::string_view stage, int64_t ms);
void appendTime(std::string& out, int64_t ms);
std::optional<int64_t> readTime(std::string_view bytes);

}  // namespace rflow::engine::keys
