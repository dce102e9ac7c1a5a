// HDF5 wrappers (see hdf5_io.h).
#include "audit/registry/hdf5_io.h"

#include <algorithm>
#include <cstring>

#include "weights/core/error.h"

namespace lineage::audit::registry {

namespace {

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
}

}  // namespace

H5Handle& H5Handle::operator=(H5Handle&& o) noexcept {
    if (this != &o) {
        reset();
        id_ = o.id_, close_ = o.close_;
        o.id_ = -1;
    }
    return *this;
}

void H5Handle::reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = -1;
}

H5File H5File::create(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr noise
    H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
    if (id < 0) throw InputError(path, "HDF5: cannot create the file (no permission or disk full?)");
    return H5File(path, id);
}

H5File H5File::open_read(const std::string& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (H5Fis_hdf5(path.c_str()) <= 0)
        throw InputError(path, "not a readable HDF5 file (missing, truncated or corrupted?)");
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) throw InputError(path, "HDF5: cannot open the file (truncated or corrupted?)");
    return H5File(path, id);
}

void H5File::close() {
    if (!file_.valid()) return;
    const hid_t id = file_.get();
    if (H5Fflush(id, H5F_SCOPE_LOCAL) < 0) fail("cannot flush the file");
    file_.reset();
}

void H5File::fail(const std::string& what) const {
    throw InputError(path_, "HDF5: " + what + " (truncated or corrupted registry?)");
}

H5Handle H5File::create_group(hid_t loc, const std::string& name) const {
    H5Handle g(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot create group '" + name + "'");
    return g;
}

H5Handle H5File::open_group(hid_t loc, const std::string& name) const {
    H5Handle g(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose);
    if (!g.valid()) fail("cannot open group '" + name + "'");
    return g;
}

bool H5File::exists(hid_t loc, const std::string& name) const {
    return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> H5File::members(hid_t group) const {
    std::vector<std::string> names;
    if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names) < 0)
        fail("cannot list a group");
    return names;
}

void H5File::write_string_attr(hid_t obj, const char* name, const std::string& value) const {
    H5Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), value.empty() ? 1 : value.size());
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    std::string padded = value.empty() ? std::string(1, '\0') : value;
    if (!attr.valid() || H5Awrite(attr.get(), type.get(), padded.data()) < 0)
        fail(std::string("cannot write attribute '") + name + "'");
}

void H5File::write_int_attr(hid_t obj, const char* name, std::int64_t value) const {
    H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle attr(H5Acreate2(obj, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.valid() || H5Awrite(attr.get(), H5T_NATIVE_INT64, &value) < 0)
        fail(std::string("cannot write attribute '") + name + "'");
}

void H5File::write_double_attr(hid_t obj, const char* name, double value) const {
    H5Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle attr(H5Acreate2(obj, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.valid() || H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0)
        fail(std::string("cannot write attribute '") + name + "'");
}

void H5File::write_u64_array_attr(hid_t obj, const char* name, const std::uint64_t* v,
                                  std::size_t n) const {
    const hsize_t dims = n;
    H5Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
    H5Handle attr(H5Acreate2(obj, name, H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr.valid() || H5Awrite(attr.get(), H5T_NATIVE_UINT64, v) < 0)
        fail(std::string("cannot write attribute '") + name + "'");
}

std::string H5File::read_string_attr(hid_t obj, const char* name) const {
    H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    if (!attr.valid()) fail(std::string("missing attribute '") + name + "'");
    H5Handle type(H5Aget_type(attr.get()), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()) > 0)
        fail(std::string("attribute '") + name + "' is not a fixed-length string");
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size > (std::size_t{1} << 24)) fail(std::string("attribute '") + name + "' has a bad size");
    std::string s(size, '\0');
    if (H5Aread(attr.get(), type.get(), s.data()) < 0)
        fail(std::string("cannot read attribute '") + name + "'");
    s.resize(std::strlen(s.c_str()));
    return s;
}

std::int64_t H5File::read_int_attr(hid_t obj, const char* name) const {
    H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    std::int64_t v = 0;
    if (!attr.valid() || H5Aread(attr.get(), H5T_NATIVE_INT64, &v) < 0)
        fail(std::string("missing or unreadable attribute '") + name + "'");
    return v;
}

double H5File::read_double_attr(hid_t obj, const char* name) const {
    H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    double v = 0;
    if (!attr.valid() || H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) < 0)
        fail(std::string("missing or unreadable attribute '") + name + "'");
    return v;
}

std::vector<std::uint64_t> H5File::read_u64_array_attr(hid_t obj, const char* name) const {
    H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
    if (!attr.valid()) fail(std::string("missing attribute '") + name + "'");
    H5Handle space(H5Aget_space(attr.get()), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0 || n > (1 << 20)) fail(std::string("attribute '") + name + "' has a bad size");
    std::vector<std::uint64_t> v(static_cast<std::size_t>(n));
    if (H5Aread(attr.get(), H5T_NATIVE_UINT64, v.data()) < 0)
        fail(std::string("cannot read attribute '") + name + "'");
    return v;
}

void H5File::write_raw(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                       const void* data, const std::vector<hsize_t>& dims) const {
    H5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    hsize_t total = 1;
    for (hsize_t d : dims) total *= d;
    if (total > 0) {
        // Chunks of about 1 MiB along the first dimension (filters need chunked storage).
        std::vector<hsize_t> chunk = dims;
        hsize_t row = 1;
        for (std::size_t i = 1; i < dims.size(); ++i) row *= dims[i];
        chunk[0] = std::clamp<hsize_t>((hsize_t{1} << 19) / std::max<hsize_t>(row, 1), 1, dims[0]);
        H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
        H5Pset_fletcher32(dcpl.get());
        H5Pset_shuffle(dcpl.get());
        H5Pset_deflate(dcpl.get(), 4);
    }
    H5Handle ds(H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                H5Dclose);
    if (!space.valid() || !ds.valid() ||
        (total > 0 && H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        fail("cannot write dataset '" + name + "'");
}

std::vector<hsize_t> H5File::read_raw(hid_t loc, const std::string& name, hid_t mem_type,
                                      std::size_t elem_size, std::vector<char>& out) const {
    H5Handle ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (!ds.valid()) fail("missing dataset '" + name + "'");
    H5Handle space(H5Dget_space(ds.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || rank > 4) fail("dataset '" + name + "' has a bad rank");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    hsize_t total = 1;
    for (hsize_t d : dims) total *= d;
    if (total > (hsize_t{1} << 34) / elem_size) fail("dataset '" + name + "' is implausibly large");
    out.resize(static_cast<std::size_t>(total) * elem_size);
    if (total > 0 && H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
        fail("cannot read dataset '" + name + "' (checksum mismatch?)");
    return dims;
}

void H5File::write_u16(hid_t loc, const std::string& name, const std::vector<std::uint16_t>& v,
                       const std::vector<hsize_t>& dims) const {
    write_raw(loc, name, H5T_STD_U16LE, H5T_NATIVE_UINT16, v.data(), dims);
}

void H5File::write_u8(hid_t loc, const std::string& name, const std::string& bytes) const {
    write_raw(loc, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, bytes.data(), {bytes.size()});
}

void H5File::write_i32(hid_t loc, const std::string& name, const std::vector<std::int32_t>& v) const {
    write_raw(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, v.data(), {v.size()});
}

void H5File::write_i64(hid_t loc, const std::string& name, const std::vector<std::int64_t>& v) const {
    write_raw(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, v.data(), {v.size()});
}

std::vector<std::uint16_t> H5File::read_u16(hid_t loc, const std::string& name,
                                            std::vector<hsize_t>& dims) const {
    std::vector<char> raw;
    dims = read_raw(loc, name, H5T_NATIVE_UINT16, 2, raw);
    std::vector<std::uint16_t> v(raw.size() / 2);
    std::memcpy(v.data(), raw.data(), raw.size());
    return v;
}

std::string H5File::read_u8(hid_t loc, const std::string& name) const {
    std::vector<char> raw;
    const auto dims = read_raw(loc, name, H5T_NATIVE_UINT8, 1, raw);
    if (dims.size() != 1) fail("dataset '" + name + "' is not a byte string");
    return std::string(raw.begin(), raw.end());
}

std::vector<std::int32_t> H5File::read_i32(hid_t loc, const std::string& name) const {
    std::vector<char> raw;
    const auto dims = read_raw(loc, name, H5T_NATIVE_INT32, 4, raw);
    if (dims.size() != 1) fail("dataset '" + name + "' is not a vector");
    std::vector<std::int32_t> v(raw.size() / 4);
    std::memcpy(v.data(), raw.data(), raw.size());
    return v;
}

std::vector<std::int64_t> H5File::read_i64(hid_t loc, const std::string& name) const {
    std::vector<char> raw;
    const auto dims = read_raw(loc, name, H5T_NATIVE_INT64, 8, raw);
    if (dims.size() != 1) fail("dataset '" + name + "' is not a vector");
    std::vector<std::int64_t> v(raw.size() / 8);
    std::memcpy(v.data(), raw.data(), raw.size());
    return v;
}

}  // namespace lineage::audit::registry
