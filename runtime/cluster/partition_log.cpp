// The outcome descriptions and the entry id shared by every PartitionLog.
#include "cluster/partition_log.h"

#include <fmt/format.h>

namespace rflow::cluster {

std::string msgId(uint32_t partition, Epoch epoch, Seq seq) {
  return fmt::format("{}/{}/{}", partition, epoch, seq);
}

std::string AppendResult::describe() const {
  struct Describe {
    std::string operator()(const Appended& a) const {
      return fmt::format("appended at {}{}", a.seq, a.was_duplicate ? " (verified duplicate)" : "");
    }
    std::string operator()(const Fenced& f) const {
      return fmt::format("fenced at {} by epoch {}{}: {}", f.at_seq, f.by_epoch,
                         f.by_node.empty() ? "" : " (" + f.by_node + ")", f.what);
    }
    std::string operator()(const Unknown& u) const { return "outcome unknown: " + u.why; }
    std::string operator()(const Rejected& r) const { return "rejected: " + r.why; }
    std::string operator()(const Regressed& r) const {
      return fmt::format("log regressed: last {} below expected {}: {}", r.log_last,
                         r.expected_last, r.what);
    }
  };
  return std::visit(Describe{}, outcome_);
}

Result<Seq> PartitionLog::lastSeq() {
  auto b = bounds();
  if (!b.ok()) return b.status();
  return b.value().last;
}

}  // namespace rflow::cluster
