// The --dump-hidden HDF5 layout, read back with the HDF5 C API: ids, hidden/<i>, final_norm,
// logits with their shapes and values, written atomically (no temporary left behind).
#include <doctest/doctest.h>
#include <hdf5.h>

#include <filesystem>
#include <vector>

#include "reference_model/io/hidden_state_file.h"
#include "weights/core/error.h"

using namespace lineage;
using namespace lineage::model;
namespace fs = std::filesystem;

namespace {

std::vector<hsize_t> dims_of(hid_t file, const char* name) {
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    REQUIRE(ds >= 0);
    hid_t space = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> d(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, d.data(), nullptr);
    H5Sclose(space);
    H5Dclose(ds);
    return d;
}

template <class T>
std::vector<T> read_all(hid_t file, const char* name, hid_t type, std::size_t n) {
    std::vector<T> v(n);
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    REQUIRE(ds >= 0);
    REQUIRE(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
    H5Dclose(ds);
    return v;
}

}  // namespace

TEST_CASE("hidden-state HDF5 dump layout") {
    HiddenStateRecord r;
    r.model = "tiny";
    r.architecture = "LlamaForCausalLM";
    r.ids = {3, 1, 4};
    r.hidden_size = 2;
    r.vocab_size = 5;
    for (int l = 0; l < 3; ++l) r.hidden.push_back({1.0f * l, 2, 3, 4, 5, 6.5f});
    r.final_norm = {0, 1, 0, 1, 0, 1};
    for (int i = 0; i < 15; ++i) r.logits.push_back(0.25f * static_cast<float>(i));
    const fs::path path = fs::temp_directory_path() / "lineage_hidden_dump_test.h5";
    write_hidden_states_hdf5(path, r);
    CHECK(!fs::exists(path.string() + ".tmp"));

    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    CHECK(dims_of(f, "ids") == std::vector<hsize_t>{3});
    CHECK(read_all<std::int32_t>(f, "ids", H5T_NATIVE_INT32, 3) == r.ids);
    CHECK(dims_of(f, "hidden/0") == std::vector<hsize_t>{3, 2});
    CHECK(read_all<float>(f, "hidden/2", H5T_NATIVE_FLOAT, 6) == r.hidden[2]);
    CHECK(dims_of(f, "final_norm") == std::vector<hsize_t>{3, 2});
    CHECK(dims_of(f, "logits") == std::vector<hsize_t>{3, 5});
    CHECK(read_all<float>(f, "logits", H5T_NATIVE_FLOAT, 15) == r.logits);
    H5Fclose(f);
    fs::remove(path);

    CHECK_THROWS_AS(write_hidden_states_hdf5("/nonexistent-dir/x.h5", r), InputError);
}
