// Business-time arithmetic (calendar/business_time.h), the text form (calendar.h) and zone
// names (zones.h): the cases intelligence.md §3 names — a Saturday evening due date, both
// clock changes in Europe/Berlin and America/New_York, closed dates, a due time exactly at
// closing time — and the bound on the walk.
#include "calendar/business_time.h"

#include <gtest/gtest.h>

#include "base/time_text.h"
#include "calendar/calendar.h"
#include "calendar/zones.h"

namespace rflow::calendar {
namespace {

constexpr int64_t kHour = base::kMillisPerHour;

int64_t at(std::string_view rfc3339) {
  auto t = base::parseTime(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.valueOr(0);
}

int64_t days(int y, int m, int d) {
  return base::daysFromCivil(y, m, d);
}

// calendar StoreHours { zone "Europe/Berlin"; open mon-fri 08:00-20:00; open sat 09:00-18:00;
// closed 2026-12-24, 2026-12-25, 2026-12-26 }
Calendar storeHours() {
  Calendar c{"StoreHours",
             "Europe/Berlin",
             {},
             {days(2026, 12, 24), days(2026, 12, 25), days(2026, 12, 26)}};
  for (int d = 1; d <= 5; ++d)
    c.open.push_back({d, 8 * 60, 20 * 60});
  c.open.push_back({6, 9 * 60, 18 * 60});
  return c;
}

Calendar always(std::string zone) {
  Calendar c{"Always", std::move(zone), {}, {}};
  for (int d = 1; d <= 7; ++d)
    c.open.push_back({d, 0, kMinutesPerDay});
  return c;
}

std::string added(int64_t from, int64_t duration, const Calendar& c) {
  auto r = businessAdd(from, duration, c);
  if (auto* e = std::get_if<std::string>(&r)) return "error: " + *e;
  return base::formatTime(std::get<int64_t>(r));
}

int64_t between(int64_t a, int64_t b, const Calendar& c) {
  auto r = businessBetween(a, b, c);
  EXPECT_TRUE(std::holds_alternative<int64_t>(r));
  return std::holds_alternative<int64_t>(r) ? std::get<int64_t>(r) : -1;
}

bool open(int64_t t, const Calendar& c) {
  auto r = isOpen(t, c);
  EXPECT_TRUE(std::holds_alternative<bool>(r));
  return std::holds_alternative<bool>(r) && std::get<bool>(r);
}

TEST(BusinessTime, SaturdayEveningPlusFourHoursIsMondayMorning) {
  // Saturday 2026-11-28 19:00 in Berlin (CET, +01:00): closed until Monday 08:00.
  EXPECT_EQ(added(at("2026-11-28T18:00:00Z"), 4 * kHour, storeHours()), "2026-11-30T11:00:00Z");
  // Saturday 15:00: three hours left on Saturday, one on Monday.
  EXPECT_EQ(added(at("2026-11-28T14:00:00Z"), 4 * kHour, storeHours()), "2026-11-30T08:00:00Z");
}

TEST(BusinessTime, DueExactlyAtClosingTimeIsClosingTime) {
  // Monday 16:00 + 4h is Monday 20:00, when the store closes, not Tuesday morning.
  EXPECT_EQ(added(at("2026-11-30T15:00:00Z"), 4 * kHour, storeHours()), "2026-11-30T19:00:00Z");
  EXPECT_TRUE(open(at("2026-11-30T18:59:59.999Z"), storeHours()));
  EXPECT_FALSE(open(at("2026-11-30T19:00:00Z"), storeHours()));
  EXPECT_TRUE(open(at("2026-11-30T07:00:00Z"), storeHours()));   // opening instant
  EXPECT_FALSE(open(at("2026-11-29T12:00:00Z"), storeHours()));  // Sunday
  // One millisecond more goes to Tuesday.
  EXPECT_EQ(added(at("2026-11-30T15:00:00Z"), 4 * kHour + 1, storeHours()),
            "2026-12-01T07:00:00.001Z");
}

TEST(BusinessTime, ClosedDatesWin) {
  // Wednesday 2026-12-23 19:00: one hour that day; Thu 24, Fri 25, Sat 26 closed, Sunday
  // not open: the second hour is Monday 28 08:00-09:00.
  EXPECT_EQ(added(at("2026-12-23T18:00:00Z"), 2 * kHour, storeHours()), "2026-12-28T08:00:00Z");
  EXPECT_FALSE(open(at("2026-12-24T10:00:00Z"), storeHours()));
  EXPECT_EQ(between(at("2026-12-23T00:00:00Z"), at("2026-12-29T00:00:00Z"), storeHours()),
            12 * kHour + 12 * kHour);  // Wednesday and Monday
}

TEST(BusinessTime, SlaInDaysIsTwentyFourHoursOfOpenTimeEach) {
  // 2d = 48h of open time: four 12-hour weekdays, Monday 08:00 to Thursday 20:00.
  EXPECT_EQ(added(at("2026-11-30T07:00:00Z"), 48 * kHour, storeHours()), "2026-12-03T19:00:00Z");
}

TEST(BusinessTime, BerlinSpringAndAutumnClockChanges) {
  const Calendar c = always("Europe/Berlin");
  // 2026-03-29: 02:00 CET becomes 03:00 CEST; the local day has 23 hours.
  EXPECT_EQ(between(at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z"), c), 23 * kHour);
  // 2026-10-25: 03:00 CEST becomes 02:00 CET; 25 hours.
  EXPECT_EQ(between(at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z"), c), 25 * kHour);

  // A store open 01:00-04:00 on Sundays: 2 hours on the spring day, 4 in autumn.
  Calendar night{"Night", "Europe/Berlin", {{7, 60, 240}}, {}};
  EXPECT_EQ(between(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"), night), 2 * kHour);
  EXPECT_EQ(between(at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z"), night), 4 * kHour);

  // Saturday 2026-03-28 17:00 CET + 3h: 1h on Saturday, 2h on Monday 08:00-10:00 CEST (08:00Z).
  EXPECT_EQ(added(at("2026-03-28T16:00:00Z"), 3 * kHour, storeHours()), "2026-03-30T08:00:00Z");
  // Saturday 2026-10-24 17:00 CEST + 3h: Monday 10:00 CET (09:00Z).
  EXPECT_EQ(added(at("2026-10-24T15:00:00Z"), 3 * kHour, storeHours()), "2026-10-26T09:00:00Z");
}

TEST(BusinessTime, NewYorkSpringAndAutumnClockChanges) {
  Calendar office{"HeadOffice", "America/New_York", {}, {}};
  for (int d = 1; d <= 7; ++d)
    office.open.push_back({d, 0, 12 * 60});  // 00:00-12:00 daily
  // 2026-03-08: 02:00 EST becomes 03:00 EDT; 00:00-12:00 that day is 11 hours.
  EXPECT_EQ(between(at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z"), office), 11 * kHour);
  // 2026-11-01: 02:00 EDT becomes 01:00 EST; 13 hours.
  EXPECT_EQ(between(at("2026-11-01T04:00:00Z"), at("2026-11-02T05:00:00Z"), office), 13 * kHour);
  // Saturday 2026-03-07 11:00 EST + 3h: 1h Saturday, 2h Sunday from 00:00 EST (05:00Z) to
  // 03:00 EDT (07:00Z): the clock skips 02:00-03:00.
  EXPECT_EQ(added(at("2026-03-07T16:00:00Z"), 3 * kHour, office), "2026-03-08T07:00:00Z");
  EXPECT_TRUE(open(at("2026-03-08T06:30:00Z"), office));   // 01:30 EST
  EXPECT_FALSE(open(at("2026-03-08T17:00:00Z"), office));  // 13:00 EDT
}

TEST(BusinessTime, UtcWithoutZone) {
  Calendar c{"Plain", "", {{1, 9 * 60, 17 * 60}}, {}};  // Mondays 09:00-17:00 UTC
  EXPECT_EQ(added(at("2026-11-30T16:00:00Z"), 2 * kHour, c), "2026-12-07T10:00:00Z");
  EXPECT_TRUE(open(at("2026-11-30T09:00:00Z"), c));
}

TEST(BusinessTime, BetweenIsNegativeBackwardsAndAddOfZeroIsTheStart) {
  const int64_t a = at("2026-11-30T07:00:00Z"), b = at("2026-11-30T09:30:00Z");
  EXPECT_EQ(between(a, b, storeHours()), 2 * kHour + 30 * base::kMillisPerMinute);
  EXPECT_EQ(between(b, a, storeHours()), -(2 * kHour + 30 * base::kMillisPerMinute));
  EXPECT_EQ(added(at("2026-11-29T12:00:00Z"), 0, storeHours()), "2026-11-29T12:00:00Z");
  EXPECT_EQ(added(a, -1, storeHours()).rfind("error: the duration -1ms", 0), 0u);
}

TEST(BusinessTime, OpenTimeClosedForDecadesIsAnErrorNotAHang) {
  // Open on Mondays only, and every Monday of 25 years is closed.
  Calendar c{"Never", "Europe/Berlin", {{1, 8 * 60, 9 * 60}}, {}};
  for (int64_t d = days(2026, 11, 30); d < days(2051, 12, 1); d += 7)
    c.closed.push_back(d);
  EXPECT_EQ(added(at("2026-11-29T00:00:00Z"), kHour, c),
            "error: `Never` does not have 1h of open time within 20 years after "
            "2026-11-29T00:00:00Z");
  EXPECT_FALSE(std::holds_alternative<int64_t>(
      businessBetween(at("2000-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"), c)));
}

TEST(BusinessTime, UnknownZoneAtRunTimeIsAnError) {
  auto r = isOpen(0, always("Mars/Olympus_Mons"));
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("Mars/Olympus_Mons"), std::string::npos);
}

TEST(CalendarText, RoundTripsAndRejectsCorruptText) {
  const Calendar c = storeHours();
  const std::string text = encode(c);
  EXPECT_EQ(text,
            "StoreHours;Europe/Berlin;1 08:00-20:00,2 08:00-20:00,3 08:00-20:00,4 08:00-20:00,"
            "5 08:00-20:00,6 09:00-18:00;2026-12-24,2026-12-25,2026-12-26");
  EXPECT_EQ(decode(text), c);
  EXPECT_EQ(decode("X;;7 00:00-24:00;"), (Calendar{"X", "", {{7, 0, kMinutesPerDay}}, {}}));
  for (std::string_view bad :
       {"", "X;;;", "X;;8 08:00-20:00;", "X;;1 20:00-08:00;", "X;;1 08:00-20:00,1 19:00-21:00;",
        "X;;2 08:00-20:00,1 08:00-20:00;", "X;;1 08:00-24:01;", "X;;1 08:00-20:00;2026-02-30",
        "X;;1 08:00-20:00;2026-12-25,2026-12-24", "X;;1 08:00-20:00", ";;1 08:00-20:00;"})
    EXPECT_FALSE(decode(bad).has_value()) << bad;
}

TEST(Zones, KnownZonesAndTheClosestToAnUnknownOne) {
  EXPECT_TRUE(zoneKnown("Europe/Berlin"));
  EXPECT_TRUE(zoneKnown("America/New_York"));
  EXPECT_TRUE(zoneKnown("UTC"));
  EXPECT_FALSE(zoneKnown("Europe/Berln"));
  EXPECT_EQ(closestZone("Europe/Berln"), "Europe/Berlin");
  EXPECT_EQ(closestZone("america/new york"), "America/New_York");
}

}  // namespace
}  // namespace rflow::calendar
