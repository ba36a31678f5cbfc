// normalize(): the one text shape of training, `rflow classify` and the runtime.
#include "runtime/classifier/text.h"

#include <gtest/gtest.h>

namespace rflow::classifier {
namespace {

TEST(Normalize, TheSpecExample) {
  EXPECT_EQ(normalize("Freezer in AISLE 4 is warm,  dripping!!"),
            "freezer in aisle 4 is warm , dripping ! !");
}

TEST(Normalize, Cases) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", ""},
      {"   \t\n ", ""},
      {"a", "a"},
      {"  leading and trailing  ", "leading and trailing"},
      {"tabs\tand\nnewlines\r\nand\vform\ffeeds", "tabs and newlines and form feeds"},
      {"don't", "don ' t"},
      {"$4.99/kg", "$ 4 . 99 / kg"},
      {"(aisle-7)", "( aisle - 7 )"},
      {"!!!", "! ! !"},
      {"a,b", "a , b"},
      {"x ,  ,y", "x , , y"},
      {"all of !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
       "all of ! \" # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \\ ] ^ _ ` { | } ~"},
      {"ABCXYZ abcxyz 0123", "abcxyz abcxyz 0123"},
      // UTF-8 is kept byte for byte: É is not ASCII, so not lower-cased.
      {"CAFÉ 10°C", "cafÉ 10°c"},
      {"Kühlschrank kaputt!", "kühlschrank kaputt !"},
      // NUL separates words, as it does for fastText.
      {std::string_view("a\0b", 3), "a b"},
      // Other control bytes stay inside their word.
      {"a\x01"
       "b",
       "a\x01"
       "b"},
  };
  for (const auto& [in, out] : cases)
    EXPECT_EQ(normalize(in), out) << "input: " << in;
}

TEST(Normalize, IsIdempotent) {
  for (std::string_view s : {"Freezer in AISLE 4 is warm,  dripping!!", "a.b.c", " x - y ",
                             "ÀÉ Ü,ß!", "..", "__label__X said: hi"}) {
    const std::string once = normalize(s);
    EXPECT_EQ(normalize(once), once);
  }
}

}  // namespace
}  // namespace rflow::classifier
