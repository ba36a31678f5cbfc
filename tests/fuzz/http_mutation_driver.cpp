// A bounded, deterministic fuzz run of `rflow serve`'s request decoding for the ordinary
// test suite: the raw requests of tests/fuzz/http_seeds/ (every route, with valid tokens,
// plus bad methods, chunked bodies, huge lengths, bad and deep JSON …), mutated with a
// fixed random seed for a fixed number of runs. Most mutations understand the request:
// they change the method, a path segment, the query, a header or a value inside the JSON
// body and then usually fix Content-Length, so the mutant still gets past the parser and the
// access checks into the handlers and the engine; the rest mutate raw bytes. Hand-made
// pathological requests (huge lines, many headers, 4 MiB bodies, deep JSON) run too. A
// crash, hang, malformed reply or 5xx other than 503 fails the test; an input that ever
// failed is kept in tests/fuzz/http_regressions/ and replayed first.
//
// RFLOW_FUZZ_RUNS overrides the number of mutated runs (default 20000, about a second).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "http_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using rflow::service::fuzzing::serveChecked;
using rflow::service::fuzzing::statusOf;

std::string run(const std::string& input) {
  // RFLOW_FUZZ_TRACE=FILE keeps the input being run in FILE, to catch one that hangs.
  if (const char* trace = std::getenv("RFLOW_FUZZ_TRACE"))
    std::ofstream(trace, std::ios::binary) << input;
  return serveChecked(input);
}

// Every file below `root` but READMEs, in order.
std::vector<std::string> readAll(const fs::path& root) {
  std::vector<fs::path> paths;
  if (!fs::exists(root)) return {};
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const fs::path& p : paths) {
    std::ifstream in(p, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// A request taken apart: the request line's three words, the header lines and the body.
struct Request {
  std::string method, target, version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

std::optional<Request> parse(const std::string& raw) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  Request r;
  r.body = raw.substr(head_end + 4);
  std::vector<std::string> lines;
  for (size_t at = 0; at <= head_end;) {
    const size_t end = raw.find("\r\n", at);
    lines.push_back(raw.substr(at, end - at));
    at = end + 2;
  }
  const size_t a = lines[0].find(' ');
  const size_t b = lines[0].rfind(' ');
  if (a == std::string::npos || a == b) return std::nullopt;
  r.method = lines[0].substr(0, a);
  r.target = lines[0].substr(a + 1, b - a - 1);
  r.version = lines[0].substr(b + 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    size_t value = colon + 1;
    while (value < lines[i].size() && lines[i][value] == ' ')
      ++value;
    r.headers.emplace_back(lines[i].substr(0, colon), lines[i].substr(value));
  }
  return r;
}

std::string header(const Request& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.first.size() == name.size() &&
        std::equal(h.first.begin(), h.first.end(), name.begin(),
                   [](char x, char y) { return std::tolower(x) == std::tolower(y); }))
      return h.second;
  }
  return {};
}

std::string serialize(const Request& r, bool fix_length) {
  std::string out = r.method + " " + r.target + " " + r.version + "\r\n";
  for (const auto& [name, value] : r.headers) {
    if (fix_length && name == "Content-Length") {
      out += name + ": " + std::to_string(r.body.size()) + "\r\n";
    } else {
      out += name + ": " + value + "\r\n";
    }
  }
  return out + "\r\n" + r.body;
}

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}

  size_t pick(size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
  }
  template <typename T, size_t N>
  const T& oneOf(const T (&items)[N]) {
    return items[pick(N)];
  }

  std::string mutate(const std::string& seed) {
    std::optional<Request> parsed = parse(seed);
    if (!parsed || pick(5) == 0) return raw(seed);
    Request r = std::move(*parsed);
    bool fix_length = pick(8) != 0;
    for (size_t i = 0, n = 1 + pick(3); i < n; ++i) {
      switch (pick(10)) {
        case 0:
          r.method = oneOf(kMethods);
          break;
        case 1:
        case 2:
          r.target = mutateTarget(r.target);
          break;
        case 3:
        case 4:
          mutateHeaders(r);
          break;
        case 5:
        case 6:
        case 7:
          r.body = mutateBody(r.body);
          break;
        case 8:
          if (header(r, "Transfer-Encoding").empty()) chunk(r);
          break;
        default:
          fix_length = !fix_length;
      }
    }
    std::string out = serialize(r, fix_length);
    return pick(6) == 0 ? raw(out) : out;
  }

 private:
  // ---- the request line ---------------------------------------------------------------

  static constexpr const char* kMethods[] = {"GET",     "POST",  "PUT", "DELETE", "HEAD",
                                             "OPTIONS", "PATCH", "get", "POST ",  "",
                                             "TRACE",   "PRI",   "G\0T"};

  static constexpr const char* kSegments[] = {"in-0000000001",
                                              "in-0000000004",
                                              "in-9999999999",
                                              "in-",
                                              "in-00000000000000000000001",
                                              "tk-0000000001",
                                              "tk-0000000002",
                                              "tk-0000000003",
                                              "tk-0000000004",
                                              "Purchase",
                                              "Count",
                                              "Review",
                                              "Paid",
                                              "P-1",
                                              "P-2",
                                              "OrderPlaced",
                                              "..",
                                              ".",
                                              "",
                                              "%00",
                                              "%FF",
                                              "%2F",
                                              "%C3%28",
                                              "%E2%82%AC",
                                              "%",
                                              "%Z",
                                              "a b",
                                              "v1",
                                              "instances",
                                              "signals",
                                              "decision",
                                              "cancel",
                                              "history",
                                              "keys",
                                              "events",
                                              "tasks",
                                              "index.html",
                                              "assets",
                                              "app.js"};

  static constexpr const char* kQueries[] = {"limit=0",
                                             "limit=1",
                                             "limit=100",
                                             "limit=1000",
                                             "limit=-1",
                                             "limit=1e3",
                                             "limit=99999999999999999999",
                                             "after=",
                                             "after=in-0000000002",
                                             "after=1",
                                             "after=%FF",
                                             "status=Waiting",
                                             "status=Completed",
                                             "status=open",
                                             "status=all",
                                             "status=Bogus",
                                             "workflow=Purchase",
                                             "workflow=Nope",
                                             "key=P-1",
                                             "role=Buyer",
                                             "role=Clerk",
                                             "assignee=ann",
                                             "since=2027-01-01T00:00:00Z",
                                             "since=2027-13-45",
                                             "since=",
                                             "since=1970-01-01T00:00:00Z",
                                             "a",
                                             "=",
                                             "&&",
                                             "%",
                                             "limit=2&limit=3"};

  std::string mutateTarget(std::string target) {
    const size_t q = target.find('?');
    std::string path = target.substr(0, q);
    std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    std::vector<std::string> segments;
    for (size_t at = 1; at <= path.size();) {
      const size_t slash = std::min(path.find('/', at), path.size());
      segments.push_back(path.substr(at, slash - at));
      at = slash + 1;
    }
    switch (pick(6)) {
      case 0:
      case 1:
        if (!segments.empty()) segments[pick(segments.size())] = oneOf(kSegments);
        break;
      case 2:
        if (!segments.empty())
          segments.erase(segments.begin() + static_cast<long>(pick(segments.size())));
        break;
      case 3:
        segments.insert(segments.begin() + static_cast<long>(pick(segments.size() + 1)),
                        oneOf(kSegments));
        break;
      case 4:
        query += (query.empty() ? "" : "&") + std::string(oneOf(kQueries));
        break;
      default:
        query = pick(2) == 0 ? "" : oneOf(kQueries);
    }
    std::string out;
    for (const std::string& s : segments)
      out += "/" + s;
    if (out.empty() || pick(16) == 0) out = pick(2) == 0 ? "*" : out + "/";
    if (pick(32) == 0) out += "/" + std::string(300 + pick(3000), 'a');
    if (pick(32) == 0) out = "http://127.0.0.1" + out;
    if (!query.empty() || pick(16) == 0) out += "?" + query;
    if (pick(32) == 0) out += "#fragment";
    return out;
  }

  // ---- headers --------------------------------------------------------------------------

  static constexpr std::pair<const char*, const char*> kHeaders[] = {
      {"Authorization", "Bearer root-token"},
      {"Authorization", "Bearer ann-token"},
      {"Authorization", "Bearer bob-token"},
      {"Authorization", "Bearer cy-token"},
      {"Authorization", "Bearer "},
      {"Authorization", "Bearer root-token "},
      {"Authorization", "bearer root-token"},
      {"Authorization", "Basic cm9vdDpyb290"},
      {"Authorization", "Bearer \xff\xfe"},
      {"Idempotency-Key", "fuzz-1"},
      {"Idempotency-Key", ""},
      {"Idempotency-Key", "\xc3\x28"},
      {"If-None-Match", "*"},
      {"If-None-Match", "\"54b24f239c2cbeb0\""},
      {"If-None-Match", ",,, W/"},
      {"Content-Type", "application/json"},
      {"Content-Type", "text/plain"},
      {"Content-Type", "multipart/form-data; boundary=b"},
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"Content-Length", "0"},
      {"Content-Length", "-1"},
      {"Content-Length", "18446744073709551616"},
      {"Content-Length", "4194305"},
      {"Content-Length", "12abc"},
      {"Transfer-Encoding", "chunked"},
      {"Transfer-Encoding", "gzip, chunked"},
      {"Content-Encoding", "gzip"},
      {"Content-Encoding", "br"},
      {"Accept-Encoding", "gzip, deflate, br"},
      {"Expect", "100-continue"},
      {"Range", "bytes=0-0"},
      {"Range", "bytes=5-1"},
      {"Range", "bytes=-0"},
      {"Range", "bytes=0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1"},
      {"Range", "bytes=99999999999999999999-"},
      {"Connection", "close"},
      {"Connection", "keep-alive"},
      {"Host", ""},
      {"X-Empty", ""},
  };

  void mutateHeaders(Request& r) {
    switch (pick(5)) {
      case 0:
        if (!r.headers.empty())
          r.headers.erase(r.headers.begin() + static_cast<long>(pick(r.headers.size())));
        break;
      case 1:
        if (!r.headers.empty()) r.headers.push_back(r.headers[pick(r.headers.size())]);
        break;
      case 2: {  // replace a header's value with another header's value of that name
        const auto& [name, value] = oneOf(kHeaders);
        bool replaced = false;
        for (auto& h : r.headers) {
          if (h.first == name) {
            h.second = value;
            replaced = true;
          }
        }
        if (!replaced) r.headers.emplace_back(name, value);
        break;
      }
      case 3: {
        const auto& [name, value] = oneOf(kHeaders);
        r.headers.insert(r.headers.begin() + static_cast<long>(pick(r.headers.size() + 1)),
                         {name, value});
        break;
      }
      default:  // a header line that is not one
        r.headers.emplace_back(pick(2) == 0 ? " folded" : "No-Colon\x01",
                               std::string(pick(64), 'v'));
    }
  }

  // ---- the body -------------------------------------------------------------------------

  json interesting() {
    switch (pick(18)) {
      case 0:
        return nullptr;
      case 1:
        return true;
      case 2:
        return 0;
      case 3:
        return -1;
      case 4:
        return 1e308;
      case 5:
        return 18446744073709551615ull;
      case 6:
        return -9223372036854775807ll - 1;
      case 7:
        return "";
      case 8:
        return std::string(5000, 'x');
      case 9:
        return json::array();
      case 10:
        return json::object();
      case 11: {
        json deep = 1;
        for (size_t i = 0, n = 50 + pick(30); i < n; ++i)
          deep = json::array({deep});
        return deep;
      }
      case 12:
        return "120.001";
      case 13:
        return "-0.00";
      case 14:
        return "XXX";
      case 15:
        return json{{"amount", "99999999999999999999999999.99"}, {"currency", "JPY"}};
      case 16:
        return "in-0000000001";
      default:
        return 3.5;
    }
  }

  // A random node of `j` (itself, or one below it), as a pointer into it.
  json* node(json& j) {
    json* at = &j;
    while ((at->is_object() || at->is_array()) && !at->empty() && pick(3) != 0) {
      auto it = at->begin();
      std::advance(it, static_cast<long>(pick(at->size())));
      at = &*it;
    }
    return at;
  }

  std::string mutateBody(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || pick(6) == 0) return raw(body);
    json* at = node(j);
    switch (pick(5)) {
      case 0:
        if (at->is_object() && !at->empty()) {
          auto it = at->begin();
          std::advance(it, static_cast<long>(pick(at->size())));
          at->erase(it.key());
          break;
        }
        [[fallthrough]];
      case 1:
        if (at->is_object()) {
          (*at)[pick(2) == 0 ? "extra" : "comment"] = interesting();
          break;
        }
        [[fallthrough]];
      default:
        *at = interesting();
    }
    return j.dump(pick(4) == 0 ? 2 : -1);
  }

  // The body as chunks of random sizes, sometimes with a wrong size or extension.
  void chunk(Request& r) {
    std::string out;
    for (size_t at = 0; at < r.body.size();) {
      const size_t n = std::min(r.body.size() - at, 1 + pick(64));
      out += fmt(n) + (pick(16) == 0 ? ";ext=1" : "") + "\r\n" + r.body.substr(at, n) + "\r\n";
      at += n;
    }
    out += pick(16) == 0 ? "0\r\nTrailer: x\r\n\r\n" : "0\r\n\r\n";
    if (pick(8) == 0) out.replace(0, out.find("\r\n"), fmt(r.body.size() + 1 + pick(9)));
    r.body = out;
    std::erase_if(r.headers, [](const auto& h) { return h.first == "Content-Length"; });
    r.headers.emplace_back("Transfer-Encoding", "chunked");
  }
  static std::string fmt(size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return buf;
  }

  // ---- raw bytes ------------------------------------------------------------------------

  static constexpr const char* kFragments[] = {"\r\n",
                                               "\n",
                                               "\r\n\r\n",
                                               " ",
                                               ":",
                                               "?",
                                               "&",
                                               "=",
                                               "%",
                                               "/",
                                               "HTTP/1.1",
                                               "HTTP/1.0",
                                               "HTTP/2",
                                               "Content-Length: 5\r\n",
                                               "Transfer-Encoding: chunked\r\n",
                                               "\0",
                                               "\xff",
                                               "{",
                                               "}",
                                               "[",
                                               "]",
                                               "\"",
                                               "\\u0000",
                                               "\\ud800",
                                               "0\r\n\r\n",
                                               "ffffffffffffffff\r\n"};

  std::string raw(std::string text) {
    for (size_t i = 0, n = 1 + pick(4); i < n; ++i) {
      const size_t at = pick(text.size() + 1);
      switch (pick(6)) {
        case 0:
          if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
          break;
        case 1: {
          const std::string_view f = oneOf(kFragments);
          text.insert(at, f.empty() ? std::string(1, '\0') : std::string(f));
          break;
        }
        case 2:
          text.erase(at, pick(24));
          break;
        case 3: {
          const std::string piece = text.substr(at, pick(64));
          text.insert(pick(text.size() + 1), piece);
          break;
        }
        case 4:
          text.resize(at);
          break;
        default:
          if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(2) == 0 ? '\r' : ' ');
      }
    }
    return text;
  }

  std::mt19937 rng_;
};

std::vector<std::string> seeds() {
  return readAll(fs::path(RFLOW_FUZZ_DIR) / "http_seeds");
}

TEST(HttpFuzz, RegressionInputs) {
  for (const std::string& input : readAll(fs::path(RFLOW_FUZZ_DIR) / "http_regressions"))
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(HttpFuzz, EverySeedIsServed) {
  const auto all = seeds();
  ASSERT_GE(all.size(), 40u);
  size_t ok = 0;
  for (const std::string& seed : all) {
    const int status = statusOf(run(seed));
    EXPECT_NE(status, 0) << seed;
    ok += status >= 200 && status < 300 ? 1 : 0;
  }
  // The seeds reach the handlers: most of them are answered with success.
  EXPECT_GE(ok, all.size() / 2);
}

TEST(HttpFuzz, PathologicalInputs) {
  const std::string auth = "Host: x\r\nAuthorization: Bearer root-token\r\n";
  const auto post = [&](const std::string& path, const std::string& body) {
    return "POST " + path + " HTTP/1.1\r\n" + auth +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  // Lines and headers past every limit.
  EXPECT_EQ(statusOf(run("GET /" + std::string(100'000, 'a') + " HTTP/1.1\r\n\r\n")), 414);
  EXPECT_EQ(statusOf(run("GET /v1/" + std::string(3000, 'a') + " HTTP/1.1\r\n" + auth + "\r\n")),
            414);
  std::string many = "GET /v1/me HTTP/1.1\r\n" + auth;
  for (int i = 0; i < 2000; ++i)
    many += "X-" + std::to_string(i) + ": y\r\n";
  EXPECT_EQ(statusOf(run(many + "\r\n")), 431);
  EXPECT_EQ(statusOf(run("GET /v1/me HTTP/1.1\r\n" + auth + "X: " + std::string(20'000, 'v') +
                         "\r\n\r\n")),
            431);  // over RequestLimits::max_header_bytes
  std::string query = "GET /v1/tasks?";
  for (int i = 1; i <= 400; ++i)
    query += "limit=" + std::to_string(i) + "&";
  EXPECT_EQ(statusOf(run(query + " HTTP/1.1\r\n" + auth + "\r\n")), 200);
  // Bodies: one byte over the limit (refused unread), a body of exactly the limit, and
  // JSON nested past the wire limit.
  EXPECT_EQ(statusOf(run(post("/v1/deployments", std::string((size_t{4} << 20) + 1, ' ')))), 413);
  EXPECT_EQ(statusOf(run(post("/v1/deployments", std::string(size_t{4} << 20, ' ')))), 400);
  EXPECT_EQ(statusOf(run(post("/v1/workflows/Count/instances",
                              std::string(100'000, '[') + std::string(100'000, ']')))),
            400);
  EXPECT_EQ(statusOf(run(post("/v1/workflows/Count/instances",
                              "{\"aisle\": \"" + std::string(1'000'000, '\\') + "\"}"))),
            400);
  // A chunked body of 5 MiB in 1 KiB chunks (no Content-Length to refuse it unread): the
  // transport reads up to the model route's larger limit, and the router holds a JSON
  // route to its own with 413.
  std::string chunked =
      "POST /v1/deployments HTTP/1.1\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5 * 1024; ++i)
    chunked += "400\r\n" + std::string(1024, ' ') + "\r\n";
  EXPECT_EQ(statusOf(run(chunked + "0\r\n\r\n")), 413);
  // Every byte value as the path, and NUL everywhere.
  for (int c = 0; c < 256; ++c)
    run("GET /v1/instances/" + std::string(1, static_cast<char>(c)) + " HTTP/1.1\r\n" + auth +
        "\r\n");
  run(std::string(10'000, '\0'));
  run("\r\n\r\n\r\n");
}

TEST(HttpFuzz, MutatedSeeds) {
  const std::vector<std::string> all = seeds();
  ASSERT_FALSE(all.empty());
  size_t runs = 20000;
  if (const char* env = std::getenv("RFLOW_FUZZ_RUNS")) runs = std::stoul(env);
  Mutator mutator(20261127);
  std::map<int, size_t> statuses;
  for (size_t i = 0; i < runs; ++i)
    ++statuses[statusOf(run(mutator.mutate(all[i % all.size()])))];
  size_t success = 0;
  std::string histogram;
  for (const auto& [status, n] : statuses) {
    success += status >= 200 && status < 300 ? n : 0;
    histogram += std::to_string(status) + ":" + std::to_string(n) + " ";
  }
  // The mutants must still get past the parsing and the access checks often enough.
  EXPECT_GT(success, runs / 10) << histogram;
  RecordProperty("statuses", histogram);
  std::printf("%zu runs, replies by status: %s\n", runs, histogram.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
