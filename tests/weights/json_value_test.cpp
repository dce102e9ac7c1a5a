// JsonValue: parse -> dump -> parse round trips, escaping, number forms, errors naming the source.
#include <doctest/doctest.h>

#include <cmath>

#include "weights/core/error.h"
#include "weights/core/json_parse.h"
#include "weights/core/json_value.h"

using lineage::JsonValue;

TEST_CASE("JSON round-trips values, key order and numbers") {
    const std::string text =
        R"({"b":1,"a":[true,false,null,-5,18446744073709551615,0.1,1e300,2.0],"s":"x\"\\\n\t\u0001é한"})";
    const auto v = JsonValue::parse(text, "t.json");
    CHECK(v.as_object()[0].first == "b");
    CHECK(v.find("a")->as_array()[4].as_uint() == 18446744073709551615ULL);
    CHECK(v.find("a")->as_array()[5].as_double() == 0.1);
    CHECK(v.find("a")->as_array()[7].is_integer() == false);
    CHECK(v.find("s")->as_string() == "x\"\\\n\t\x01é한");
    const auto dumped = v.dump();
    CHECK(dumped ==
          R"({"b":1,"a":[true,false,null,-5,18446744073709551615,0.1,1e+300,2.0],"s":"x\"\\\n\t\u0001é한"})");
    CHECK(JsonValue::parse(dumped, "again").dump() == dumped);
    CHECK(JsonValue::parse(v.dump(2), "pretty").dump() == dumped);
}

TEST_CASE("doubles print shortest and round-trip; non-finite becomes null") {
    for (double d : {0.1, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, -0.0, 123456789.125}) {
        const auto back = JsonValue::parse(JsonValue(d).dump(), "d").as_double();
        CHECK(back == d);
    }
    CHECK(JsonValue(std::nan("")).dump() == "null");
    CHECK(JsonValue(1.0).dump() == "1.0");
}

TEST_CASE("set, push and find") {
    JsonValue o;
    o.set("k", 1);
    o.set("k", "v");
    o.set("l", JsonValue::array()).push(3);
    CHECK(o.dump() == R"({"k":"v","l":[3]})");
    CHECK(o.find("missing") == nullptr);
    CHECK_THROWS_AS(o.as_array(), lineage::InternalError);
}

TEST_CASE("invalid JSON names its source") {
    try {
        JsonValue::parse("{\"a\":", "config.json");
        FAIL("accepted");
    } catch (const lineage::InputError& e) {
        CHECK(std::string(e.what()).starts_with("config.json: invalid JSON"));
    }
    CHECK_THROWS_AS(JsonValue::parse_file("/nonexistent/x.json"), lineage::InputError);
}

TEST_CASE("JsonValue reads integers beyond 64 bits as doubles, as Python's json does") {
    // transformers writes model_max_length = int(1e30) into tokenizer_config.json.
    const auto v = lineage::JsonValue::parse(
        R"({"model_max_length": 1000000000000000019884624838656, "id": "12345678901234567890123",
            "small": 42, "neg": -123456789012345678901234})",
        "tokenizer_config.json");
    REQUIRE(v.find("model_max_length") != nullptr);
    CHECK(v.find("model_max_length")->as_double() == doctest::Approx(1e30));
    CHECK(v.find("id")->as_string() == "12345678901234567890123");  // strings untouched
    CHECK(v.find("small")->is_integer());
    CHECK(v.find("small")->as_int() == 42);
    CHECK(v.find("neg")->as_double() == doctest::Approx(-1.2345678901234568e23));
    CHECK(lineage::widen_big_integers(R"([1, "99999999999999999999", 99999999999999999999])") ==
          R"([1, "99999999999999999999", 99999999999999999999.0])");
}
