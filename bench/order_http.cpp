#include "order_http.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "base/decimal.h"
#include "order_process.h"

namespace rflow::bench {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

httplib::Result post(httplib::Client& client, const std::string& path,
                     const httplib::Headers& headers, const std::string& body, OrderTimes& times,
                     int patience_503) {
  auto res = client.Post(path, headers, body, "application/json");
  if (!res) {
    ++times.retried;
    res = client.Post(path, headers, body, "application/json");
  }
  // 503 (no owner known yet, or one that just let go) and 421 (a forward that reached a
  // node that no longer owns the partition) both mean nothing was done: send it again,
  // as a client would, while a partition moves (a handover takes a control pass or two).
  for (int tries = 0; res && (res->status == 503 || res->status == 421) && tries < patience_503;
       ++tries) {
    ++times.retried;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    res = client.Post(path, headers, body, "application/json");
  }
  return res;
}

double millisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string describe(const httplib::Result& res) {
  return res ? fmt::format("HTTP {}: {}", res->status, res->body.substr(0, 120))
             : "no answer: " + httplib::to_string(res.error());
}

}  // namespace

std::optional<json> orderOverHttp(httplib::Client& client, const httplib::Headers& auth, uint64_t i,
                                  OrderTimes& times, std::string* why, int patience_503) {
  httplib::Headers headers = auth;
  headers.emplace("Idempotency-Key", "O" + std::to_string(i));
  auto begin = Clock::now();
  auto res = post(client, "/v1/workflows/PlaceOrder/instances", headers, orderInput(i).dump(),
                  times, patience_503);
  times.start_ms.push_back(millisSince(begin));
  if (!res || res->status != 201) {
    *why = "start: " + describe(res);
    return std::nullopt;
  }
  ++times.steps;
  json instance = json::parse(res->body, nullptr, false);
  if (instance.value("status", "") != "Waiting") return instance;
  const std::string task = instance["waiting_for"][0].value("task", "");
  begin = Clock::now();
  res = post(client, "/v1/tasks/" + task + "/decision", auth, R"({"approve": true})", times,
             patience_503);
  times.decide_ms.push_back(millisSince(begin));
  if (res && res->status == 200) {
    ++times.steps;
    json decided = json::parse(res->body, nullptr, false);  // the task and its instance
    if (decided.is_object() && decided.contains("instance")) return decided["instance"];
  }
  if (!res || res->status != 409) {
    *why = "decision: " + describe(res);
    return std::nullopt;
  }
  // Sent again after a lost answer: the first decision was taken; read the instance.
  res = client.Get("/v1/instances/" + instance.value("id", ""), auth);
  if (!res || res->status != 200) {
    *why = "read after 409: " + describe(res);
    return std::nullopt;
  }
  ++times.steps;  // the decision whose answer was lost
  return json::parse(res->body, nullptr, false);
}

bool orderResultOk(uint64_t i, const std::optional<json>& done) {
  if (!done || done->value("status", "") != "Completed") return false;
  const OrderExpected want = orderExpected(i);
  const json& result = (*done)["result"];
  const auto got = base::Decimal::parse(result.value("amount", ""));
  const auto expected = base::Decimal::parse(want.amount);
  return got && expected && *got == *expected &&
         result.value("path", "") == (want.approval ? "approved" : "auto");
}

}  // namespace rflow::bench
