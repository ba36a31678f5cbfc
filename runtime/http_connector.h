// HttpConnector: one attempt of `POST {url}/{op}` with cpp-httplib (runtime.md §6).
//
//   POST /wms/allocate HTTP/1.1
//   Content-Type: application/json
//   Idempotency-Key: <instance>/<step>
//   <configured headers>
//
//   {"args": {"store": "S0042", "sku": "SKU-1", "qty": 132}, "instance": "…", "workflow": "…"}
//
// Timeouts: the attempt has one deadline, the call's timeout (the call site's `timeout`,
// else the connector's configured one, both capped at kMaxConnectorTimeoutMs). Connecting, sending
// and every read wait at most the time left, and the response is cut off when the deadline passes
// while it trickles in, so a slow server never holds a worker past it.
//
// Connections: a small pool of keep-alive clients per connector. A call takes an idle
// client (or makes one), and gives it back after any HTTP answer; a client whose call
// failed in transport is dropped. Why a pool: httplib's Client serializes the requests
// made through one object, so a single shared client would make every worker wait behind
// the slowest call; a client per call would pay a TCP (and TLS) handshake per call. A
// reused connection can have been closed by the server while idle; when a request on
// one fails before any byte of an answer arrived, it is sent once more on a fresh
// connection within the same attempt and deadline. That is safe because the request
// carries its Idempotency-Key (Go's net/http does the same for such requests).
//
// Redirects are not followed (a POST would have to be replayed somewhere else);
// responses larger than HttpOptions::max_response_bytes are refused while they arrive.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/config.h"
#include "runtime/connector.h"

namespace httplib {
class Client;
}

namespace rflow::runtime {

class HttpConnector final : public Connector {
 public:
  HttpConnector(std::string name, HttpTarget target, HttpOptions options = {});
  ~HttpConnector() override;
  HttpConnector(const HttpConnector&) = delete;
  HttpConnector& operator=(const HttpConnector&) = delete;

  CallResult call(const CallRequest& request) const override;

  // Idle connections in the pool (for tests).
  size_t idleConnections() const;

 private:
  std::unique_ptr<httplib::Client> acquire(bool& reused) const;
  void release(std::unique_ptr<httplib::Client> client) const;
  std::unique_ptr<httplib::Client> makeClient() const;

  std::string name_;
  HttpTarget target_;
  HttpOptions options_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace rflow::runtime
