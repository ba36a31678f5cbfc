// Thread priority: the nice value of the calling thread, for the threads every request's
// latency runs through (the commit pipeline's committers). Linux gives each thread its
// own nice value (setpriority(2) on the thread id); a value below 0 needs CAP_SYS_NICE or
// an RLIMIT_NICE that allows it.
#pragma once

#include <string>

namespace rflow::base {

// Sets the calling thread's nice value (-20 to 19; 0 leaves it as it is). Returns "" or
// the system's reason it could not ("Permission denied"): the thread then runs at the
// priority it inherited. What an operator should do about it is the caller's to say.
std::string setOwnNice(int nice);

}  // namespace rflow::base
