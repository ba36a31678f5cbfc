// `rflow audit verify`: recomputes the seal of every audit entry of every instance in a
// data directory (the chain is described in audit.h) and names, per
// instance, the first entry that is not what was written: altered, missing, added, out
// of place, or a tail cut off. Reads only; needs no module and no running engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"

namespace rflow::engine {

// What `rflow audit verify` found: the first problem of each instance whose trail is not
// whole (an entry altered, missing, added or out of place).
struct AuditProblem {
  std::string instance;
  std::string message;
};
struct AuditCheck {
  uint64_t instances = 0;
  uint64_t entries = 0;
  uint64_t unsealed = 0;  // entries written before trails were sealed (not verifiable)
  std::vector<AuditProblem> problems;
};

AuditCheck verifyAudit(const store::Store& store);

}  // namespace rflow::engine
