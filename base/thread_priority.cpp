#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rflow::base {

std::string setOwnNice(int nice) {
  if (nice == 0) return {};
  const auto tid = static_cast<id_t>(::gettid());
  if (::setpriority(PRIO_PROCESS, tid, nice) == 0) return {};
  return std::strerror(errno);
}

}  // namespace rflow::base
