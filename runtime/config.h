// Config: the deployment settings of `rflow.toml` (runtime.md §6 connectors, §7 auth,
// plus [engine] and [service]), read with toml++. Language semantics never live here.
//
//   [connectors.wms]                     # or [connectors."retail.systems.wms"]
//   url = "http://127.0.0.1:9100/wms"    # POST {url}/{op}; http or https
//   timeout = "5s"                       # per attempt; default kDefaultConnectorTimeoutMs
//   headers = { Authorization = "Bearer ${WMS_TOKEN}" }
//   safe_to_call = ["availability"]      # ops `rflow contract check` may call (read-only)
//
//   [connectors.erp]
//   stub = "stubs/erp.json"              # relative to this file's directory
//
//   [[auth.users]]
//   name = "ann"
//   roles = ["AccountsPayable", "admin"]
//   token_sha256 = "9f86d081…"           # 64 hex digits
//
//   [engine]
//   durability = "sync"                  # or "async"
//   workers = 4                          # default: the number of cores
//   max_queued = 10000                   # backlog past which new work is answered 429
//   commit_nice = -10                    # the commit thread's nice value, -20 to 0
//
//   [service]
//   listen = "127.0.0.1:8080"
//   metrics_open = false
//   shutdown_grace = "30s"               # SIGTERM: finish in-flight work within this
//   tls_cert = "tls/cert.pem"            # HTTPS: both or neither, relative to this file
//   tls_key = "tls/key.pem"
//
//   [classifiers.IssueKind]              # or [classifiers."retail.triage.IssueKind"]
//   model = "models/issue_kind.ftz"      # relative to this file's directory
//
//   [cluster]                            # one node of a cluster (docs/cluster.md)
//   node = "rflow-1"                     # unique in the cluster: letters, digits, - and _
//   nats = ["nats://10.0.0.1:4222", …]   # the NATS servers' client URLs
//   advertise = "http://10.0.0.5:8080"   # where the other nodes forward requests to
//   partitions = 16                      # fixed when the cluster is created
//   replicas = 3                         # each partition log's copies: 1 or 3
//   member_ttl = "10s"                   # a silent node is taken for dead after this
//
//   [backup]                             # the service's backups (runtime/store/backup.h)
//   dir = "/var/lib/rflow/backups"       # relative to this file's directory
//   every = "6h"                         # default: only when POST /v1/admin/backups asks
//   keep = 7                             # the newest backups kept after each one
//
// Invariants of a Config that load()/fromString() return: every connector has exactly
// one target (HTTP or stub: a variant), a parsed endpoint for a URL, an absolute stub path
// that existed when the file was read, a timeout in (0, kMaxConnectorTimeoutMs], headers
// with `${VAR}` already expanded, no CR/LF in them and none of the headers the connector
// sets itself; connector names are unique and sorted; user names and token hashes are
// unique, hashes are 64 lower-case hex digits; workers is in [1, kMaxWorkers], max_queued
// in [1, kMaxQueuedLimit], commit_nice in [-20, 0]; the listen address has a host and a
// port; tls_cert and tls_key are both set (absolute, lexically normal) or both empty (whether the
// files exist and fit is checked when the service starts: service/tls.h); classifier names are
// unique and sorted, and every model path is absolute (whether the file exists and fits is the
// model registry's business: runtime/model_registry.h).
//
// Errors are values: every problem the file has (not only the first), each with the
// file, line and column of the offending key (of the array element, for list items), the
// key path ("connectors.wms.timeout") and what to do. Unknown keys are errors, with a
// "did you mean" when a known key is close. Nothing here throws.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rflow::bytecode {
struct Module;
}

namespace rflow::runtime {

inline constexpr int64_t kDefaultConnectorTimeoutMs = 30'000;
// A connector attempt holds a worker thread; an hour is far above any real system's
// answer time and catches a mistyped unit ("5d" for "5s").
inline constexpr int64_t kMaxConnectorTimeoutMs = 3'600'000;
inline constexpr uint32_t kMaxWorkers = 256;
inline constexpr size_t kMaxConfigBytes = size_t{1} << 20;

struct ConfigError {
  std::string file;     // the config file as given
  uint32_t line = 0;    // 1-based; 0 when the problem is the file as a whole
  uint32_t column = 0;  // 1-based
  std::string key;      // "connectors.wms.timeout", "auth.users[1].roles[0]"; may be empty
  std::string message;  // what is wrong and what to do

  // "rflow.toml:4:11: `connectors.wms.timeout`: expected a duration like \"5s\", found \"5x\""
  std::string text() const;
};

// All of a file's problems, sorted by position.
using ConfigErrors = std::vector<ConfigError>;

// Joins errors' text(), one per line: for a command-line tool's stderr.
std::string describe(const ConfigErrors& errors);

struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
};

// A connector URL taken apart: "https://erp.example:8443/rflow" is https, erp.example,
// 8443, "/rflow". The port defaults to 80/443; base_path never ends in '/'.
struct HttpEndpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name, an IPv4 address, or an IPv6 address in brackets
  int port = 0;
  std::string base_path;

  // "https://erp.example:8443": what an HTTP client connects to.
  std::string origin() const;
};

// Why `url` is not an http(s) URL a connector can post to, or the parts.
std::variant<HttpEndpoint, std::string> parseHttpUrl(std::string_view url);

struct HttpTarget {
  std::string url;  // as written
  HttpEndpoint endpoint;
  int64_t timeout_ms = kDefaultConnectorTimeoutMs;
  // Expanded; in key order (TOML tables have no order).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct StubTarget {
  std::filesystem::path path;  // absolute
};

struct ConnectorConfig {
  std::string name;  // the key under [connectors]: "wms" or "retail.systems.wms"
  std::variant<HttpTarget, StubTarget> target;
  SourcePos pos;  // of the key
  // The operations `rflow contract check` may call with made-up arguments: those that
  // only read (runtime/contract_check.h). The engine ignores the list.
  std::vector<std::string> safe_to_call;
};

struct AuthUser {
  std::string name;                 // the User id
  std::vector<std::string> roles;   // declared role names (short or qualified) or "admin"
  std::string token_sha256;         // 64 lower-case hex digits
  SourcePos pos;                    // of the [[auth.users]] entry
  std::vector<SourcePos> role_pos;  // of each roles element
};

enum class Durability { kSync, kAsync };

struct EngineConfig {
  Durability durability = Durability::kSync;
  uint32_t workers = 1;  // Config::defaults() sets the number of cores
  // Back-pressure: once the engine's backlog (steps queued or running, connector calls
  // sent and not answered) reaches this, new starts, events and signals are answered 429
  // with Retry-After instead of queueing without bound.
  size_t max_queued = 10'000;
  // The commit thread's nice value (engine::GroupCommitOptions::nice): raised by default,
  // 0 to leave it at the process's priority.
  int commit_nice = -10;
};
inline constexpr size_t kMaxQueuedLimit = 10'000'000;

struct ServiceConfig {
  std::string listen = "127.0.0.1:8080";  // as written
  std::string host = "127.0.0.1";         // an IPv6 address without its brackets
  uint16_t port = 8080;                   // 0: any free port (tests)
  bool metrics_open = false;              // serve /metrics without a token
  // After SIGTERM, how long in-flight requests and steps may take to finish before the
  // process exits anyway (the store's log keeps every committed step either way).
  int64_t shutdown_grace_ms = 30'000;
  // HTTPS: the PEM certificate (chain) and private key; both empty: plain HTTP.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
};
inline constexpr int64_t kMaxShutdownGraceMs = 3'600'000;

// A classifier's model file (intelligence.md §1). Existence and labels are checked when
// the model is loaded against the module (model_registry.h), not here.
struct ClassifierConfig {
  std::string name;             // the key under [classifiers]: short or qualified
  std::filesystem::path model;  // absolute, lexically normal
  SourcePos pos;                // of the key
};

// [backup]: where the service writes backups (POST /v1/admin/backups, and on its own
// every `every_ms`) and how many it keeps. Invariant: every_ms and keep were only
// accepted with a dir.
struct BackupConfig {
  std::filesystem::path dir;  // absolute, lexically normal; empty: the service makes none
  int64_t every_ms = 0;       // 0: only when asked
  uint32_t keep = 7;          // after each backup, the older ones beyond this are deleted
};
inline constexpr int64_t kMinBackupEveryMs = 60'000;
inline constexpr int64_t kMaxBackupEveryMs = 30LL * 24 * 3'600'000;
inline constexpr uint32_t kMaxBackupKeep = 1000;

// [cluster]: this process is one node of an rflow cluster (issue 19, Design A of
// ../shared/design/scaleout.md; runtime/node/ uses it). Invariant when `enabled`: node is
// 1–64 of [A-Za-z0-9_-]; nats has at least one nats:// or tls:// URL; advertise is an
// http(s) URL with a host; partitions in [1, kMaxPartitions]; replicas is 1 or 3;
// member_ttl_ms in [kMinMemberTtlMs, kMaxMemberTtlMs]; follow_every_ms 0 or in
// [kMinFollowEveryMs, kMaxFollowEveryMs]; snapshot_every 0 or in [kMinSnapshotEvery,
// kMaxSnapshotEvery].
struct ClusterConfig {
  bool enabled = false;  // the file has a [cluster] section
  std::string node;
  std::vector<std::string> nats;
  std::string advertise;
  // Fixed when the cluster is created (its first node records it in NATS); a node
  // configured with another count refuses to start. 16 serves up to about 8 nodes with
  // one owner and one standby each; more partitions cost a RocksDB and a stream each.
  uint32_t partitions = 16;
  int replicas = 3;
  int64_t member_ttl_ms = 10'000;
  // How often a standby reads its owner's log between control passes; 0: only at them.
  int64_t follow_every_ms = 200;
  // An owner snapshots its partition (and trims the log behind it) each time the log has
  // grown this many entries; 0: never.
  uint64_t snapshot_every = 10'000;
  // An owner hands a node that joins later its share of the partitions.
  bool rebalance = true;
};
inline constexpr uint32_t kMaxPartitions = 1024;
inline constexpr int64_t kMinMemberTtlMs = 1'000;
inline constexpr int64_t kMaxMemberTtlMs = 300'000;
inline constexpr int64_t kMinFollowEveryMs = 50;
inline constexpr int64_t kMaxFollowEveryMs = 10'000;
inline constexpr int64_t kMinSnapshotEvery = 100;
inline constexpr int64_t kMaxSnapshotEvery = 100'000'000;

// Looks up an environment variable: nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv).
Environment processEnvironment();

struct Config {
  // The file this came from; empty for defaults() and when no file was found.
  std::filesystem::path path;
  bool from_file = false;
  std::vector<ConnectorConfig> connectors;  // sorted by name, unique
  std::vector<AuthUser> users;              // in file order
  EngineConfig engine;
  ServiceConfig service;
  std::vector<ClassifierConfig> classifiers;  // sorted by name, unique
  BackupConfig backup;
  ClusterConfig cluster;

  // Every setting at its default, no connectors, no users.
  static Config defaults();

  // Reads `path`. When the file does not exist: defaults() if `required` is false (no
  // --config was given and the project has none), else an error naming the file.
  static std::variant<Config, ConfigErrors> load(const std::filesystem::path& path, bool required,
                                                 const Environment& env = processEnvironment());

  // Parses `text` as if read from `path` (relative stub paths resolve against its
  // directory; messages name it).
  static std::variant<Config, ConfigErrors> fromString(
      std::string_view text, const std::filesystem::path& path,
      const Environment& env = processEnvironment());

  // The connector configured for `name`: the entry with exactly that key, else the one
  // whose key is name's last dotted segment ("retail.systems.wms" finds [connectors.wms]).
  const ConnectorConfig* connector(std::string_view name) const;
  // The model configured for classifier `name` (qualified), found the same way.
  const ClassifierConfig* classifier(std::string_view name) const;
};

// "rflow.toml" as messages show it: the path given, or "rflow.toml" when there is none.
std::string configName(const Config& config);

// The [[auth.users]] roles that name no role of `module` (by declared name, or by
// qualified name when two roles share a declared name) and are not "admin": one error per
// role, at its place in the file, with "did you mean" when a declared role is close. For
// deployment time, when the module is known.
ConfigErrors checkUserRoles(const Config& config, const bytecode::Module& module);

}  // namespace rflow::runtime
