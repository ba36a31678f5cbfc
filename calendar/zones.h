// The IANA time zones the system's tzdata knows (through Howard Hinnant's date/tz), for the
// checker: whether a calendar's `zone` exists, and which known zone is closest to one that
// does not. Never throws: a missing or unreadable tzdata makes every zone unknown except
// "UTC", which rflow computes without the database.
#pragma once

#include <string>
#include <string_view>

namespace rflow::calendar {

bool zoneKnown(std::string_view name);

// The known zone name closest to `name` by edit distance (case-insensitive), for "did you
// mean"; "UTC" when the database has none.
std::string closestZone(std::string_view name);

}  // namespace rflow::calendar
