// The one place rflow_classifier meets fastText's classes; included only by the library's
// .cpp files, never by a public header.
//
// Engine is fastText's FastText with the two protected members we need reached: the
// header check that sets the format version fastText's istream loader consults (that
// loader skips the header, leaving the version unset), and the training loss fastText
// only publishes when it prints progress. Every fastText call made through it may throw
// (std::invalid_argument, std::ios_base::failure, std::runtime_error, std::bad_alloc);
// callers catch at the library's edge.
#pragma once

#include <fasttext/fasttext.h>

#include <istream>
#include <stdexcept>
#include <streambuf>
#include <string_view>

namespace rflow::classifier::detail {

// An istream buffer over bytes that outlive the stream, so that fastText reads a model
// or a line of text without a copy. Read-only: fastText never writes through it.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view bytes) {
    // streambuf's get area is char*, not const char*; nothing writes through it.
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
};

class Engine : public fasttext::FastText {
 public:
  // Bytes already passed checkModelBytes, so the header check cannot fail; it is still
  // tested rather than assumed.
  void loadChecked(std::istream& in) {
    if (!checkModel(in)) throw std::invalid_argument("the fastText header is wrong");
    loadModel(in);
  }
  // The last training loss fastText recorded (thread 0's, set when a run ends).
  double lastLoss() const { return loss_.load(); }
};

}  // namespace rflow::classifier::detail
