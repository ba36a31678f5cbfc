// The owner's protocol over a PartitionLog (log_writer.h).
#include "cluster/log_writer.h"

namespace rflow::cluster {

AppendResult LogWriter::claim(const std::string& node) {
  if (stop_) return *stop_;
  if (pending_) {
    return Rejected{"an earlier append's outcome is unknown: repeat it (retryPending) first"};
  }
  const Epoch next = epoch_ + 1;
  return settle(log_.claim(Claim{next, node}, tail_), Pending{true, node, {}}, next);
}

AppendResult LogWriter::append(std::span<const std::string_view> records) {
  if (stop_) return *stop_;
  if (pending_) {
    return Rejected{"an earlier append's outcome is unknown: repeat it (retryPending) first"};
  }
  AppendResult result = log_.append(records, tail_, epoch_);
  Pending what;
  // The records are copied only when they must be repeated.
  if (result.unknown()) what.records.assign(records.begin(), records.end());
  return settle(std::move(result), std::move(what), epoch_);
}

AppendResult LogWriter::retryPending() {
  if (stop_) return *stop_;
  if (!pending_) return Rejected{"no append is pending"};
  Pending what = std::move(*pending_);
  pending_.reset();
  if (what.is_claim) {
    const Epoch next = epoch_ + 1;
    return settle(log_.claim(Claim{next, what.node}, tail_), std::move(what), next);
  }
  std::vector<std::string_view> views(what.records.begin(), what.records.end());
  AppendResult result = log_.append(views, tail_, epoch_);
  return settle(std::move(result), std::move(what), epoch_);
}

AppendResult LogWriter::settle(AppendResult result, Pending what, Epoch epoch) {
  if (const Appended* a = result.appended()) {
    tail_ = a->seq;
    epoch_ = epoch;
  } else if (result.unknown()) {
    pending_ = std::move(what);
  } else if (result.fenced() || result.regressed()) {
    stop_ = result;
  }
  return result;
}

}  // namespace rflow::cluster
