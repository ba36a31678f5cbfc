// JsonWriter writes exactly what nlohmann's dump (no indent, no ASCII escaping, invalid
// UTF-8 replaced) writes for the same document: every escape, every kind of bad UTF-8,
// numbers, and seeded random documents.
#include "runtime/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace rflow::runtime {
namespace {

using nlohmann::json;

std::string dumped(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Writes `doc` through the writer; nlohmann's objects iterate in key order, as the
// writer's callers must write them.
void writeDoc(JsonWriter& w, const json& doc) {
  switch (doc.type()) {
    case json::value_t::object:
      w.beginObject();
      for (const auto& [k, v] : doc.items()) {
        w.key(k);
        writeDoc(w, v);
      }
      return w.endObject();
    case json::value_t::array:
      w.beginArray();
      for (const json& v : doc)
        writeDoc(w, v);
      return w.endArray();
    case json::value_t::string:
      return w.string(doc.get_ref<const std::string&>());
    case json::value_t::boolean:
      return w.boolean(doc.get<bool>());
    case json::value_t::number_integer:
      return w.integer(doc.get<int64_t>());
    case json::value_t::number_unsigned:
      return w.unsignedInteger(doc.get<uint64_t>());
    case json::value_t::number_float:
      return w.number(doc.get<double>());
    default:
      return w.null();
  }
}

std::string written(const json& doc) {
  JsonWriter w;
  writeDoc(w, doc);
  return w.take();
}

std::string writtenString(std::string_view s) {
  JsonWriter w;
  w.string(s);
  return w.take();
}

TEST(JsonWriter, EveryByteBelowSpaceAndTheTwoThatAreEscaped) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string s = "a" + std::string(1, static_cast<char>(c)) + "b";
    EXPECT_EQ(writtenString(s), dumped(json(s))) << "byte " << c;
  }
  EXPECT_EQ(writtenString("line\nnext \"quoted\" back\\slash\ttab"),
            R"("line\nnext \"quoted\" back\\slash\ttab")");
  EXPECT_EQ(writtenString(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
}

TEST(JsonWriter, WellFormedUtf8IsCopied) {
  for (const std::string s : {"Zürich", "€ 12,50", "日本語", "emoji \xF0\x9F\x98\x80 ok",
                              "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF", "\xED\x9F\xBF", "\xE0\xA0\x80"}) {
    EXPECT_EQ(writtenString(s), "\"" + s + "\"");
    EXPECT_EQ(writtenString(s), dumped(json(s)));
  }
}

TEST(JsonWriter, BadUtf8IsReplacedAsNlohmannDoes) {
  for (const std::string s :
       {"\x80", "a\xBFz", "\xC0\x80", "\xC1\xBF", "\xC2", "x\xC2", "\xC2z", "\xE0\x80\x80",
        "\xE0\xA0", "\xED\xA0\x80",  // a surrogate
        "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xFE\xFF",
        "ok \xE2\x82 then \"quote\"\n", "\xF0\x9F\x98", "\xE2\x82\xAC\x80"}) {
    EXPECT_EQ(writtenString(s), dumped(json(s)))
        << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
  }
  // In a key as well, and the writer goes on after it.
  JsonWriter w;
  w.beginObject();
  w.key("k\xFF");
  w.integer(1);
  w.key("l");
  w.string("\xC3");
  w.endObject();
  EXPECT_EQ(w.text(), dumped(json{{"k\xFF", 1}, {"l", "\xC3"}}));
}

TEST(JsonWriter, Numbers) {
  for (const json& n : {json(0), json(-1), json(INT64_MIN), json(INT64_MAX), json(UINT64_MAX),
                        json(0.0), json(-0.5), json(1e300), json(3.0), json(0.1),
                        json(std::numeric_limits<double>::quiet_NaN()),
                        json(std::numeric_limits<double>::infinity())})
    EXPECT_EQ(written(n), dumped(n));
}

TEST(JsonWriter, CommasAndColonsInNestedContainers) {
  const json doc = json::parse(R"({"a": [], "b": {}, "c": [1, [2, 3], {"d": null}],
                                   "e": {"f": {"g": [true, false]}}, "h": "i"})");
  EXPECT_EQ(written(doc), dumped(doc));
  EXPECT_EQ(written(json::array()), "[]");
  JsonWriter w;
  w.document(doc);
  EXPECT_EQ(w.text(), dumped(doc));
}

json randomDoc(std::mt19937_64& rng, int depth) {
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const auto text = [&] {
    std::string s;
    const int n = pick(8);
    for (int i = 0; i < n; ++i) {
      // Mostly plain letters, some escapes and multi-byte characters, a few stray bytes.
      static const std::vector<std::string> parts = {
          "a", "Z", " ", "\"", "\\", "\n", "\x01", "é", "€", "\xF0\x9F\x98\x80", "\xFF", "/"};
      s += parts[static_cast<size_t>(pick(static_cast<int>(parts.size())))];
    }
    return s;
  };
  switch (depth <= 0 ? pick(5) : pick(7)) {
    case 0:
      return nullptr;
    case 1:
      return pick(2) == 0;
    case 2:
      return static_cast<int64_t>(rng()) >> pick(64);
    case 3:
      return static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000) / 64.0;
    case 4:
      return text();
    case 5: {
      json a = json::array();
      for (int i = pick(5); i > 0; --i)
        a.push_back(randomDoc(rng, depth - 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int i = pick(5); i > 0; --i)
        o[text()] = randomDoc(rng, depth - 1);
      return o;
    }
  }
}

TEST(JsonWriter, SeededRandomDocumentsReadTheSame) {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 2000; ++i) {
    const json doc = randomDoc(rng, 4);
    ASSERT_EQ(written(doc), dumped(doc)) << "document " << i;
  }
}

}  // namespace
}  // namespace rflow::runtime
