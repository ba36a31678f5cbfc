// Internal to the front door's gathering (partition_router.cpp, partition_insights.cpp,
// partition_migrations.cpp): the small pieces of a reply they all build or read.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "service/router.h"

namespace rflow::service {

// `reply` with `route` for the request log, unless a route already answered it.
inline HttpReply routed(HttpReply reply, std::string_view route) {
  if (reply.route.empty()) reply.route = route;
  return reply;
}

// The message of an error reply ({"error": {"message"}}), or the start of its body.
inline std::string messageOf(const HttpReply& reply) {
  const nlohmann::json body =
      nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      body["error"].contains("message") && body["error"]["message"].is_string())
    return body["error"]["message"];
  return reply.body.substr(0, 200);
}

// A 200 with `doc` as its JSON body.
inline HttpReply jsonAnswer(const nlohmann::json& doc, std::string_view route) {
  HttpReply reply;
  reply.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  reply.route = route;
  return reply;
}

}  // namespace rflow::service
