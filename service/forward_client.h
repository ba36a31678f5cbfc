// The HTTP client a cluster's front door forwards with (partition_router.h): one hop to
// another node, over cpp-httplib. The only code besides http_server.cpp that sees httplib.
#pragma once

#include <chrono>

#include "service/partition_router.h"

namespace rflow::service {

struct ForwardOptions {
  std::chrono::milliseconds connect_timeout{2000};
  // A step waits for its commit (with a JetStream log, through a leader election: up to
  // its 10 s append deadline), so the owner's answer may take that long.
  std::chrono::milliseconds read_timeout{30000};
};

// A Forwarder over plain HTTP ("http://host:port"; "https://" when httplib was built with
// OpenSSL). The path is percent-encoded again segment by segment and the query rebuilt
// from the decoded parameters, so the owner decodes what this node decoded.
Forwarder httpForwarder(ForwardOptions options = {});

}  // namespace rflow::service
