// Shared pieces of the classifier tests (classifier_test_util.h).
#include "classifier_test_util.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <iterator>
#include <variant>

namespace rflow::classifier::testing {

namespace {

struct Templates {
  std::string_view label;
  std::vector<std::string_view> phrases;
};

// {x} is filled from kThings, {n} with a number.
const std::array<Templates, 4> kTemplates = {{
    {"Refrigeration",
     {"freezer in aisle {n} is warm and dripping", "fridge {n} not cold, {x} at 12C",
      "chiller unit alarm going off near {x}", "cold room temperature too high again",
      "ice building up in freezer {n}", "FRIDGE DOOR SEAL broken, {x} getting warm"}},
    {"Pricing",
     {"shelf label shows wrong price for {x}", "till charges {n}.99 but ticket says less",
      "promo price not scanning on {x}", "price tag missing on {x} in aisle {n}",
      "customer says {x} rings up at full price", "yellow sticker price wrong!!"}},
    {"Staffing",
     {"two cashiers called in sick for the {n}pm shift", "need cover for the night crew",
      "no one on the deli counter since {n}am", "rota short by {n} people this weekend",
      "new starter has no login for the tills", "manager off sick, who signs off {x}?"}},
    {"Damage",
     {"pallet of {x} dropped, glass everywhere", "roof leak damaged {x} stock in bay {n}",
      "forklift hit the racking in aisle {n}", "broken jars of {x} on the floor",
      "delivery arrived crushed, {n} cases of {x} ruined", "water damage to {x} boxes"}},
}};

constexpr std::array<std::string_view, 8> kThings = {"milk", "yoghurt", "ice cream", "pasta",
                                                     "wine", "cereal",  "chicken",   "bread"};

// SplitMix64, as in split.cpp: the same numbers on every standard library.
uint64_t next(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string fill(std::string_view phrase, uint64_t& state) {
  std::string out;
  for (size_t i = 0; i < phrase.size(); ++i) {
    if (phrase.substr(i, 3) == "{x}") {
      out += kThings[next(state) % kThings.size()];
      i += 2;
    } else if (phrase.substr(i, 3) == "{n}") {
      out += std::to_string(1 + next(state) % 12);
      i += 2;
    } else {
      out.push_back(phrase[i]);
    }
  }
  return out;
}

Model trainOnce(bool quantize) {
  const std::vector<Example> examples = generatedExamples(40);
  auto trained = train(examples, tinyOptions(quantize));
  if (auto* error = std::get_if<std::string>(&trained)) {
    ADD_FAILURE() << *error;
    std::abort();
  }
  return std::get<Model>(std::move(trained));
}

}  // namespace

std::vector<Example> generatedExamples(size_t per_label, uint64_t seed) {
  uint64_t state = seed;
  std::vector<Example> out;
  for (size_t i = 0; i < per_label; ++i) {
    for (const Templates& t : kTemplates) {
      const std::string_view phrase = t.phrases[next(state) % t.phrases.size()];
      out.push_back(Example{fill(phrase, state), std::string(t.label)});
    }
  }
  return out;
}

TrainOptions tinyOptions(bool quantize) {
  TrainOptions o = defaultTrainOptions();
  o.dim = 8;
  o.epoch = 20;
  o.bucket = 400;
  o.minn = 3;
  o.maxn = 4;
  o.threads = 1;
  o.seed = 7;
  o.quantize = quantize;
  o.cutoff = 300;
  return o;
}

const Model& quantizedModel() {
  static const Model model = trainOnce(true);
  return model;
}

const Model& denseModel() {
  static const Model model = trainOnce(false);
  return model;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path samplesDir() {
  return RFLOW_CLASSIFIER_SAMPLES;
}

}  // namespace rflow::classifier::testing
