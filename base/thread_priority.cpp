#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rflow::base {

std::string setOwnNice(int nice, std::string_view thread) {
  if (nice == 0) return {};
  const auto tid = static_cast<id_t>(::gettid());
  if (::setpriority(PRIO_PROCESS, tid, nice) == 0) return {};
  const int error = errno;
  const std::string value = std::to_string(nice);
  return std::string(thread) + " could not raise its priority to nice " + value + " (" +
         std::strerror(error) +
         "): it works as before, but on a busy machine it waits longer for a core, and every "
         "request waits with it. Give the service CAP_SYS_NICE (systemd: "
         "AmbientCapabilities=CAP_SYS_NICE) or a nice limit (LimitNICE=" +
         value +
         "), or set [engine] commit_nice = 0 in rflow.toml to run it at normal priority "
         "without this warning";
}

}  // namespace rflow::base
