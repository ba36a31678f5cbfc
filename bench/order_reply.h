// The members of an instance reply the order steps read (order_http.h): its id and
// status, the task of its first wait, and its result's amount and path. A single pass
// over the text keeps only those, without a document: the load generator shares the two
// cores with the service it measures, and a parse of every reply (the order's arguments
// echoed, the task, the waits) cost it more than the service spent writing them.
//
// The text must be well-formed JSON (RFC 8259: strings without raw control characters,
// numbers in JSON's grammar, nothing after the value), nested at most kMaxDepth deep;
// anything else reads as nullopt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rflow::bench {

struct OrderReply {
  std::string id;
  std::string status;
  std::string task;    // the first wait's task, "" when it waits for none
  std::string amount;  // result.amount, "" without a result
  std::string path;    // result.path

  // "i-… Completed 1234.56 approved": for a report of a mismatch.
  std::string text() const { return id + " " + status + " " + amount + " " + path; }
};

inline constexpr int kMaxReplyDepth = 64;

// An instance reply (a start's, GET /v1/instances/{id}) with `under` empty, or a
// decision's ({"task": …, "instance": …}) with `under` = "instance": the instance's
// members then. Members of the instance that are absent read as "".
std::optional<OrderReply> readOrderReply(std::string_view body, std::string_view under = {});

}  // namespace rflow::bench
