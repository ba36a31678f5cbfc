// The wire encoding's JSON Schemas (wire_schema.h) and the connector contracts built on
// them: the decimal pattern agrees with Decimal::parse, records say what decode needs,
// optionals and $refs are nullable the way OpenAPI 3.0 validators read it, and a
// connector's document states the request, the header and the retried statuses. That
// real bodies fit the schemas is checked by tests/contracts (ajv against recorded
// exchanges).
#include "runtime/wire_schema.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/decimal.h"
#include "driver/build.h"
#include "driver/docs.h"
#include "runtime/connector_contract.h"
#include "runtime_test_util.h"

namespace rflow::runtime {
namespace {

using nlohmann::json;
using testing::recordType;
using testing::sampleModule;

TEST(WireSchema, TheDecimalPatternIsDecimalParsesGrammar) {
  const std::regex pattern{std::string(kDecimalPattern)};
  for (const char* text : {"0",  "12.50", "-3",  "-0.075", "1_000.50", "1_0_0", "0.0_1", "12.",
                           ".5", "+1",    "1e5", "1__0",   "_1",       "1_",    "1._5",  " 1",
                           "1 ", "",      "-",   "--1",    "1.2.3",    "0x10",  "١٢"}) {
    const bool parses = base::Decimal::parse(text).ok();
    EXPECT_EQ(std::regex_match(text, pattern), parses) << '"' << text << '"';
  }
}

TEST(WireSchema, RecordsRequireWhatDecodeNeedsAndRefuseOtherKeys) {
  WireSchemas schemas(sampleModule());
  const json ref = schemas.schema(recordType(sampleModule(), "Order"));
  ASSERT_EQ(ref, (json{{"$ref", "#/components/schemas/shop.orders.Order"}}));
  const json order = schemas.components()["shop.orders.Order"];
  EXPECT_EQ(order["type"], "object");
  EXPECT_EQ(order["additionalProperties"], false);
  // Defaults (priority, express, labels) and optionals (note) may be left out.
  EXPECT_EQ(order["required"], (json{"id", "lines", "total", "rate", "tags", "placed_at", "window",
                                     "buyer", "approver", "owner"}));
  const json& p = order["properties"];
  EXPECT_EQ(p["total"]["properties"]["amount"]["pattern"], std::string(kDecimalPattern));
  EXPECT_EQ(p["total"]["required"], (json{"amount", "currency"}));
  EXPECT_EQ(p["total"]["additionalProperties"], false);
  EXPECT_EQ(p["rate"]["type"], "string");
  EXPECT_EQ(p["note"], (json{{"type", "string"}, {"nullable", true}}));
  EXPECT_EQ(p["placed_at"]["format"], "date-time");
  EXPECT_EQ(p["window"]["type"], "integer");
  EXPECT_EQ(p["tags"]["additionalProperties"]["type"], "integer");
  EXPECT_EQ(p["lines"]["items"]["$ref"], "#/components/schemas/shop.orders.Line");
  EXPECT_EQ(p["priority"]["$ref"], "#/components/schemas/shop.orders.Priority");
  EXPECT_EQ(p["approver"]["enum"],
            (json{"StoreManager", "Buyer", "shop.orders.StoreManager", "shop.orders.Buyer"}));
  EXPECT_EQ(p["owner"]["anyOf"].size(), 3u);
  // The records and enums met on the way are components too.
  EXPECT_EQ(schemas.components()["shop.orders.Priority"],
            (json{{"type", "string"}, {"enum", {"Low", "Medium", "High"}}}));
  EXPECT_TRUE(schemas.components().contains("shop.orders.Line"));
}

TEST(WireSchema, OptionalRefsAndRecursiveRecords) {
  WireSchemas schemas(sampleModule());
  const uint32_t decl = sampleModule().types[recordType(sampleModule(), "Everything")].decl;
  const json everything = schemas.components()[schemas.recordRef(decl)];
  const json& p = everything["properties"];
  // A $ref takes no `nullable`: anyOf the ref and null.
  EXPECT_EQ(p["maybe_line"],
            (json{{"anyOf", {{{"$ref", "#/components/schemas/shop.orders.Line"}}, nullSchema()}}}));
  EXPECT_EQ(p["maybe"], (json{{"type", "integer"}, {"format", "int64"}, {"nullable", true}}));
  // Node refers to itself through its children: one component, referred to.
  const json node = schemas.components()["shop.orders.Node"];
  EXPECT_EQ(node["properties"]["children"]["items"]["$ref"],
            "#/components/schemas/shop.orders.Node");
  const json required = everything["required"];
  EXPECT_EQ(std::find(required.begin(), required.end(), "maybe"), required.end());
  EXPECT_NE(std::find(required.begin(), required.end(), "tree"), required.end());
}

TEST(WireSchema, DocCommentsBecomeDescriptions) {
  const std::string source = R"rflow(module shop.docs

/// How urgent a request is.
enum Urgency {
  /// Today.
  Now
  Later
}

/// A request for stock.
record Request {
  /// Units wanted.
  qty: int
  urgency: Urgency
}

connector erp {
  /// Files a request.
  fn file(r: Request) -> string
}
)rflow";
  source::SourceSet sources;
  sources.add("docs.rflow", source);
  compiler::BuildResult built = compiler::buildSources(sources);
  ASSERT_TRUE(built.ok());
  const DocTable docs = compiler::collectDocs(built.check.program);
  EXPECT_EQ(docs.at("shop.docs.Request.qty"), "Units wanted.");
  EXPECT_EQ(docs.at("shop.docs.erp.file"), "Files a request.");
  WireSchemas schemas(*built.module, &docs);
  schemas.schema(recordType(*built.module, "Request"));
  const json request = schemas.components()["shop.docs.Request"];
  EXPECT_EQ(request["description"], "A request for stock.");
  EXPECT_EQ(request["properties"]["qty"]["description"], "Units wanted.");
  // Beside a $ref a description needs a wrapper; here there is none to give.
  EXPECT_EQ(request["properties"]["urgency"]["$ref"], "#/components/schemas/shop.docs.Urgency");
  EXPECT_EQ(schemas.components()["shop.docs.Urgency"]["description"],
            "How urgent a request is.\n\n- `Now`: Today.");
}

TEST(ConnectorContract, StatesTheRequestTheHeaderTheResultAndTheRetries) {
  const bytecode::Module& m = sampleModule();
  auto found = findConnector(m, "erp");
  ASSERT_TRUE(std::holds_alternative<uint32_t>(found));
  ConnectorContractInput input;
  input.module = &m;
  input.connector = std::get<uint32_t>(found);
  input.version = "abc";
  const json doc = connectorContract(input);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["info"]["version"], "abc");
  const json op = doc["paths"]["/post_invoice"]["post"];
  EXPECT_EQ(op["parameters"][0]["name"], "Idempotency-Key");
  EXPECT_EQ(op["parameters"][0]["required"], true);
  const json body = op["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_EQ(body["required"], (json{"args", "instance", "workflow"}));
  EXPECT_EQ(body["properties"]["args"]["required"], (json{"number", "total", "lines"}));
  EXPECT_EQ(op["responses"]["2XX"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/shop.orders.Order");
  for (const char* status : {"408", "429", "5XX", "4XX", "3XX"})
    EXPECT_TRUE(op["responses"].contains(status)) << status;
  EXPECT_NE(op["responses"]["5XX"]["description"].get<std::string>().find("Retried"),
            std::string::npos);
  EXPECT_NE(op["responses"]["4XX"]["description"].get<std::string>().find("not retried"),
            std::string::npos);
  EXPECT_TRUE(doc["components"]["schemas"].contains("shop.orders.Line"));
  EXPECT_EQ(doc["paths"].size(), 5u);
}

TEST(ConnectorContract, AnUnknownConnectorIsNamedWithTheKnownOnes) {
  auto found = findConnector(sampleModule(), "ermp");
  ASSERT_TRUE(std::holds_alternative<std::string>(found));
  EXPECT_EQ(std::get<std::string>(found),
            "the project declares no connector `ermp` (did you mean `erp`?); its connectors are "
            "`shop.orders.erp`, `shop.orders.wms`");
}

}  // namespace
}  // namespace rflow::runtime
