// GET /v1/cluster/partitions/{p}/digest: this partition's replicated state as
// `rflow cluster verify` compares it (replay/state_digest.h; docs/cluster.md "Verifying
// a cluster"). Read at one point of the store, so the applied log position and the keys
// agree; nothing is written. And POST /v1/cluster/partitions/{p}/inbound, where another
// partition's outbox relay delivers a message (engine/outbox.h).
#include <fmt/format.h>

#include <charconv>

#include "replay/state_digest.h"
#include "service/service.h"

namespace rflow::service {

namespace {

std::optional<ApiError> notThisPartition(std::string_view partition, uint32_t mine) {
  uint32_t p = 0;
  const auto [end, ec] = std::from_chars(partition.data(), partition.data() + partition.size(), p);
  if (ec != std::errc() || end != partition.data() + partition.size() || p != mine)
    return ApiError{ApiError::Code::kNotFound,
                    fmt::format("this service holds partition {}, not `{}`", mine, partition)};
  return std::nullopt;
}

}  // namespace

Outcome Service::inbound(std::string_view partition, std::string_view message) {
  if (auto other = notThisPartition(partition, partition_)) return *other;
  auto applied = engine_.applyInbound(message);
  if (!applied) {
    const engine::EngineError& e = applied.error();
    return ApiError{e.code == engine::EngineError::Code::kStorage ? ApiError::Code::kUnavailable
                                                                  : ApiError::Code::kBadRequest,
                    e.message};
  }
  return nlohmann::json{{"partition", partition_}, {"applied", *applied}};
}

Outcome Service::partitionState(std::string_view partition,
                                const std::optional<std::string>& column, const Page& page) const {
  uint32_t p = 0;
  const auto [end, ec] = std::from_chars(partition.data(), partition.data() + partition.size(), p);
  if (ec != std::errc() || end != partition.data() + partition.size() || p != partition_)
    return ApiError{
        ApiError::Code::kNotFound,
        fmt::format("this service holds partition {}, not `{}`", partition_, partition)};
  const store::Store& store = engine_.store();
  if (!column) {
    auto digest = replay::digestState(store);
    if (!digest.ok()) return ApiError{ApiError::Code::kUnavailable, digest.status().message()};
    nlohmann::json answer = replay::digestJson(digest.value());
    answer["partition"] = p;
    return answer;
  }
  const auto named = replay::columnNamed(*column);
  if (!named)
    return ApiError{ApiError::Code::kBadRequest,
                    fmt::format("`column`: no replicated column family is called `{}`", *column)};
  std::optional<std::string> after;
  if (!page.after.empty()) {
    after = replay::fromHex(page.after);
    if (!after)
      return ApiError{ApiError::Code::kBadRequest,
                      "`after`: expected a key in lower-case hex, as a page's entries give it"};
  }
  auto read = replay::readStatePage(store, *named, after, page.limit);
  if (!read.ok()) return ApiError{ApiError::Code::kUnavailable, read.status().message()};
  nlohmann::json answer = replay::pageJson(read.value());
  answer["partition"] = p;
  return answer;
}

}  // namespace rflow::service
