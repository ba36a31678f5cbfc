// ApiClient: the simulator's side of rflow's public HTTP API (runtime.md §7), one
// keep-alive connection, a bearer token per request. Answers are {status, JSON}; a
// status of 0 means the service did not answer.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace rflow::simulator {

struct Answer {
  int status = 0;
  nlohmann::json body;
  bool ok() const { return status >= 200 && status < 300; }
  std::string message() const {
    if (body.is_object() && body.contains("error")) return body["error"].value("message", "");
    return status == 0 ? "no answer from the service" : "HTTP " + std::to_string(status);
  }
};

class ApiClient {
 public:
  ApiClient(const std::string& host, int port) : client_(host, port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(5, 0);
    client_.set_read_timeout(30, 0);
  }

  Answer get(const std::string& path, const std::string& token) {
    return answerOf(client_.Get(path, headers(token)));
  }
  Answer post(const std::string& path, const nlohmann::json& body, const std::string& token) {
    return answerOf(client_.Post(path, headers(token), body.dump(), "application/json"));
  }

 private:
  static httplib::Headers headers(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  static Answer answerOf(const httplib::Result& res) {
    Answer a;
    if (!res) return a;
    a.status = res->status;
    a.body = nlohmann::json::parse(res->body, nullptr, false);
    return a;
  }
  httplib::Client client_;
};

}  // namespace rflow::simulator
