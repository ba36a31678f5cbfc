// Text normalization (text.h).
#include "runtime/classifier/text.h"

namespace rflow::classifier {

namespace {

// Byte tests of our own rather than <cctype>'s: those depend on the global locale, which
// a host program may change, and are undefined for negative chars.
bool isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

bool isPunct(unsigned char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

}  // namespace

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  // A separator is owed before the next token whenever one ended; written lazily so that
  // the result never starts or ends with a space.
  bool pending_space = false;
  const auto startToken = [&] {
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (isSpace(c)) {
      pending_space = true;
    } else if (isPunct(c)) {
      pending_space = true;
      startToken();
      out.push_back(ch);
      pending_space = true;
    } else {
      startToken();
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    }
  }
  return out;
}

}  // namespace rflow::classifier
