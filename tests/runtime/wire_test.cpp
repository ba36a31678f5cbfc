// The wire encoding: round trips for every type, the exact forms written, and every
// error path with its words.
#include "runtime/wire.h"

#include <gtest/gtest.h>

#include "base/time_text.h"
#include "bytecode/names.h"
#include "runtime/connector.h"
#include "runtime/json_writer.h"
#include "runtime_test_util.h"
#include "vm/limits.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::runtime {
namespace {

using nlohmann::json;
using testing::fieldType;
using testing::recordType;
using testing::sampleModule;
using testing::typeNamed;
using vm::Value;

const bytecode::Module& M() {
  return sampleModule();
}

bytecode::TypeId everything(std::string_view field) {
  return fieldType(M(), "Everything", field);
}

// encode, checked against its text twin: writeValue writes what the document dumps to.
json encodeBoth(const Value& v, bytecode::TypeId type, const bytecode::Module& m) {
  json doc = encode(v, type, m);
  JsonWriter w;
  writeValue(w, v, type, m);
  EXPECT_EQ(w.text(), doc.dump(-1, ' ', false, json::error_handler_t::replace));
  return doc;
}

Value decodeOk(const json& j, bytecode::TypeId type, const bytecode::Module& m = M()) {
  auto r = decode(j, type, m);
  if (auto* e = std::get_if<WireError>(&r)) {
    ADD_FAILURE() << "decoding " << j.dump() << " as " << bytecode::typeName(m, type) << ": "
                  << e->text();
    return Value();
  }
  return std::get<Value>(std::move(r));
}

WireError decodeError(const json& j, bytecode::TypeId type, const bytecode::Module& m = M()) {
  auto r = decode(j, type, m);
  if (auto* e = std::get_if<WireError>(&r)) return *e;
  ADD_FAILURE() << "decoding " << j.dump() << " as " << bytecode::typeName(m, type)
                << " should fail";
  return {};
}

// decode, then encode: the JSON comes back exactly (the canonical form), and the value
// passes the VM's checks.
void roundTrip(const json& j, bytecode::TypeId type, const bytecode::Module& m = M()) {
  const Value v = decodeOk(j, type, m);
  EXPECT_EQ(vm::checkValue(v, m, type), std::nullopt);
  EXPECT_EQ(encodeBoth(v, type, m), j) << "type " << bytecode::typeName(m, type);
  // And the value survives encode/decode.
  EXPECT_TRUE(vm::valueEquals(decodeOk(encodeBoth(v, type, m), type, m), v));
}

json sampleOrder() {
  return json::parse(R"({
    "id": "SO-1",
    "lines": [
      {"sku": "SKU-1", "qty": 2, "unit_price": {"amount": "14.25", "currency": "USD"}},
      {"sku": "SKU-2", "qty": 1, "unit_price": {"amount": "0.50", "currency": "USD"}}
    ],
    "total": {"amount": "29.00", "currency": "USD"},
    "rate": "1.0850",
    "priority": "High",
    "note": null,
    "tags": {"b": 2, "a": 1},
    "placed_at": "2025-03-01T14:22:05.250Z",
    "window": 5400000,
    "buyer": "ann",
    "approver": "StoreManager",
    "owner": {"user": "bob"},
    "express": true,
    "labels": []
  })");
}

json sampleEverything() {
  return json::parse(R"({
    "flag": false,
    "count": -9223372036854775808,
    "ratio": "-0.075",
    "price": {"amount": "1000.00", "currency": "JPY"},
    "text": "Grüße, \"quoted\"\n🛒",
    "wait": -1500,
    "at": "1970-01-01T00:00:00Z",
    "who": "svc-integration",
    "role": "Buyer",
    "assignee": {"role": "StoreManager"},
    "level": "Low",
    "counts": [1, 2, 9223372036854775807],
    "nested": [[], ["a"], ["b", "c"]],
    "by_sku": {"SKU-1": {"amount": "4.10", "currency": "EUR"}},
    "maybe": 7,
    "maybe_line": null,
    "tree": {"name": "root", "children": [{"name": "leaf", "children": []}]}
  })");
}

TEST(Wire, TheSampleModuleBuilt) {
  ASSERT_FALSE(M().records.empty());
  ASSERT_EQ(M().roles.size(), 2u);
}

TEST(Wire, RoundTripEveryType) {
  roundTrip(sampleEverything(), recordType(M(), "Everything"));
  roundTrip(sampleOrder(), recordType(M(), "Order"));
  roundTrip(true, everything("flag"));
  roundTrip(0, everything("count"));
  roundTrip("12.50", everything("ratio"));
  roundTrip("0", everything("ratio"));
  roundTrip("123456789012345678901234.5678901234", everything("ratio"));
  roundTrip(json{{"amount", "0.30"}, {"currency", "USD"}}, everything("price"));
  roundTrip(json{{"amount", "-25.05825"}, {"currency", "KWD"}}, everything("price"));
  roundTrip("", everything("text"));
  roundTrip(0, everything("wait"));
  roundTrip("2026-11-27T06:00:00Z", everything("at"));
  roundTrip("ann", everything("who"));
  roundTrip("StoreManager", everything("role"));
  roundTrip(json{{"user", "StoreManager-in-training"}}, everything("assignee"));
  roundTrip("High", everything("level"));
  roundTrip(json::array(), everything("counts"));
  roundTrip(json::object(), everything("by_sku"));
  roundTrip(nullptr, everything("maybe"));
  roundTrip(
      json::parse(R"({"sku": "S", "qty": 0, "unit_price": {"amount": "1", "currency": "GBP"}})"),
      everything("maybe_line"));
}

TEST(Wire, ValuesBuiltByHandEncodeExactly) {
  EXPECT_EQ(encodeBoth(Value::integer(5000), everything("wait"), M()), json(5000));
  EXPECT_EQ(encodeBoth(Value::integer(1'764'223'200'250), everything("at"), M()),
            json("2025-11-27T06:00:00.250Z"));
  EXPECT_EQ(encodeBoth(Value::decimal(*base::Decimal::parse("20.0000")), everything("ratio"), M()),
            json("20.0000"));
  EXPECT_EQ(encodeBoth(Value::money(base::Money(*base::Decimal::parse("20.0000"),
                                                *base::CurrencyCode::parse("USD"))),
                       everything("price"), M()),
            json::parse(R"({"amount": "20.0000", "currency": "USD"})"));
  EXPECT_EQ(encodeBoth(Value::role(1), everything("role"), M()), json("Buyer"));
  EXPECT_EQ(encodeBoth(Value::role(0), everything("assignee"), M()),
            json::parse(R"({"role": "StoreManager"})"));
  EXPECT_EQ(encodeBoth(Value::string("ann"), everything("assignee"), M()),
            json::parse(R"({"user": "ann"})"));
  EXPECT_EQ(encodeBoth(Value(), everything("maybe"), M()), json(nullptr));
  EXPECT_EQ(encodeBoth(Value::integer(3), everything("maybe"), M()), json(3));
  // Maps come out in key order whatever order they went in.
  const Value m = Value::map(
      {{Value::string("b"), Value::integer(2)}, {Value::string("a"), Value::integer(1)}});
  EXPECT_EQ(encodeBoth(m, fieldType(M(), "Order", "tags"), M()).dump(), R"({"a":1,"b":2})");
}

TEST(Wire, TimeAcceptsOffsetsAndWritesUtc) {
  const Value v = decodeOk("2026-11-27T07:30:00+01:30", everything("at"));
  EXPECT_EQ(encodeBoth(v, everything("at"), M()), json("2026-11-27T06:00:00Z"));
  EXPECT_EQ(v.asInt(), *base::parseTime("2026-11-27T06:00:00Z"));
}

TEST(Wire, RecordDefaultsAndOptionals) {
  json order = sampleOrder();
  order.erase("priority");
  order.erase("express");
  order.erase("labels");
  order.erase("note");
  const Value v = decodeOk(order, recordType(M(), "Order"));
  const json back = encodeBoth(v, recordType(M(), "Order"), M());
  EXPECT_EQ(back["priority"], "Medium");
  EXPECT_EQ(back["express"], false);
  EXPECT_EQ(back["labels"], json::array({"new"}));
  EXPECT_EQ(back["note"], nullptr);  // encode writes every field

  order["note"] = "call first";
  EXPECT_EQ(
      encodeBoth(decodeOk(order, recordType(M(), "Order")), recordType(M(), "Order"), M())["note"],
      "call first");
}

TEST(Wire, AssigneeForms) {
  const auto type = everything("assignee");
  // A bare string: a declared role's name wins, anything else is a user's id.
  const Value role = decodeOk("Buyer", type);
  ASSERT_EQ(role.tag(), vm::Tag::kRole);
  EXPECT_EQ(role.asRole(), 1u);
  const Value qualified = decodeOk("shop.orders.Buyer", type);
  EXPECT_EQ(qualified.asRole(), 1u);
  const Value user = decodeOk("buyer", type);
  ASSERT_EQ(user.tag(), vm::Tag::kString);
  EXPECT_EQ(user.asString(), "buyer");
  // The object forms say which.
  EXPECT_EQ(decodeOk(json{{"role", "Buyer"}}, type).tag(), vm::Tag::kRole);
  const Value user_named_like_a_role = decodeOk(json{{"user", "Buyer"}}, type);
  ASSERT_EQ(user_named_like_a_role.tag(), vm::Tag::kString);
  EXPECT_EQ(encodeBoth(user_named_like_a_role, type, M()), (json{{"user", "Buyer"}}));
}

TEST(Wire, AssigneeErrors) {
  const auto type = everything("assignee");
  EXPECT_EQ(decodeError(json{{"role", "Buyer"}, {"user", "ann"}}, type).text(),
            "expected an assignee, {\"role\": \"Buyer\"} or {\"user\": \"ann\"}, found an object "
            "with other keys");
  EXPECT_EQ(decodeError(json{{"group", "x"}}, type).text(),
            "expected an assignee, {\"role\": \"Buyer\"} or {\"user\": \"ann\"}, found an object "
            "with other keys");
  EXPECT_EQ(decodeError(42, type).text(),
            "expected an assignee, {\"role\": \"Buyer\"} or {\"user\": \"ann\"}, found 42");
  EXPECT_EQ(decodeError(json{{"role", 1}}, type).text(), "`role`: expected a string, found 1");
  EXPECT_EQ(decodeError(json{{"user", ""}}, type).text(), "`user`: a user id cannot be empty");
  EXPECT_EQ(decodeError("", type).text(), "a user id cannot be empty");
}

TEST(Wire, RoleNames) {
  const auto type = everything("role");
  EXPECT_EQ(decodeOk("shop.orders.StoreManager", type).asRole(), 0u);
  {
    const WireError e = decodeError("StoreManger", type);
    EXPECT_EQ(
        e.text(),
        "expected a role, one of `Buyer`, `StoreManager`; found \"StoreManger\" (did you mean "
        "`StoreManager`?)");
  }
  EXPECT_EQ(decodeError(3, type).text(),
            "expected a role's name as a string like \"Buyer\", found 3");

  // Two roles with one declared name: only the qualified names work, and are written.
  bytecode::Module m = M();
  m.strings.push_back("shop.other.Buyer");
  m.roles.push_back({static_cast<bytecode::StringId>(m.strings.size() - 1), m.roles[1].title});
  EXPECT_EQ(decodeError("Buyer", type, m).text(),
            "`Buyer` names several roles (`shop.orders.Buyer`, `shop.other.Buyer`): write the "
            "qualified name");
  EXPECT_EQ(decodeOk("shop.other.Buyer", type, m).asRole(), 2u);
  EXPECT_EQ(encodeBoth(Value::role(2), type, m), json("shop.other.Buyer"));
  EXPECT_EQ(encodeBoth(Value::role(1), type, m), json("shop.orders.Buyer"));
  EXPECT_EQ(encodeBoth(Value::role(0), type, m), json("StoreManager"));
  EXPECT_EQ(decodeError("Buyer", everything("assignee"), m).text(),
            "`Buyer` names several roles (`shop.orders.Buyer`, `shop.other.Buyer`): write "
            "{\"role\": \"<qualified "
            "name>\"}");
}

TEST(Wire, ScalarErrors) {
  EXPECT_EQ(decodeError("true", everything("flag")).text(),
            "expected true or false, found \"true\"");
  EXPECT_EQ(decodeError(12.5, everything("count")).text(),
            "expected an int (a whole JSON number like 42), found 12.5 (which has a fraction or an "
            "exponent)");
  EXPECT_EQ(decodeError(12.0, everything("count")).text(),
            "expected an int (a whole JSON number like 42), found 12.0 (which has a fraction or an "
            "exponent)");
  EXPECT_EQ(decodeError("12", everything("count")).text(),
            "expected an int (a whole JSON number like 42), found \"12\"");
  EXPECT_EQ(decodeError(json::parse("9223372036854775808"), everything("count")).text(),
            "9223372036854775808 is out of range: an int is at most 9223372036854775807");
  EXPECT_EQ(decodeError(nullptr, everything("count")).text(),
            "expected an int (a whole JSON number like 42), found null");
  EXPECT_EQ(decodeError(12.5, everything("ratio")).text(),
            "expected a decimal as a string like \"12.50\", found 12.5 (decimals travel as "
            "strings, so that no "
            "digit is lost)");
  EXPECT_EQ(decodeError(true, everything("ratio")).text(),
            "expected a decimal as a string like \"12.50\", found true");
  EXPECT_TRUE(decodeError("1e5", everything("ratio"))
                  .text()
                  .starts_with("expected a decimal like \"12.50\", found "
                               "\"1e5\": "));
  EXPECT_TRUE(decodeError("", everything("ratio"))
                  .text()
                  .starts_with("expected a decimal like \"12.50\", found \"\": "));
  EXPECT_TRUE(decodeError(std::string(35, '9'), everything("ratio"))
                  .text()
                  .starts_with("expected a decimal"));
  EXPECT_EQ(decodeError(5, everything("text")).text(), "expected a string, found 5");
  EXPECT_EQ(
      decodeError("5s", everything("wait")).text(),
      "expected a duration in milliseconds (a whole JSON number like 5000 for 5s), found \"5s\"");
  EXPECT_EQ(decodeError("2026-11-27", everything("at")).text(),
            "expected a time as RFC 3339 text like \"2026-11-27T06:00:00Z\" (a date, `T`, a time "
            "and `Z` or an "
            "offset), found \"2026-11-27\"");
  EXPECT_EQ(decodeError(1764223200000, everything("at")).text(),
            "expected a time as RFC 3339 text like \"2026-11-27T06:00:00Z\", found 1764223200000");
  EXPECT_EQ(decodeError("", everything("who")).text(), "a user id cannot be empty");
  EXPECT_EQ(decodeError(7, everything("who")).text(),
            "expected a user id as a string like \"ann\", found 7");
  EXPECT_EQ(decodeError("Hgh", everything("level")).text(),
            "expected a member of `Priority`, one of `Low`, `Medium`, `High`; found \"Hgh\" (did "
            "you mean `High`?)");
  EXPECT_EQ(decodeError("Urgent", everything("level")).text(),
            "expected a member of `Priority`, one of `Low`, `Medium`, `High`; found \"Urgent\"");
  EXPECT_EQ(decodeError(2, everything("level")).text(),
            "expected a member of `Priority` as a string, one of `Low`, `Medium`, `High`; found 2");
}

TEST(Wire, MoneyErrors) {
  const auto type = everything("price");
  auto err = [&](const char* text) { return decodeError(json::parse(text), type).text(); };
  EXPECT_EQ(err(R"({"amount": "12.50", "currency": "US"})"),
            "`currency`: expected a 3-letter currency code, found \"US\"");
  EXPECT_EQ(err(R"({"amount": "12.50", "currency": "usd"})"),
            "`currency`: expected a 3-letter currency code, found \"usd\"");
  EXPECT_EQ(err(R"({"amount": "12.50", "currency": 840})"),
            "`currency`: expected a 3-letter currency code, found 840");
  EXPECT_EQ(err(R"({"amount": "12.50", "currency": "XYZ"})"),
            "`currency`: `XYZ` is not an ISO 4217 currency code");
  EXPECT_EQ(err(R"({"amount": 12.5, "currency": "USD"})"),
            "`amount`: expected the amount as a string like \"12.50\", found 12.5 (amounts travel "
            "as strings, so "
            "that no digit is lost)");
  EXPECT_TRUE(err(R"({"amount": "12.5.0", "currency": "USD"})")
                  .starts_with("`amount`: expected a decimal like \"12.50\", found \"12.5.0\": "));
  EXPECT_EQ(err(R"({"amount": "1"})"),
            "`currency`: missing: money is written {\"amount\": \"12.50\", \"currency\": \"USD\"}");
  EXPECT_EQ(err(R"({"currency": "USD"})"),
            "`amount`: missing: money is written {\"amount\": \"12.50\", \"currency\": \"USD\"}");
  EXPECT_EQ(err(R"({"amount": "1", "currency": "USD", "rate": "1"})"),
            "`rate`: money has only `amount` and `currency`, not `rate`");
  EXPECT_EQ(
      err(R"("12.50 USD")"),
      "expected money as {\"amount\": \"12.50\", \"currency\": \"USD\"}, found \"12.50 USD\"");
}

TEST(Wire, PathsToNestedErrors) {
  const auto order = recordType(M(), "Order");
  {
    json j = sampleOrder();
    j["lines"][1]["qty"] = "1";
    EXPECT_EQ(decodeError(j, order).text(),
              "`lines[1].qty`: expected an int (a whole JSON number like 42), found \"1\"");
  }
  {
    json j = sampleOrder();
    j["lines"][0]["unit_price"]["currency"] = "US";
    EXPECT_EQ(decodeError(j, order).text(),
              "`lines[0].unit_price.currency`: expected a 3-letter currency code, found \"US\"");
  }
  {
    json j = sampleOrder();
    j["tags"]["SKU 10"] = "x";
    EXPECT_EQ(decodeError(j, order).text(),
              "`tags[\"SKU 10\"]`: expected an int (a whole JSON number like 42), found \"x\"");
  }
  {
    json j = sampleOrder();
    j["owner"] = json{{"role", "Nope"}};
    EXPECT_EQ(decodeError(j, order).text(),
              "`owner.role`: expected a role, one of `Buyer`, `StoreManager`; found \"Nope\"");
  }
  {
    json j = sampleEverything();
    j["nested"][2][1] = 3;
    EXPECT_EQ(decodeError(j, recordType(M(), "Everything")).text(),
              "`nested[2][1]`: expected a string, found 3");
  }
  {
    json j = sampleEverything();
    j["tree"]["children"][0]["children"] = json::array({json{{"name", "x"}}});
    EXPECT_EQ(decodeError(j, recordType(M(), "Everything")).text(),
              "`tree.children[0].children[0].children`: missing: a `Node` needs `children` "
              "(list<shop.orders.Node>)");
  }
}

TEST(Wire, RecordErrors) {
  const auto order = recordType(M(), "Order");
  {
    json j = sampleOrder();
    j.erase("total");
    EXPECT_EQ(decodeError(j, order).text(), "`total`: missing: a `Order` needs `total` (money)");
  }
  {
    json j = sampleOrder();
    j["totl"] = j["total"];
    j.erase("total");
    EXPECT_EQ(decodeError(j, order).text(),
              "`totl`: `Order` has no field `totl` (did you mean `total`?); its fields are `id`, "
              "`lines`, `total`, "
              "`rate`, `priority`, `note`, `tags`, `placed_at`, `window`, `buyer`, `approver`, "
              "`owner` and 2 more");
  }
  {
    json j = sampleOrder();
    j["id"] = nullptr;  // null is none, and `id` is not optional
    EXPECT_EQ(decodeError(j, order).text(), "`id`: expected a string, found null");
  }
  EXPECT_EQ(decodeError(json::array(), order).text(),
            "expected a `Order` as an object, found a list");
  EXPECT_EQ(decodeError("SO-1", order).text(), "expected a `Order` as an object, found \"SO-1\"");
  {
    json j = sampleOrder();
    j["weird key"] = 1;
    EXPECT_TRUE(decodeError(j, order).text().starts_with(
        "`[\"weird key\"]`: `Order` has no field `weird key`"));
  }
}

TEST(Wire, ListAndMapErrors) {
  EXPECT_EQ(decodeError(json::object(), everything("counts")).text(),
            "expected a list, found an object");
  EXPECT_EQ(decodeError(json::array(), everything("by_sku")).text(),
            "expected an object (a map), found a list");
  EXPECT_EQ(decodeError(json::array({1, "2"}), everything("counts")).text(),
            "`[1]`: expected an int (a whole JSON number like 42), found \"2\"");
}

TEST(Wire, VoidNoneAndRun) {
  const bytecode::Module& m = M();
  const auto ping = m.ops[testing::opIndex(m, "erp", "ping")].result;
  ASSERT_EQ(m.types[ping].tag, bytecode::TypeTag::kVoid);
  // An op without a result may answer anything; it is none.
  EXPECT_TRUE(decodeOk(json{{"ok", true}}, ping).isNone());
  EXPECT_TRUE(decodeOk(nullptr, ping).isNone());
  EXPECT_EQ(encodeBoth(Value(), ping, m), json(nullptr));

  bytecode::Module with_run = m;
  with_run.types.push_back({bytecode::TypeTag::kRun, everything("count"), 0});
  with_run.types.push_back({bytecode::TypeTag::kNone, 0, 0});
  const auto run = static_cast<bytecode::TypeId>(with_run.types.size() - 2);
  const auto none = static_cast<bytecode::TypeId>(with_run.types.size() - 1);
  EXPECT_EQ(decodeError("i-1", run, with_run).text(),
            "a Run (a test's handle on an instance) cannot be sent over the wire");
  EXPECT_EQ(encodeBoth(Value::run("i-1"), run, with_run), json("i-1"));
  EXPECT_TRUE(decodeOk(nullptr, none, with_run).isNone());
  EXPECT_EQ(decodeError(0, none, with_run).text(), "expected null (none), found 0");
  EXPECT_EQ(decodeError(0, 99999, with_run).text(),
            "the module has no such type (a corrupt module)");
}

TEST(Wire, Limits) {
  // Recursive records make any depth expressible; the wire stops at kMaxWireDepth.
  auto tree = [](int levels) {
    json node = {{"name", "leaf"}, {"children", json::array()}};
    for (int i = 1; i < levels; ++i)
      node = {{"name", "n"}, {"children", json::array({node})}};
    return node;
  };
  const auto node = recordType(M(), "Node");
  // Each level is an object and a list: 32 levels are 63 nested JSON containers.
  roundTrip(tree(32), node);
  const WireError deep = decodeError(tree(33), node);
  EXPECT_EQ(deep.message, "the JSON nests deeper than 64 levels");
  EXPECT_EQ(deep.path.substr(0, 22), "children[0].children[0");

  const std::string big(vm::kMaxStringBytes + 1, 'x');
  EXPECT_EQ(decodeError(big, everything("text")).text(),
            "a string of 4194305 bytes is longer than the limit of 4194304");
  EXPECT_EQ(decodeError(std::string("\xff\xfe"), everything("text")).text(),
            "the string is not valid UTF-8");
  EXPECT_EQ(decodeError(json{{std::string("\xc0"), 1}}, fieldType(M(), "Order", "tags")).text(),
            "`[\"\\xc0\"]`: the string is not valid UTF-8");

  json long_list = json::array();
  for (size_t i = 0; i <= vm::kMaxListLength; ++i)
    long_list.push_back(0);
  EXPECT_EQ(decodeError(long_list, everything("counts")).text(),
            "a list of 1048577 items is longer than the limit of 1048576");
}

TEST(Wire, EncodeNeverCrashesOnAValueOfAnotherType) {
  // A precondition violation encodes the mismatched part from its tag.
  EXPECT_EQ(encodeBoth(Value::integer(5), everything("text"), M()), json(5));
  EXPECT_EQ(encodeBoth(Value::string("x"), everything("tree"), M()), json("x"));
  EXPECT_EQ(encodeBoth(Value::list({Value::string("a")}), everything("counts"), M()),
            json::array({"a"}));
  EXPECT_EQ(encodeBoth(Value::role(77), everything("role"), M()), json(nullptr));
  EXPECT_EQ(encodeBoth(Value::enumMember(99, 0), everything("level"), M()), json(nullptr));
  EXPECT_EQ(encodeBoth(Value::integer(1), 99999, M()), json(1));
}

TEST(Wire, Arguments) {
  const bytecode::Module& m = M();
  const bytecode::Workflow& place = m.workflows.at(0);
  ASSERT_EQ(place.params.size(), 2u);
  {
    auto r = decodeArguments(json{{"order", sampleOrder()}}, place.params, m);
    ASSERT_TRUE(std::holds_alternative<std::vector<Value>>(r)) << std::get<WireError>(r).text();
    const auto& values = std::get<std::vector<Value>>(r);
    ASSERT_EQ(values.size(), 2u);
    EXPECT_TRUE(values[1].isNone());  // `rush: bool?` may be left out
    const json back = encodeArguments(values, place.params, m);
    JsonWriter w;
    writeArguments(w, values, place.params, m);
    EXPECT_EQ(w.text(), back.dump());
    EXPECT_EQ(back["order"], sampleOrder());
    EXPECT_EQ(back["rush"], nullptr);
  }
  {
    auto r = decodeArguments(json{{"order", sampleOrder()}, {"rusj", true}}, place.params, m);
    EXPECT_EQ(
        std::get<WireError>(r).text(),
        "`rusj` is not a parameter (did you mean `rush`?); the parameters are `order`, `rush`");
  }
  {
    auto r = decodeArguments(json{{"rush", true}}, place.params, m);
    EXPECT_EQ(std::get<WireError>(r).text(),
              "`order`: missing: the parameter `order` (shop.orders.Order) needs a value");
  }
  {
    json order = sampleOrder();
    order["window"] = "90m";
    auto r = decodeArguments(json{{"order", order}}, place.params, m);
    EXPECT_EQ(std::get<WireError>(r).text(),
              "`order.window`: expected a duration in milliseconds (a whole JSON number like 5000 "
              "for 5s), found "
              "\"90m\"");
  }
  {
    auto r = decodeArguments(json::array(), place.params, m);
    EXPECT_EQ(std::get<WireError>(r).text(),
              "expected an object keyed by parameter name (`order`, `rush`), found a list");
  }
}

TEST(Wire, ParseJson) {
  EXPECT_EQ(std::get<json>(parseJson(R"({"a": [1, "]]]]"]})")),
            json::parse(R"({"a": [1, "]]]]"]})"));
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(std::holds_alternative<json>(parseJson("[\"" + std::string(1000, '[') + "\\\"\"]")));
  EXPECT_EQ(std::get<std::string>(parseJson(std::string(65, '[') + std::string(65, ']'))),
            "the JSON nests deeper than 64 levels");
  EXPECT_TRUE(std::holds_alternative<json>(parseJson(std::string(64, '[') + std::string(64, ']'))));
  // A million brackets never reach the parser.
  EXPECT_EQ(std::get<std::string>(parseJson(std::string(1'000'000, '{'))),
            "the JSON nests deeper than 64 levels");
  const std::string bad = std::get<std::string>(parseJson("{\"a\": nul}"));
  EXPECT_TRUE(bad.starts_with("the text is not JSON: parse error at line 1, column 10")) << bad;
  EXPECT_TRUE(std::get<std::string>(parseJson("")).starts_with("the text is not JSON: "));
  EXPECT_TRUE(std::get<std::string>(parseJson("\"\xff\"")).starts_with("the text is not JSON: "));
  EXPECT_EQ(std::get<std::string>(parseJson("[1, 2]", 5)),
            "the JSON text is 6 bytes, more than the limit of 5");
}

TEST(Wire, CallResultsAreCheckedAgainstTheOp) {
  const bytecode::Module& m = M();
  const uint32_t allocate = testing::opIndex(m, "wms", "allocate");
  EXPECT_EQ(opDisplayName(m, allocate), "wms.allocate");
  auto ok = decodeCallResult(
      json::parse(R"({"sku": "S", "qty": 3, "unit_price": {"amount": "1.00", "currency": "USD"}})"),
      allocate, m);
  ASSERT_TRUE(std::holds_alternative<Value>(ok)) << std::get<std::string>(ok);
  auto bad =
      decodeCallResult(json::parse(R"({"sku": "S", "qty": "3", "unit_price": null})"), allocate, m);
  EXPECT_EQ(std::get<std::string>(bad),
            "`wms.allocate`: the result does not fit `shop.orders.Line`: `qty`: expected an int (a "
            "whole JSON "
            "number like 42), found \"3\"");

  const uint32_t post = testing::opIndex(m, "erp", "post_invoice");
  const Value total =
      Value::money(base::Money(*base::Decimal::parse("10.00"), *base::CurrencyCode::parse("EUR")));
  const std::vector<Value> args = {Value::string("INV-1"), total, Value::list({})};
  const CallRequest r = makeCallRequest(m, post, args, "i-1", "shop.orders.Place", "i-1/3", 2500);
  EXPECT_EQ(r.connector, "shop.orders.erp");
  EXPECT_EQ(r.op, "post_invoice");
  EXPECT_EQ(
      r.args,
      json::parse(
          R"({"number": "INV-1", "total": {"amount": "10.00", "currency": "EUR"}, "lines": []})"));
  EXPECT_EQ(r.instance, "i-1");
  EXPECT_EQ(r.workflow, "shop.orders.Place");
  EXPECT_EQ(r.idempotency_key, "i-1/3");
  EXPECT_EQ(r.timeout_ms, 2500);
  EXPECT_EQ(callName(r), "erp.post_invoice");
}

TEST(Wire, ErrorText) {
  EXPECT_EQ((WireError{"", "boom"}).text(), "boom");
  EXPECT_EQ((WireError{"a.b[2]", "boom"}).text(), "`a.b[2]`: boom");
}

}  // namespace
}  // namespace rflow::runtime
