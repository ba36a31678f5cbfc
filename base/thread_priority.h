// Thread priority: the nice value of the calling thread, for the few threads every
// request's latency runs through (the commit pipeline's committers, the HTTP server's
// reply sender). Linux gives each thread its own nice value (setpriority(2) on the
// thread id); a value below 0 needs CAP_SYS_NICE or an RLIMIT_NICE that allows it.
#pragma once

#include <string>
#include <string_view>

namespace rflow::base {

// Sets the calling thread's nice value (-20 to 19; 0 leaves it as it is). Returns "" or
// why it could not, naming `thread` ("the commit thread") and what an operator can do:
// the thread then runs at the priority it inherited.
std::string setOwnNice(int nice, std::string_view thread);

}  // namespace rflow::base
