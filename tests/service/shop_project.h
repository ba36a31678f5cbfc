// The shop project that the service tests and the HTTP fuzz target serve: an approval
// with a self-approval policy and a signal (Purchase), a task with a form (Count), an
// approval assigned to a user (Review) and an event trigger. The service tests add a
// workflow started every minute by a schedule trigger; the fuzz target leaves it out,
// as it would start instances at moments no run controls.
#pragma once

namespace rflow::service::testing {

inline constexpr const char* kShopModule = R"(module shop

record Order { id: string, total: money }

role Buyer "Buyer"
role Clerk "Clerk"

signal Paid { reference: string }

policy no_self on approval(a) {
  require a.decided_by != a.requested_by else "no approving your own order"
}

workflow Purchase(o: Order, by: User) -> string {
  owner "purchasing"
  key o.id
  let ok = approval "Pay {o.id}" {
    assign Buyer
    requested_by by
    amount o.total
    due 2d
  }
  if not ok.approved {
    return "declined"
  }
  let paid = await Paid timeout 1h
  return paid?.reference ?? "unpaid"
}

workflow Count(aisle: int) -> int {
  owner "ops"
  let counted = task "Count aisle {aisle}" {
    assign Clerk
    form { units: int, remarks: string? }
  }
  return counted.units
}

workflow Review(who: User) -> bool {
  owner "ops"
  let r = approval "Review the planogram" {
    assign who
  }
  return r.approved
}

on event OrderPlaced(o: Order, by: User) start Purchase(o, by)
)";

inline constexpr const char* kShopSchedule = R"(
workflow Tick() {
  owner "ops"
  note "tick"
}

on schedule "* * * * *" start Tick()
)";

}  // namespace rflow::service::testing
