#include "lsp/transport.h"

#include <charconv>

namespace rflow::lsp {

namespace {

// Limits one message; a client sending more is broken or hostile.
constexpr size_t kMaxMessageBytes = size_t{64} << 20;

bool readLine(std::FILE* in, std::string& line) {
  line.clear();
  for (int c = std::fgetc(in); c != EOF; c = std::fgetc(in)) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    line += static_cast<char>(c);
    if (line.size() > 4096) return true;  // not a header; treated as one bad line
  }
  return !line.empty();
}

}  // namespace

Transport::Status Transport::read(std::string& body) {
  std::string line;
  size_t length = 0;
  bool have_length = false;
  bool any_header = false;
  while (true) {
    if (!readLine(in_, line)) return Status::kEnd;
    if (line.empty()) {
      if (!any_header) continue;  // blank lines between messages
      break;
    }
    any_header = true;
    constexpr std::string_view kName = "content-length:";
    if (line.size() > kName.size()) {
      std::string lower = line.substr(0, kName.size());
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == kName) {
        std::string_view v = std::string_view(line).substr(kName.size());
        while (!v.empty() && v.front() == ' ')
          v.remove_prefix(1);
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
        have_length = ec == std::errc() && end == v.data() + v.size();
      }
    }
  }
  if (!have_length || length > kMaxMessageBytes) return Status::kBadHeader;
  body.resize(length);
  size_t got = 0;
  while (got < length) {
    const size_t n = std::fread(body.data() + got, 1, length - got, in_);
    if (n == 0) return Status::kEnd;
    got += n;
  }
  return Status::kMessage;
}

void Transport::write(std::string_view body) {
  std::lock_guard lock(write_mutex_);
  std::fprintf(out_, "Content-Length: %zu\r\n\r\n", body.size());
  std::fwrite(body.data(), 1, body.size(), out_);
  std::fflush(out_);
}

}  // namespace rflow::lsp
