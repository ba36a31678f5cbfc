#include "order_http.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "base/decimal.h"
#include "order_process.h"

namespace rflow::bench {

namespace {

using Clock = std::chrono::steady_clock;

HttpAnswer post(HttpClient& client, const std::string& path, const HttpHeaders& headers,
                const std::string& body, OrderTimes& times, int patience_503) {
  auto res = client.post(path, headers, body);
  if (!res) {
    ++times.retried;
    res = client.post(path, headers, body);
  }
  // 503 (no owner known yet, or one that just let go) and 421 (a forward that reached a
  // node that no longer owns the partition) both mean nothing was done: send it again,
  // as a client would, while a partition moves (a handover takes a control pass or two).
  for (int tries = 0; res && (res.status == 503 || res.status == 421) && tries < patience_503;
       ++tries) {
    ++times.retried;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    res = client.post(path, headers, body);
  }
  return res;
}

double millisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string describe(const HttpAnswer& res) {
  return res ? fmt::format("HTTP {}: {}", res.status, res.body.substr(0, 120))
             : "no answer: " + res.error;
}

}  // namespace

std::optional<OrderReply> orderOverHttp(HttpClient& client, const HttpHeaders& auth, uint64_t i,
                                        OrderTimes& times, std::string* why, int patience_503) {
  HttpHeaders headers = auth;
  headers.emplace_back("Idempotency-Key", "O" + std::to_string(i));
  auto begin = Clock::now();
  auto res = post(client, "/v1/workflows/PlaceOrder/instances", headers, orderInputText(i), times,
                  patience_503);
  times.start_ms.push_back(millisSince(begin));
  if (!res || res.status != 201) {
    *why = "start: " + describe(res);
    return std::nullopt;
  }
  ++times.steps;
  std::optional<OrderReply> instance = readOrderReply(res.body);
  if (!instance) {
    *why = "start: not an instance: " + describe(res);
    return std::nullopt;
  }
  if (instance->status != "Waiting") return instance;
  const std::string& task = instance->task;
  begin = Clock::now();
  res = post(client, "/v1/tasks/" + task + "/decision", auth, R"({"approve": true})", times,
             patience_503);
  times.decide_ms.push_back(millisSince(begin));
  if (res && res.status == 200) {
    ++times.steps;
    // The task and its instance.
    std::optional<OrderReply> decided = readOrderReply(res.body, "instance");
    if (decided && !decided->id.empty()) return decided;
  }
  if (!res || res.status != 409) {
    *why = "decision: " + describe(res);
    return std::nullopt;
  }
  // Sent again after a lost answer: the first decision was taken; read the instance.
  res = client.get("/v1/instances/" + instance->id, auth);
  if (!res || res.status != 200) {
    *why = "read after 409: " + describe(res);
    return std::nullopt;
  }
  ++times.steps;  // the decision whose answer was lost
  return readOrderReply(res.body);
}

bool orderResultOk(uint64_t i, const std::optional<OrderReply>& done) {
  if (!done || done->status != "Completed") return false;
  const OrderExpected want = orderExpected(i);
  const auto got = base::Decimal::parse(done->amount);
  const auto expected = base::Decimal::parse(want.amount);
  return got && expected && *got == *expected &&
         done->path == (want.approval ? "approved" : "auto");
}

}  // namespace rflow::bench
