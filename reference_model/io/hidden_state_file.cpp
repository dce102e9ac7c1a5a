// HDF5 (C API) writer of the hidden-state dump; layout in hidden_state_file.h.
#include "reference_model/io/hidden_state_file.h"

#include <hdf5.h>

#include <system_error>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

// Closes an HDF5 handle when it goes out of scope.
struct Handle {
    hid_t id;
    herr_t (*close)(hid_t);
    ~Handle() {
        if (id >= 0) close(id);
    }
};

class Writer {
public:
    explicit Writer(const std::filesystem::path& path) : path_(path.string()) {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions below, not stderr noise
        file_ = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        if (file_ < 0) fail("cannot create the file");
    }
    ~Writer() {
        if (file_ >= 0) H5Fclose(file_);
    }
    void close() {
        if (H5Fclose(file_) < 0) fail("cannot close the file");
        file_ = -1;
    }

    hid_t group(const char* name) {
        hid_t g = H5Gcreate2(file_, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) fail(std::string("cannot create group ") + name);
        return g;
    }

    void dataset(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                 std::initializer_list<hsize_t> dims) {
        std::vector<hsize_t> d(dims);
        Handle space{H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose};
        Handle ds{H5Dcreate2(loc, name.c_str(), file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose};
        if (space.id < 0 || ds.id < 0 || H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
            fail("cannot write dataset " + name);
    }

    void string_attribute(const char* name, const std::string& value) {
        Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
        H5Tset_size(type.id, value.empty() ? 1 : value.size());
        H5Tset_strpad(type.id, H5T_STR_NULLTERM);
        Handle space{H5Screate(H5S_SCALAR), H5Sclose};
        Handle attr{H5Acreate2(file_, name, type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
        if (attr.id < 0 || H5Awrite(attr.id, type.id, value.c_str()) < 0) fail(std::string("cannot write attribute ") + name);
    }

    void int_attribute(const char* name, std::int64_t value) {
        Handle space{H5Screate(H5S_SCALAR), H5Sclose};
        Handle attr{H5Acreate2(file_, name, H5T_STD_I64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
        if (attr.id < 0 || H5Awrite(attr.id, H5T_NATIVE_INT64, &value) < 0) fail(std::string("cannot write attribute ") + name);
    }

    hid_t file() const { return file_; }

private:
    [[noreturn]] void fail(const std::string& what) { throw InputError(path_, "HDF5: " + what); }
    std::string path_;
    hid_t file_ = -1;
};

}  // namespace

void write_hidden_states_hdf5(const std::filesystem::path& path, const HiddenStateRecord& r) {
    const auto tokens = static_cast<hsize_t>(r.ids.size());
    const auto d = static_cast<hsize_t>(r.hidden_size), v = static_cast<hsize_t>(r.vocab_size);
    const std::filesystem::path tmp = path.string() + ".tmp";
    try {
        Writer w(tmp);
        w.string_attribute("model", r.model);
        w.string_attribute("architecture", r.architecture);
        w.int_attribute("layers", static_cast<std::int64_t>(r.hidden.size()) - 1);
        w.dataset(w.file(), "ids", H5T_STD_I32LE, H5T_NATIVE_INT32, r.ids.data(), {tokens});
        {
            Handle g{w.group("hidden"), H5Gclose};
            for (std::size_t i = 0; i < r.hidden.size(); ++i)
                w.dataset(g.id, std::to_string(i), H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, r.hidden[i].data(), {tokens, d});
        }
        if (!r.final_norm.empty())
            w.dataset(w.file(), "final_norm", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, r.final_norm.data(), {tokens, d});
        w.dataset(w.file(), "logits", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, r.logits.data(), {tokens, v});
        w.close();
        std::error_code ec;
        std::filesystem::rename(tmp, path, ec);
        if (ec) throw InputError(path.string(), "cannot move the finished HDF5 file into place: " + ec.message());
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
}

}  // namespace lineage::model
