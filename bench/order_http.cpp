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

// The fields of an instance reply (or of a decision's, under "instance") the order steps
// read: id, status, each wait's task, and the result's amount and path. A SAX pass keeps
// only those: the client shares the cores with the server it measures, and a whole
// document (the order's arguments echoed, the task, the waits) costs it more than the
// server's reply costs to write. The same shape json::parse would give, less the rest;
// discarded (is_discarded()) when the body is not JSON.
class OrderFields : public nlohmann::json_sax<json> {
 public:
  json out = json::object();

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& value) override {
    const size_t n = path_.size();
    const size_t base = n > 0 && path_[0] == "instance" ? 1 : 0;
    json* into = base == 1 ? &out["instance"] : &out;
    const auto at = [&](size_t i) -> const std::string& { return path_[base + i]; };
    const size_t depth = n - base;
    if (depth == 1 && (at(0) == "id" || at(0) == "status")) {
      (*into)[at(0)] = std::move(value);
    } else if (depth == 2 && at(0) == "result" && (at(1) == "amount" || at(1) == "path")) {
      (*into)["result"][at(1)] = std::move(value);
    } else if (depth == 3 && at(0) == "waiting_for" && at(2) == "task") {
      (*into)["waiting_for"].push_back(json{{"task", std::move(value)}});
    }
    return true;
  }
  bool start_object(std::size_t) override {
    path_.emplace_back();  // replaced by each key
    return true;
  }
  bool key(string_t& value) override {
    path_.back() = std::move(value);
    return true;
  }
  bool end_object() override {
    path_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    path_.emplace_back();
    return true;
  }
  bool end_array() override {
    path_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    out = json(json::value_t::discarded);
    return false;
  }

 private:
  // One slot per open object or array, outermost first: an object's current key, "" for
  // an array. {"result": {"amount": …}} reads as ["result", "amount"] at the amount.
  std::vector<std::string> path_;
};

json orderFields(std::string_view body) {
  OrderFields fields;
  json::sax_parse(body, &fields, json::input_format_t::json, false);
  return std::move(fields.out);
}

double millisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string describe(const HttpAnswer& res) {
  return res ? fmt::format("HTTP {}: {}", res.status, res.body.substr(0, 120))
             : "no answer: " + res.error;
}

}  // namespace

std::optional<json> orderOverHttp(HttpClient& client, const HttpHeaders& auth, uint64_t i,
                                  OrderTimes& times, std::string* why, int patience_503) {
  HttpHeaders headers = auth;
  headers.emplace_back("Idempotency-Key", "O" + std::to_string(i));
  auto begin = Clock::now();
  auto res = post(client, "/v1/workflows/PlaceOrder/instances", headers, orderInput(i).dump(),
                  times, patience_503);
  times.start_ms.push_back(millisSince(begin));
  if (!res || res.status != 201) {
    *why = "start: " + describe(res);
    return std::nullopt;
  }
  ++times.steps;
  json instance = orderFields(res.body);
  if (instance.value("status", "") != "Waiting") return instance;
  const std::string task = instance["waiting_for"][0].value("task", "");
  begin = Clock::now();
  res = post(client, "/v1/tasks/" + task + "/decision", auth, R"({"approve": true})", times,
             patience_503);
  times.decide_ms.push_back(millisSince(begin));
  if (res && res.status == 200) {
    ++times.steps;
    json decided = orderFields(res.body);  // the task and its instance
    if (decided.is_object() && decided.contains("instance")) return decided["instance"];
  }
  if (!res || res.status != 409) {
    *why = "decision: " + describe(res);
    return std::nullopt;
  }
  // Sent again after a lost answer: the first decision was taken; read the instance.
  res = client.get("/v1/instances/" + instance.value("id", ""), auth);
  if (!res || res.status != 200) {
    *why = "read after 409: " + describe(res);
    return std::nullopt;
  }
  ++times.steps;  // the decision whose answer was lost
  return orderFields(res.body);
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
