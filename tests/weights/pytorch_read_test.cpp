// Reading files written by torch.save (tests/data/pytorch, made by make_fixtures.py there): every
// dtype, strided views, tied storage, parameters, nested training checkpoints, protocol 4, shards;
// minizoo B re-saved as pytorch_model.bin holds byte-for-byte the tensors of its safetensors file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "weights/checkpoint.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/pytorch_checkpoint.h"
#include "weights/formats/zip_archive.h"

using namespace lineage::weights;

namespace {
const std::string kData = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/pytorch";
const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo";
}  // namespace

TEST_CASE("torch.save of assorted tensors reads back with torch's shapes, dtypes and values") {
    const auto cp = Checkpoint::open(kData + "/assorted.pt");
    CHECK(cp.format() == "pytorch");
    const auto expected = lineage::JsonValue::parse_file(kData + "/assorted.json");
    const auto& tensors = expected.find("tensors")->as_object();
    CHECK(cp.tensors().size() == tensors.size());
    for (const auto& [name, want] : tensors) {
        INFO("tensor " << name);
        const TensorInfo& t = cp.at(name);
        CHECK(dtype_name(t.dtype) == want.find("dtype")->as_string());
        std::vector<std::int64_t> shape;
        for (const auto& d : want.find("shape")->as_array()) shape.push_back(d.as_int());
        CHECK(t.shape == shape);
        const auto got = read_f32(t);
        const auto& values = want.find("values")->as_array();
        REQUIRE(got.size() == values.size());
        for (std::size_t i = 0; i < got.size(); ++i)
            CHECK(got[i] == static_cast<float>(values[i].as_double()));
    }
    REQUIRE(cp.file_metadata().size() == 1);
    const auto& meta = cp.file_metadata()[0];
    CHECK(std::find(meta.begin(), meta.end(),
                    std::make_pair(std::string("pytorch.ignored_entries"), std::string("epoch"))) !=
          meta.end());
}

TEST_CASE("contiguous tensors are zero-copy views into the archive; tied weights share bytes") {
    const auto cp = Checkpoint::open(kData + "/assorted.pt");
    const auto map = MappedFile::open(kData + "/assorted.pt");
    // A second map of the file has other addresses: the view's file_offset must point at its bytes.
    const auto inside = [&](const TensorInfo& t) {
        return t.file_offset + t.bytes.size() <= map->size() &&
               std::memcmp(map->bytes().data() + t.file_offset, t.bytes.data(), t.bytes.size()) ==
                   0;
    };
    CHECK(inside(cp.at("view.slice")));
    CHECK(inside(cp.at("dtype.F32")));
    CHECK(cp.at("tied.embed").bytes.data() == cp.at("tied.lm_head").bytes.data());
    CHECK(cp.at("view.transposed").shape == std::vector<std::int64_t>{5, 6});
}

TEST_CASE("a training checkpoint's nested state_dict and a protocol-4 pickle are read") {
    const auto nested = Checkpoint::open(kData + "/nested.pt");
    CHECK(nested.tensors().size() == 2);
    CHECK(nested.at("w").shape == std::vector<std::int64_t>{2, 3});
    const auto p4 = Checkpoint::open(kData + "/protocol4.pt");
    const auto assorted = Checkpoint::open(kData + "/assorted.pt");
    CHECK(p4.tensors().size() == 4);
    for (const auto& t : p4.tensors()) CHECK(read_f32(t) == read_f32(assorted.at(t.name)));
}

TEST_CASE("sharded pytorch_model-*.bin folders follow pytorch_model.bin.index.json") {
    const auto cp = Checkpoint::open(kData + "/sharded");
    CHECK(cp.format() == "pytorch");
    CHECK(cp.files().size() == 2);
    REQUIRE(cp.index_file());
    CHECK(cp.index_file()->filename() == "pytorch_model.bin.index.json");
    CHECK(cp.at("lm_head.weight").dtype == DType::BF16);
    CHECK(cp.at("model.b.weight").dtype == DType::F16);
}

TEST_CASE("minizoo B saved by torch.save holds exactly the bytes of its safetensors file") {
    const auto bin = Checkpoint::open(kData + "/B-bin");
    const auto st = Checkpoint::open(kZoo + "/B");
    CHECK(bin.format() == "pytorch");
    CHECK(bin.files()[0].filename() == "pytorch_model.bin");
    REQUIRE(bin.tensors().size() == st.tensors().size());
    for (std::size_t i = 0; i < st.tensors().size(); ++i) {
        const auto& a = st.tensors()[i];
        const auto& b = bin.tensors()[i];
        INFO("tensor " << a.name);
        CHECK(a.name == b.name);
        CHECK(a.dtype == b.dtype);
        CHECK(a.shape == b.shape);
        REQUIRE(a.bytes.size() == b.bytes.size());
        CHECK(std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0);
    }
    REQUIRE(bin.config());
    CHECK(bin.config()->architecture == "Qwen3ForCausalLM");
}

TEST_CASE("the zip reader finds torch's entries, stored and aligned") {
    const auto map = MappedFile::open(kData + "/B-bin/pytorch_model.bin");
    const auto zip = ZipArchive::parse(map->bytes(), "B-bin");
    REQUIRE(zip.find("pytorch_model/data.pkl"));
    REQUIRE(zip.find("pytorch_model/byteorder"));
    for (const auto& e : zip.entries()) {
        CHECK(e.method == 0);
        if (e.name.find("/data/") != std::string::npos) CHECK(e.data_offset % 64 == 0);
    }
}
