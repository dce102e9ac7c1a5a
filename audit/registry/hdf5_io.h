// The few HDF5 (C API) operations the registry needs, wrapped so that every failure becomes an
// InputError naming the file and the object ("...: HDF5: cannot read /entries/x/tensors/3 ...
// (truncated or corrupted registry?)"), and every handle is closed by scope. Datasets are written
// chunked with deflate and the Fletcher-32 checksum filter, so a flipped bit in the data is a read
// error, not a silently different fingerprint; files use the newest format (checksummed metadata).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lineage::audit::registry {

// An HDF5 identifier closed when it goes out of scope.
class H5Handle {
public:
    H5Handle() = default;
    H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
    H5Handle(H5Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
    H5Handle& operator=(H5Handle&& o) noexcept;
    H5Handle(const H5Handle&) = delete;
    H5Handle& operator=(const H5Handle&) = delete;
    ~H5Handle() { reset(); }
    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    void reset();

private:
    hid_t id_ = -1;
    herr_t (*close_)(hid_t) = nullptr;
};

// One open file; `path` names it in every error.
class H5File {
public:
    static H5File create(const std::string& path);  // truncates
    static H5File open_read(const std::string& path);
    hid_t id() const { return file_.get(); }
    const std::string& path() const { return path_; }
    void close();  // flushes; throws on failure

    [[noreturn]] void fail(const std::string& what) const;

    H5Handle create_group(hid_t loc, const std::string& name) const;
    H5Handle open_group(hid_t loc, const std::string& name) const;
    bool exists(hid_t loc, const std::string& name) const;
    std::vector<std::string> members(hid_t group) const;

    void write_string_attr(hid_t obj, const char* name, const std::string& value) const;
    void write_int_attr(hid_t obj, const char* name, std::int64_t value) const;
    void write_double_attr(hid_t obj, const char* name, double value) const;
    void write_u64_array_attr(hid_t obj, const char* name, const std::uint64_t* v, std::size_t n) const;
    std::string read_string_attr(hid_t obj, const char* name) const;
    std::int64_t read_int_attr(hid_t obj, const char* name) const;
    double read_double_attr(hid_t obj, const char* name) const;
    std::vector<std::uint64_t> read_u64_array_attr(hid_t obj, const char* name) const;

    // Chunked, deflated, checksummed datasets of one element type.
    void write_u16(hid_t loc, const std::string& name, const std::vector<std::uint16_t>& v,
                   const std::vector<hsize_t>& dims) const;
    void write_u8(hid_t loc, const std::string& name, const std::string& bytes) const;
    void write_i32(hid_t loc, const std::string& name, const std::vector<std::int32_t>& v) const;
    void write_i64(hid_t loc, const std::string& name, const std::vector<std::int64_t>& v) const;
    std::vector<std::uint16_t> read_u16(hid_t loc, const std::string& name,
                                        std::vector<hsize_t>& dims) const;
    std::string read_u8(hid_t loc, const std::string& name) const;
    std::vector<std::int32_t> read_i32(hid_t loc, const std::string& name) const;
    std::vector<std::int64_t> read_i64(hid_t loc, const std::string& name) const;

private:
    H5File(std::string path, hid_t id) : path_(std::move(path)), file_(id, H5Fclose) {}
    void write_raw(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                   const void* data, const std::vector<hsize_t>& dims) const;
    std::vector<hsize_t> read_raw(hid_t loc, const std::string& name, hid_t mem_type,
                                  std::size_t elem_size, std::vector<char>& out) const;

    std::string path_;
    H5Handle file_;
};

}  // namespace lineage::audit::registry
