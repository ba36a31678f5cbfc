// mergeMetricsText: one node's `/metrics` in a cluster, from the Prometheus text (format
// 0.0.4) each partition it owns renders as a single node would (Service::metricsText).
//
// Every sample gets a `partition="p"` label (first among its labels), and each metric
// family is written once: its `# HELP` and `# TYPE` lines, then the samples of every
// partition in the order given. The text format requires a family's lines to be
// together and its header to appear once, so concatenating the partitions' texts would
// not be valid. Families are written in the order they are first seen.
//
// Why a label and not sums: a partition's counters live in its store and move with it
// (a failover or handover), so the series `{partition="3"}` carries on, on whichever node
// now owns it; `sum by (partition)` (or `sum without (instance)`) across the nodes a
// scraper reads gives the cluster's figures. A sum per node would jump whenever a
// partition changed hands.
//
// Invariants: the input is what metricsText renders (one sample per line, metric names
// without `{` or spaces); lines that are neither a header nor a sample (blank ones) are
// dropped. A family's TYPE and HELP are the first partition's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace rflow::service {

struct PartitionMetrics {
  uint32_t partition = 0;
  std::string text;  // that partition's Service::metricsText()
};

std::string mergeMetricsText(std::span<const PartitionMetrics> parts);

}  // namespace rflow::service
