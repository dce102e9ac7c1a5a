// Hostile and malformed torch.save files are rejected with one clear error and no side effect:
// pickles that would run os.system / eval / unknown globals if Python unpickled them (made by
// tests/data/pytorch/make_fixtures.py with pickle.dumps of __reduce__ objects), pre-1.6 files,
// unsupported dtypes, truncations, and hand-built archives whose tensors overrun their storage.
#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>

#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/torch_pickle.h"
#include "weights/formats/zip_archive.h"

using namespace lineage;
using namespace lineage::weights;
namespace fs = std::filesystem;

namespace {
const std::string kData = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/pytorch";
const char* kMarker = "/tmp/lineage_evil_pickle_ran";

std::string error_of(const std::string& path) {
    try {
        Checkpoint::open(path);
    } catch (const InputError& e) {
        return std::string("input: ") + e.what();
    } catch (const UnsupportedError& e) {
        return std::string("unsupported: ") + e.what();
    }
    return "no error";
}

std::span<const std::byte> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A stored (uncompressed) zip of the given entries, as a test-side writer: no zip64.
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    auto le = [](std::string& out, std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    };
    std::string body, central;
    for (const auto& [name, data] : entries) {
        const auto offset = body.size();
        le(body, 0x04034b50, 4), le(body, 20, 2), le(body, 0, 2), le(body, 0, 2), le(body, 0, 4),
            le(body, 0, 4);
        le(body, data.size(), 4), le(body, data.size(), 4), le(body, name.size(), 2),
            le(body, 0, 2);
        body += name + data;
        le(central, 0x02014b50, 4), le(central, 20, 2), le(central, 20, 2), le(central, 0, 2),
            le(central, 0, 2);
        le(central, 0, 4), le(central, 0, 4), le(central, data.size(), 4),
            le(central, data.size(), 4);
        le(central, name.size(), 2), le(central, 0, 2), le(central, 0, 2), le(central, 0, 2),
            le(central, 0, 2);
        le(central, 0, 4), le(central, offset, 4);
        central += name;
    }
    std::string out = body + central;
    le(out, 0x06054b50, 4), le(out, 0, 2), le(out, 0, 2), le(out, entries.size(), 2),
        le(out, entries.size(), 2);
    le(out, central.size(), 4), le(out, body.size(), 4), le(out, 0, 2);
    return out;
}

std::string binunicode(const std::string& s) {
    std::string out = "X";
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((s.size() >> (8 * i)) & 0xFF));
    return out + s;
}

// data.pkl of {"w": _rebuild_tensor_v2(FloatStorage '0' of `numel`, offset, (d0,), (stride,),
// False, {})}.
std::string tensor_pickle(int numel, int offset, int d0, int stride, const std::string& key = "0") {
    auto k = [](int v) { return std::string("K") + static_cast<char>(v); };
    return std::string("\x80\x02}(") + binunicode("w") + "ctorch._utils\n_rebuild_tensor_v2\n((" +
           binunicode("storage") + "ctorch\nFloatStorage\n" + binunicode(key) + binunicode("cpu") +
           k(numel) + "tQ" + k(offset) + k(d0) + "\x85" + k(stride) + "\x85\x89}tRu.";
}

fs::path write_temp(const std::string& name, const std::string& bytes) {
    const fs::path dir = fs::temp_directory_path() / ("lineage_pt_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return dir / name;
}
}  // namespace

TEST_CASE("pickles that would run code or import unknown globals are refused, naming the global") {
    fs::remove(kMarker);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"evil_system.bin", "global 'posix.system' is not allowed"},
        {"evil_eval.bin", "global '__builtin__.eval' is not allowed"},
        {"evil_stack_global.bin", "global 'posix.system' is not allowed"},
        {"evil_unknown_global.bin", "global 'numpy.core.multiarray._reconstruct' is not allowed"},
        {"evil_inst.bin", "opcode 0x69 'i' is not allowed"},
        {"evil_reduce_storage.bin", "global 'torch.FloatStorage' cannot be called"},
    };
    for (const auto& [file, message] : cases) {
        INFO(file);
        const std::string err = error_of(kData + "/" + file);
        CHECK(err.rfind("input: ", 0) == 0);
        CHECK(err.find(kData + "/" + file) != std::string::npos);
        CHECK(err.find(message) != std::string::npos);
        CHECK(err.find('\n') == std::string::npos);
    }
    CHECK_FALSE(fs::exists(kMarker));
}

TEST_CASE("pre-1.6 torch files and dtypes without a DType are unsupported, with a hint") {
    const std::string legacy = error_of(kData + "/legacy.pt");
    CHECK(legacy.rfind("unsupported: ", 0) == 0);
    CHECK(legacy.find("legacy (pre-1.6, non-zip)") != std::string::npos);
    CHECK(legacy.find("safetensors") != std::string::npos);
    const std::string complex = error_of(kData + "/complex128.pt");
    CHECK(complex.rfind("unsupported: ", 0) == 0);
    CHECK(complex.find("torch.ComplexDoubleStorage") != std::string::npos);
}

TEST_CASE("every truncation of a real torch.save file is an InputError") {
    const auto map = MappedFile::open(kData + "/nested.pt");
    const std::string whole(reinterpret_cast<const char*>(map->bytes().data()), map->size());
    for (std::size_t n = 0; n < whole.size(); n += 7) {
        CAPTURE(n);
        CHECK_THROWS_AS(ZipArchive::parse(as_bytes(whole.substr(0, n)), "cut"), InputError);
    }
    const auto zip = ZipArchive::parse(map->bytes(), "nested.pt");
    const auto pkl = zip.data(*zip.find("nested/data.pkl"));
    const std::string pickle(reinterpret_cast<const char*>(pkl.data()), pkl.size());
    for (std::size_t n = 0; n < pickle.size(); ++n) {
        CAPTURE(n);
        CHECK_THROWS_AS(parse_torch_pickle(as_bytes(pickle.substr(0, n)), "cut"), InputError);
    }
}

TEST_CASE("malformed pickles are InputErrors") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"\x80\x02h\x05.", "memo entry 5 read before it was written"},
        {"\x80\x02u.", "no MARK"},
        {"\x80\x02}(K\x01u.", "odd number"},
        {"\x80\x02"
         "K\x01"
         "K\x02.",
         "STOP with 2 objects"},
        {"\x80\x02]K\x01K\x02s.", "SETITEM on an object that is not a dict"},
        {"\x80\x09.", "protocol 9"},
        {"\x80\x02K\x01.", "not a dict of tensors"},
        {tensor_pickle(4, 0, 2, 1, "../x"), "not a plain archive entry name"},
        {"\x80\x02"
         "ccollections\nOrderedDict\nK\x01\x85R.",
         "OrderedDict called with arguments"},
    };
    for (const auto& [pickle, message] : cases) {
        INFO(message);
        try {
            parse_torch_pickle(as_bytes(pickle), "p.pkl");
            FAIL("no error");
        } catch (const InputError& e) {
            CHECK(std::string(e.what()).find(message) != std::string::npos);
        }
    }
    // A well-formed one parses.
    const auto ok = parse_torch_pickle(as_bytes(tensor_pickle(4, 1, 3, 1)), "ok.pkl");
    REQUIRE(ok.tensors.size() == 1);
    CHECK(ok.tensors[0].storage_offset == 1);
    CHECK(ok.tensors[0].storage_bytes == 16);
}

TEST_CASE("archives whose tensors do not fit their storage are InputErrors") {
    const std::string storage(16, '\0');  // 4 floats
    const std::vector<std::pair<std::string, std::string>> cases = {
        {make_zip({{"a/data.pkl", tensor_pickle(4, 2, 3, 1)}, {"a/data/0", storage}}),
         "past the end of its storage"},
        {make_zip({{"a/data.pkl", tensor_pickle(4, 0, 2, 4)}, {"a/data/0", storage}}),
         "past the end of its storage"},
        {make_zip({{"a/data.pkl", tensor_pickle(5, 0, 2, 1)}, {"a/data/0", storage}}),
         "holds 16 bytes but the pickle says 20"},
        {make_zip({{"a/data.pkl", tensor_pickle(4, 0, 2, 1)}}), "storage '0' is missing"},
        {make_zip({{"a/data/0", storage}}), "holds no data.pkl"},
        {make_zip({{"a/data.pkl", tensor_pickle(4, 0, 2, 1)},
                   {"a/data/0", storage},
                   {"a/data/0", storage}}),
         "appears twice"},
        {make_zip({{"../data.pkl", tensor_pickle(4, 0, 2, 1)}}), "not a safe relative path"},
        {"not a zip at all", "no zip signature"},
    };
    int n = 0;
    for (const auto& [bytes, message] : cases) {
        INFO(message);
        const auto path = write_temp("case" + std::to_string(n++) + ".pt", bytes);
        const std::string err = error_of(path.string());
        CHECK(err.rfind("input: ", 0) == 0);
        CHECK(err.find(message) != std::string::npos);
    }
    // The same writer with a fitting tensor reads, as a strided (gathered) view.
    const auto good = write_temp(
        "good.pt", make_zip({{"a/data.pkl", tensor_pickle(4, 1, 2, 2)}, {"a/data/0", storage}}));
    const auto cp = Checkpoint::open(good.string());
    CHECK(cp.at("w").shape == std::vector<std::int64_t>{2});
    fs::remove_all(good.parent_path());
}
