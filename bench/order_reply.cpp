#include "order_reply.h"

#include <deque>
#include <vector>

#include "base/utf8.h"

namespace rflow::bench {

namespace {

// A recursive descent over the text that checks JSON's grammar and hands each string
// value, with the keys leading to it, to `found`.
class Scanner {
 public:
  Scanner(std::string_view text, std::string_view under, OrderReply& out)
      : s_(text), under_(under), out_(out) {}

  bool document() {
    if (!value()) return false;
    space();
    return i_ == s_.size();
  }

 private:
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }

  bool value() {
    space();
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{':
        return object();
      case '[':
        return array();
      case '"': {
        std::string_view text;
        if (!string(text)) return false;
        found(text);
        return true;
      }
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object() {
    if (path_.size() >= kMaxReplyDepth) return false;
    ++i_;
    path_.emplace_back();
    space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      path_.pop_back();
      return true;
    }
    for (;;) {
      space();
      if (i_ >= s_.size() || s_[i_] != '"' || !string(path_.back())) return false;
      space();
      if (i_ >= s_.size() || s_[i_++] != ':') return false;
      if (!value()) return false;
      space();
      if (i_ >= s_.size()) return false;
      const char c = s_[i_++];
      if (c == '}') break;
      if (c != ',') return false;
    }
    path_.pop_back();
    return true;
  }

  bool array() {
    if (path_.size() >= kMaxReplyDepth) return false;
    ++i_;
    path_.emplace_back();  // elements have no key
    space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      path_.pop_back();
      return true;
    }
    for (;;) {
      if (!value()) return false;
      space();
      if (i_ >= s_.size()) return false;
      const char c = s_[i_++];
      if (c == ']') break;
      if (c != ',') return false;
    }
    path_.pop_back();
    return true;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool digits() {
    const size_t from = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9')
      ++i_;
    return i_ > from;
  }

  bool number() {
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(uint32_t& out) {
    if (i_ + 4 > s_.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const int d = hexDigit(s_[i_++]);
      if (d < 0) return false;
      out = out * 16 + static_cast<uint32_t>(d);
    }
    return true;
  }

  // The string at s_[i_] (its opening quote): a view of the text when it has no escapes,
  // else of its decoded copy.
  bool string(std::string_view& out) {
    const size_t from = ++i_;
    while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\') {
      if (static_cast<unsigned char>(s_[i_]) < 0x20) return false;
      ++i_;
    }
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '"') {
      out = s_.substr(from, i_++ - from);
      return true;
    }
    std::string& copy = decoded_.emplace_back(s_.substr(from, i_ - from));
    while (i_ < s_.size() && s_[i_] != '"') {
      const char c = s_[i_++];
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        copy += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      switch (const char e = s_[i_++]) {
        case '"':
        case '\\':
        case '/':
          copy += e;
          break;
        case 'b':
          copy += '\b';
          break;
        case 'f':
          copy += '\f';
          break;
        case 'n':
          copy += '\n';
          break;
        case 'r':
          copy += '\r';
          break;
        case 't':
          copy += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: its low one follows
            uint32_t low = 0;
            if (!literal("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          base::appendUtf8(copy, cp);
          break;
        }
        default:
          return false;
      }
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    out = copy;
    return true;
  }

  // A string value at path_: kept when it is one of OrderReply's members.
  void found(std::string_view text) {
    size_t base = 0;
    if (!under_.empty()) {
      if (path_.empty() || path_[0] != under_) return;
      base = 1;
    }
    const size_t depth = path_.size() - base;
    const auto at = [&](size_t k) { return path_[base + k]; };
    if (depth == 1 && at(0) == "id") {
      out_.id = text;
    } else if (depth == 1 && at(0) == "status") {
      out_.status = text;
    } else if (depth == 2 && at(0) == "result" && at(1) == "amount") {
      out_.amount = text;
    } else if (depth == 2 && at(0) == "result" && at(1) == "path") {
      out_.path = text;
    } else if (depth == 3 && at(0) == "waiting_for" && at(2) == "task" && out_.task.empty()) {
      out_.task = text;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string_view under_;
  OrderReply& out_;
  // The key of each open object ("" for an array), outermost first.
  std::vector<std::string_view> path_;
  // Strings that had escapes, decoded; a deque so that views of them stay valid.
  std::deque<std::string> decoded_;
};

}  // namespace

std::optional<OrderReply> readOrderReply(std::string_view body, std::string_view under) {
  OrderReply out;
  if (!Scanner(body, under, out).document()) return std::nullopt;
  return out;
}

}  // namespace rflow::bench
