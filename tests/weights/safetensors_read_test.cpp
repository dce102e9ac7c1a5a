// Reading files written by the reference implementation (tests/data/safetensors, made by
// tools/fixtures/make_safetensors_fixtures.py): every dtype's fp32 values match what torch gives,
// metadata is kept, and the content digest does not change with sharding or header order.
#include <doctest/doctest.h>

#include <cmath>

#include "weights/checkpoint.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"
#include "weights/digest.h"

using namespace lineage::weights;

namespace {
const std::string kData = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/safetensors";

bool same(float got, const lineage::JsonValue& want) {
    if (want.is_string()) {
        const auto& s = want.as_string();
        if (s == "nan") return std::isnan(got);
        if (s == "inf") return got == std::numeric_limits<float>::infinity();
        if (s == "-inf") return got == -std::numeric_limits<float>::infinity();
        return false;
    }
    return got == static_cast<float>(want.as_double());
}
}  // namespace

TEST_CASE("every dtype written by the safetensors library converts to torch's fp32 values") {
    const auto cp = Checkpoint::open(kData + "/all_dtypes.safetensors");
    const auto expected = lineage::JsonValue::parse_file(kData + "/expected.json");
    const auto& tensors = expected.find("tensors")->as_object();
    CHECK(cp.tensors().size() == tensors.size());
    for (const auto& [name, want] : tensors) {
        INFO("tensor " << name);
        const TensorInfo& t = cp.at(name);
        std::vector<std::int64_t> shape;
        for (const auto& d : want.find("shape")->as_array()) shape.push_back(d.as_int());
        CHECK(t.shape == shape);
        const auto* values = want.find("values");
        if (!values) {
            CHECK_THROWS_AS(read_f32(t), lineage::UnsupportedError);
            continue;
        }
        const auto got = read_f32(t);
        REQUIRE(got.size() == values->as_array().size());
        for (std::size_t i = 0; i < got.size(); ++i)
            if (!same(got[i], values->as_array()[i])) FAIL_CHECK(name << "[" << i << "] = " << got[i]);
    }
    REQUIRE(cp.file_metadata().size() == 1);
    const auto& meta = cp.file_metadata()[0];
    CHECK(std::find(meta.begin(), meta.end(), std::pair<std::string, std::string>("format", "pt")) != meta.end());
    CHECK(cp.at("scalar").num_elements == 1);
    CHECK(cp.at("empty").num_elements == 0);
    CHECK_THROWS_AS(cp.at("nope"), lineage::InputError);
    CHECK(cp.find("nope") == nullptr);
}

TEST_CASE("sharded and single-file copies hold the same content") {
    const auto sharded = Checkpoint::open(kData + "/sharded");
    const auto single = Checkpoint::open(kData + "/single");
    CHECK(sharded.files().size() == 2);
    CHECK(sharded.index_file().has_value());
    CHECK(single.files().size() == 1);
    CHECK(sharded.tensors().size() == single.tensors().size());
    CHECK(content_digest(sharded.tensors()) == content_digest(single.tensors()));
    CHECK(sha256_file(sharded.files()[0]) != sha256_file(single.files()[0]));
    REQUIRE(sharded.config().has_value());
    CHECK(sharded.config()->hidden_size == 8);
    CHECK(sharded.config()->num_kv_heads == 1);
    // Tensors are sorted by name and are views into the mapped files.
    for (std::size_t i = 1; i < sharded.tensors().size(); ++i)
        CHECK(sharded.tensors()[i - 1].name < sharded.tensors()[i].name);
    const auto& a = sharded.at("lm_head.weight");
    const auto& b = single.at("lm_head.weight");
    CHECK(read_f32(a) == read_f32(b));
}

TEST_CASE("sha256_file matches a known digest") {
    const std::string empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    CHECK(sha256_hex({}) == empty_sha);
}
