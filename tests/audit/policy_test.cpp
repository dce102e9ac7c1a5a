// Policy files: the bundled policy parses and matches its compiled-in copy; malformed policies are
// rejected with errors naming the file, the key and (where known) the line.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "audit/policy/policy.h"
#include "weights/core/error.h"

using namespace lineage::audit;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The error message of parsing `text`, "" when it parses.
std::string error_of(const std::string& text) {
    try {
        parse_policy(text, "p.toml");
    } catch (const lineage::InputError& e) {
        return e.what();
    }
    return "";
}

const char* kMinimal = R"(schema = 1
[policy]
name = "mine"
version = "2"
[[rules]]
id = "r1"
severity = "fail"
kind = "weight-lineage"
relations = ["derived"]
)";

}  // namespace

TEST_CASE("the bundled policy file parses, and the compiled-in copy is identical") {
    std::string path = std::string(LINEAGE_SOURCE_DIR) + "/policies/independent-foundation.toml";
    std::string text = read(path);
    REQUIRE(!text.empty());
    CHECK(text == builtin_policy_text());
    Policy p = load_policy(path);
    CHECK(p.name == "independent-foundation");
    CHECK(p.version == "1.1.0");
    CHECK(p.derived_alpha == doctest::Approx(1e-6));
    CHECK(p.bonferroni);
    CHECK(p.require_power);
    CHECK(p.inconclusive_components == InconclusivePolicy::inconclusive);
    CHECK(p.uncompared_components == InconclusivePolicy::ignore);
    REQUIRE(p.rules.size() == 5);
    CHECK(p.rules[0].severity == Severity::fail);
    CHECK(p.rules[0].kind == FindingKind::weight_lineage);
    CHECK(p.rules[1].severity == Severity::warn);
    CHECK(p.rules[1].kind == FindingKind::weight_lineage);
    CHECK(p.rules[1].relations == std::vector<std::string>{"not-compared"});
    CHECK(p.rules[2].severity == Severity::warn);
    CHECK(p.rules[2].kind == FindingKind::tokenizer);
    CHECK(p.rules[4].severity == Severity::inform);
    CHECK(p.rules[4].kind == FindingKind::behaviour);
    CHECK(!p.rules[1].description_ko.empty());
    CHECK(!p.rules[2].description_ko.empty());
    CHECK(p.digest.rfind("sha256:", 0) == 0);
    CHECK(p.digest.size() == 7 + 64);
    Policy b = builtin_policy();
    CHECK(b.digest == p.digest);
    CHECK(b.source == "builtin:independent-foundation");
}

TEST_CASE("a minimal policy takes the documented defaults") {
    Policy p = parse_policy(kMinimal, "p.toml");
    CHECK(p.name == "mine");
    CHECK(p.derived_alpha == doctest::Approx(1e-6));
    CHECK(p.require_power);
    CHECK(p.rules.size() == 1);
    CHECK(p.rules[0].components.empty());
}

TEST_CASE("malformed policies are rejected naming file and key") {
    std::string base = kMinimal;
    SUBCASE("TOML syntax error with line and column") {
        std::string e = error_of("schema = 1\n[policy\nname = 1\n");
        CHECK(e.rfind("p.toml:2:", 0) == 0);
        CHECK(e.find("TOML syntax error") != std::string::npos);
    }
    SUBCASE("missing schema") {
        CHECK(error_of("[policy]\nname=\"a\"\n").find("key 'schema'") != std::string::npos);
    }
    SUBCASE("unsupported schema") {
        CHECK(error_of("schema = 2\n" + base.substr(base.find('\n') + 1))
                  .find("unsupported policy schema") != std::string::npos);
    }
    SUBCASE("unknown top-level key") {
        std::string e = error_of(base + "colour = \"red\"\n");
        // A key after [[rules]] belongs to the rule table.
        CHECK(e.find("key 'rules[0].colour': unknown key") != std::string::npos);
    }
    SUBCASE("unknown key in [policy]") {
        std::string t = base;
        t.insert(t.find("version"), "nmae = \"x\"\n");
        std::string e = error_of(t);
        CHECK(e.find("p.toml:") == 0);
        CHECK(e.find("key 'policy.nmae': unknown key") != std::string::npos);
    }
    SUBCASE("missing policy name") {
        std::string t = base;
        t.erase(t.find("name = \"mine\"\n"), 14);
        CHECK(error_of(t).find("key 'policy.name': missing") != std::string::npos);
    }
    SUBCASE("bad severity names the line") {
        std::string t = base;
        t.replace(t.find("\"fail\""), 6, "\"error\"");
        std::string e = error_of(t);
        CHECK(e.find("p.toml:7: key 'rules[0].severity': expected one of fail, warn, inform (got "
                     "\"error\")") == 0);
    }
    SUBCASE("unknown finding kind") {
        std::string t = base;
        t.replace(t.find("\"weight-lineage\""), 16, "\"weights\"");
        CHECK(error_of(t).find("key 'rules[0].kind': expected one of weight-lineage, tokenizer") !=
              std::string::npos);
    }
    SUBCASE("relation not valid for the kind") {
        std::string t = base;
        t.replace(t.find("[\"derived\"]"), 11, "[\"derived\", \"extended\"]");
        CHECK(error_of(t).find("key 'rules[0].relations[1]': \"extended\" is not a relation of "
                               "kind weight-lineage") != std::string::npos);
    }
    SUBCASE("wrong types") {
        std::string t = base;
        t.replace(t.find("version = \"2\""), 13, "version = 2");
        CHECK(error_of(t).find("key 'policy.version': expected a string") != std::string::npos);
        std::string u = base;
        u.replace(u.find("[\"derived\"]"), 11, "\"derived\"");
        CHECK(error_of(u).find("key 'rules[0].relations': expected an array of strings") !=
              std::string::npos);
    }
    SUBCASE("empty relations and no rules") {
        std::string t = base;
        t.replace(t.find("[\"derived\"]"), 11, "[]");
        CHECK(error_of(t).find("key 'rules[0].relations': must not be empty") != std::string::npos);
        CHECK(error_of("schema = 1\n[policy]\nname = \"a\"\nversion = \"1\"\n")
                  .find("key 'rules': missing") != std::string::npos);
    }
    SUBCASE("duplicate rule id") {
        std::string t = base + base.substr(base.find("[[rules]]"));
        CHECK(error_of(t).find("duplicate rule id \"r1\"") != std::string::npos);
    }
    SUBCASE("decision values out of range") {
        std::string t = base + "[decision]\nderived_alpha = 1.5\n";
        // [decision] after [[rules]] is still a top-level table in TOML.
        CHECK(error_of(t).find("key 'decision.derived_alpha': must lie strictly between 0 and 1") !=
              std::string::npos);
        std::string u = base + "[decision]\ninconclusive_components = \"maybe\"\n";
        CHECK(error_of(u).find("expected one of inconclusive, ignore") != std::string::npos);
        std::string x = base + "[decision]\nuncompared_components = \"pass\"\n";
        CHECK(error_of(x).find("key 'decision.uncompared_components': expected one of "
                               "inconclusive, ignore (got \"pass\")") != std::string::npos);
        std::string w = base + "[decision]\nrequire_power = \"yes\"\n";
        CHECK(error_of(w).find("key 'decision.require_power': expected true or false") !=
              std::string::npos);
    }
    SUBCASE("invalid identifiers") {
        std::string t = base;
        t.replace(t.find("id = \"r1\""), 9, "id = \"R 1\"");
        CHECK(error_of(t).find("key 'rules[0].id': must be") != std::string::npos);
    }
}

TEST_CASE("policy files: missing, too large") {
    CHECK_THROWS_WITH_AS(load_policy("/nonexistent/p.toml"),
                         doctest::Contains("/nonexistent/p.toml: policy file not found"),
                         lineage::InputError);
}

TEST_CASE("glob matching and rule matching") {
    CHECK(glob_match("*", ""));
    CHECK(glob_match("*", "layers.3.mlp"));
    CHECK(glob_match("layers.*.mlp", "layers.12.mlp"));
    CHECK_FALSE(glob_match("layers.*.mlp", "layers.12.attention"));
    CHECK(glob_match("layers.?.attention", "layers.3.attention"));
    CHECK_FALSE(glob_match("layers.?.attention", "layers.13.attention"));
    CHECK(glob_match("vision*", "vision"));
    Rule r{"x", Severity::fail, FindingKind::weight_lineage, {"derived"}, {"layers.*"}, "", ""};
    CHECK(rule_matches(r, FindingKind::weight_lineage, "derived", "layers.0.mlp"));
    CHECK_FALSE(rule_matches(r, FindingKind::weight_lineage, "derived", "embeddings"));
    CHECK_FALSE(rule_matches(r, FindingKind::weight_lineage, "independent", "layers.0.mlp"));
    CHECK_FALSE(rule_matches(r, FindingKind::tokenizer, "derived", "layers.0.mlp"));
}
