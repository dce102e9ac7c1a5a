// The JSON record: schema fields, per-component records, sorted parameters, valid JSON even with
// hostile text, identical bytes on re-rendering.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <string>

#include "reports/render.h"
#include "reports/sample_report.h"

using namespace lineage::reports;

namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
    simdjson::dom::element doc;
    auto error = parser.parse(text).get(doc);
    REQUIRE_MESSAGE(!error, simdjson::error_message(error));
    return doc;
}

}  // namespace

TEST_CASE("JSON record carries the documented top-level fields") {
    std::string json = render_json(testing::sample_report());
    simdjson::dom::parser parser;
    auto doc = parse(parser, json);
    CHECK(std::string_view(doc["schema"]) == kSchemaName);
    CHECK(std::string_view(doc["schema_version"]) == kSchemaVersion);
    CHECK(std::string_view(doc["verdict"]) == "fail");
    CHECK(std::string_view(doc["policy"]["name"]) == "independent-foundation");
    CHECK(std::string_view(doc["language"]) == "en");

    simdjson::dom::array components = doc["components"];
    REQUIRE(components.size() == 4);
    auto first = components.at(0);
    CHECK(std::string_view(first["name"]) == "embeddings");
    CHECK(std::string_view(first["relation"]) == "derived");
    CHECK(std::string_view(first["source"]["base"]) == "llama-base");
    CHECK(std::string_view(first["source"]["component"]) == "embeddings");
    CHECK(double(first["p_value"]) == doctest::Approx(1e-12));
    auto second = components.at(1);
    CHECK(std::string_view(second["relation"]) == "independent");
    CHECK(second["source"].is_null());
    CHECK(std::string_view(second["power"]) == "3/3");
    auto third = components.at(2);
    CHECK(std::string_view(third["relation"]) == "inconclusive");
    CHECK(third["p_value"].is_null());
    CHECK(third["statistic"].is_null());
    CHECK(components.at(3)["p_value"].is_null());  // exact reuse: no statistic needed

    auto repro = doc["reproducibility"];
    CHECK(std::string_view(repro["tool"]["version"]) == "0.1.0");
    CHECK(std::string_view(repro["artifacts"].at(0)["digest"]) == "sha256:00ff");
    CHECK(repro["artifacts"].at(1)["digest"].is_null());
    CHECK(uint64_t(repro["seeds"]["shuffle"]) == 42);
    CHECK(std::string_view(doc["policy_findings"].at(0)["severity"]) == "fail");
}

TEST_CASE("JSON sorts parameters and seeds and is byte-identical on re-rendering") {
    std::string json = render_json(testing::sample_report());
    auto a = json.find("\"alpha\""), m = json.find("\"mid\""), z = json.find("\"zeta\"");
    CHECK(a < m);
    CHECK(m < z);
    CHECK(json.find("\"controls\"") < json.find("\"shuffle\""));
    CHECK(render_json(testing::sample_report()) == json);
}

TEST_CASE("JSON blocks: heatmap matrix with null for unmeasured cells, chart series, notes") {
    std::string json = render_json(testing::sample_report());
    simdjson::dom::parser parser;
    auto doc = parse(parser, json);
    simdjson::dom::array blocks = doc["sections"].at(0)["blocks"];
    bool heatmap = false, chart = false, note = false;
    for (auto b : blocks) {
        std::string_view type = b["type"];
        if (type == "heatmap") {
            heatmap = true;
            simdjson::dom::array rows = b["values"];
            CHECK(rows.size() == 3);
            CHECK(b["values"].at(1).at(3).is_null());
            CHECK(double(b["values"].at(2).at(3)) == doctest::Approx(0.97));
            CHECK(simdjson::dom::array(b["marked"]).size() == 3);
        } else if (type == "chart") {
            chart = true;
            CHECK(b["series"].at(1)["values"].at(1).is_null());
        } else if (type == "note") {
            note = true;
            CHECK(std::string_view(b["kind"]) == "pitfall");
        }
    }
    CHECK(heatmap);
    CHECK(chart);
    CHECK(note);
}

TEST_CASE("JSON escapes control characters and quotes") {
    Report r = testing::sample_report();
    r.verdict.reason = std::string("tab\tquote\"nul") + '\x01' + "end";
    std::string json = render_json(r);
    CHECK(json.find("tab\\tquote\\\"nul\\u0001end") != std::string::npos);
    simdjson::dom::parser parser;
    auto doc = parse(parser, json);
    CHECK(std::string_view(doc["verdict_reason"]) == r.verdict.reason);
}
