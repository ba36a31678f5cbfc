// Zone names from the system's tzdata (zones.h).
#include "calendar/zones.h"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <limits>

#include "base/suggest.h"

namespace rflow::calendar {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool zoneKnown(std::string_view name) {
  if (name == "UTC") return true;
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::string closestZone(std::string_view name) {
  std::string best = "UTC";
  size_t best_distance = std::numeric_limits<size_t>::max();
  const std::string wanted = lower(name);
  const auto consider = [&](const std::string& candidate) {
    size_t d = base::editDistance(wanted, lower(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  try {
    const date::tzdb& db = date::get_tzdb();
    // With the system tzdata (USE_OS_TZDB) links such as US/Eastern are zones too.
    for (const date::time_zone& z : db.zones)
      consider(std::string(z.name()));
  } catch (const std::exception&) {
    // No readable tzdata: only UTC is known.
  }
  return best;
}

}  // namespace rflow::calendar
