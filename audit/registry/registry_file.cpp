// Reading and writing the registry layout (see registry_file.h and LAYOUT.md).
#include "audit/registry/registry_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

#include "audit/registry/hdf5_io.h"
#include "weights/core/error.h"

namespace lineage::audit::registry {

namespace fp_ns = probes::fingerprint;
namespace act = probes::activation;
namespace fs = std::filesystem;

namespace {

std::uint16_t to_bf16(float f) {
    std::uint32_t b = std::bit_cast<std::uint32_t>(f);
    if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu)) return static_cast<std::uint16_t>((b >> 16) | 0x40);
    b += 0x7fffu + ((b >> 16) & 1u);
    return static_cast<std::uint16_t>(b >> 16);
}

float from_bf16(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

// Incremental SHA-256 of an entry's payload, in the order LAYOUT.md gives.
class PayloadDigest {
public:
    PayloadDigest() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
    void add(const void* p, std::size_t n) { EVP_DigestUpdate(ctx_.get(), p, n); }
    void add(const std::string& s) { add(s.data(), s.size()); }
    std::string hex() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(ctx_.get(), md, &n);
        static const char* digits = "0123456789abcdef";
        std::string s;
        for (unsigned int i = 0; i < n; ++i) s += digits[md[i] >> 4], s += digits[md[i] & 15];
        return s;
    }

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string tensor_key(std::size_t i) {
    std::string s = std::to_string(i);
    return std::string(s.size() < 6 ? 6 - s.size() : 0, '0') + s;
}

// Layout 2: the activation signature, each layer's symmetric Gram as its upper triangle (row by
// row, diagonal included) in bf16.
void write_activations(const H5File& f, hid_t entry, const act::ActivationSignature& a,
                       PayloadDigest& digest) {
    H5Handle g = f.create_group(entry, "activations");
    f.write_string_attr(g.get(), "corpus_sha256", a.corpus_sha256);
    f.write_string_attr(g.get(), "tokenizer_sha256", a.tokenizer_sha256);
    f.write_int_attr(g.get(), "layers", a.layers);
    f.write_int_attr(g.get(), "hidden", a.hidden);
    const std::size_t n = a.points.size();
    std::vector<std::int32_t> text(n);
    std::vector<std::int64_t> end(n);
    for (std::size_t i = 0; i < n; ++i) text[i] = a.points[i].text, end[i] = a.points[i].byte_end;
    const std::size_t tri = n * (n + 1) / 2;
    std::vector<std::uint16_t> grams(a.grams.size() * tri);
    for (std::size_t l = 0, k = 0; l < a.grams.size(); ++l)
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i; j < n; ++j) grams[k++] = to_bf16(a.grams[l](i, j));
    f.write_i32(g.get(), "point_text", text);
    f.write_i64(g.get(), "point_byte_end", end);
    f.write_u16(g.get(), "grams", grams, {a.grams.size(), tri});
    digest.add(text.data(), text.size() * sizeof(std::int32_t));
    digest.add(end.data(), end.size() * sizeof(std::int64_t));
    digest.add(grams.data(), grams.size() * sizeof(std::uint16_t));
}

act::ActivationSignature read_activations(const H5File& f, hid_t entry, const std::string& name,
                                          PayloadDigest& digest) {
    H5Handle g = f.open_group(entry, "activations");
    act::ActivationSignature a;
    a.corpus_sha256 = f.read_string_attr(g.get(), "corpus_sha256");
    a.tokenizer_sha256 = f.read_string_attr(g.get(), "tokenizer_sha256");
    a.layers = f.read_int_attr(g.get(), "layers");
    a.hidden = f.read_int_attr(g.get(), "hidden");
    const auto text = f.read_i32(g.get(), "point_text");
    const auto end = f.read_i64(g.get(), "point_byte_end");
    std::vector<hsize_t> dims;
    const auto grams = f.read_u16(g.get(), "grams", dims);
    const std::size_t n = text.size(), tri = n * (n + 1) / 2;
    if (end.size() != n || a.layers < 0 || dims.size() != 2 ||
        dims[0] != static_cast<hsize_t>(a.layers + 1) || dims[1] != tri)
        f.fail("entry '" + name + "': activation signature shapes disagree");
    for (std::size_t i = 0; i < n; ++i) a.points.push_back({text[i], end[i]});
    const Eigen::Index ni = static_cast<Eigen::Index>(n);
    for (std::size_t l = 0, k = 0; l < dims[0]; ++l) {
        act::MatrixF m(ni, ni);
        for (Eigen::Index i = 0; i < ni; ++i)
            for (Eigen::Index j = i; j < ni; ++j) m(i, j) = m(j, i) = from_bf16(grams[k++]);
        a.grams.push_back(std::move(m));
    }
    digest.add(text.data(), text.size() * sizeof(std::int32_t));
    digest.add(end.data(), end.size() * sizeof(std::int64_t));
    digest.add(grams.data(), grams.size() * sizeof(std::uint16_t));
    return a;
}

void write_entry(const H5File& f, hid_t entries, const fp_ns::Fingerprint& fp) {
    if (!valid_entry_name(fp.name))
        throw UsageError("fingerprint name '" + fp.name + "' is not a valid entry name ([A-Za-z0-9._+-], not starting with '.')");
    H5Handle g = f.create_group(entries, fp.name);
    PayloadDigest digest;
    f.write_int_attr(g.get(), "layout_version", kLayoutVersion);
    f.write_string_attr(g.get(), "source_path", fp.source_path);
    f.write_string_attr(g.get(), "source_digest", fp.source_digest);
    f.write_string_attr(g.get(), "tool_version", fp.tool_version);
    f.write_string_attr(g.get(), "created_at", fp.created_at);
    f.write_string_attr(g.get(), "architecture", fp.architecture);
    f.write_int_attr(g.get(), "parameters", fp.parameters);
    f.write_int_attr(g.get(), "hidden_size", fp.hidden_size);
    f.write_int_attr(g.get(), "sketch_dims", fp.sketch_dims);
    f.write_int_attr(g.get(), "projection_seed", static_cast<std::int64_t>(fp.projection_seed));
    f.write_string_attr(g.get(), "value_dtype", "bf16");
    {
        H5Handle a = f.create_group(g.get(), "anchors");
        std::string bytes;
        std::vector<std::int64_t> offsets{0};
        for (const auto& b : fp.anchor_bytes) bytes += b, offsets.push_back(static_cast<std::int64_t>(bytes.size()));
        f.write_i32(a.get(), "ids", fp.anchor_ids);
        f.write_u8(a.get(), "bytes", bytes);
        f.write_i64(a.get(), "offsets", offsets);
        digest.add(fp.anchor_ids.data(), fp.anchor_ids.size() * sizeof(std::int32_t));
        digest.add(bytes);
    }
    {
        H5Handle t = f.create_group(g.get(), "tensors");
        for (std::size_t i = 0; i < fp.tensors.size(); ++i) {
            const auto& s = fp.tensors[i];
            std::vector<std::uint16_t> v(s.values.size());
            for (std::size_t k = 0; k < v.size(); ++k) v[k] = to_bf16(s.values[k]);
            std::vector<hsize_t> dims(s.shape.begin(), s.shape.end());
            if (dims.empty()) dims = {v.size()};
            const std::string key = tensor_key(i);
            f.write_u16(t.get(), key, v, dims);
            H5Handle ds(H5Dopen2(t.get(), key.c_str(), H5P_DEFAULT), H5Dclose);
            f.write_string_attr(ds.get(), "name", s.name);
            f.write_string_attr(ds.get(), "kind", fp_ns::sketch_kind_name(s.kind));
            f.write_string_attr(ds.get(), "full_sha256", s.full.sha256);
            f.write_int_attr(ds.get(), "full_rows", s.full.rows);
            f.write_int_attr(ds.get(), "full_cols", s.full.cols);
            f.write_double_attr(ds.get(), "full_mean", s.full.mean);
            f.write_double_attr(ds.get(), "full_stddev", s.full.stddev);
            f.write_int_attr(ds.get(), "full_constant", s.full.constant ? 1 : 0);
            f.write_u64_array_attr(ds.get(), "full_row_minhash", s.full.row_minhash.data(),
                                   s.full.row_minhash.size());
            digest.add(s.name);
            digest.add(v.data(), v.size() * sizeof(std::uint16_t));
        }
    }
    {
        H5Handle files = f.create_group(g.get(), "files");
        auto sorted = fp.files;  // listed back by name: digest in that order
        std::sort(sorted.begin(), sorted.end());
        for (const auto& [name, bytes] : sorted) {
            f.write_u8(files.get(), name, bytes);
            digest.add(name);
            digest.add(bytes);
        }
    }
    std::string skipped;
    for (const auto& s : fp.not_sketched) skipped += s + "\n";
    f.write_u8(g.get(), "not_sketched", skipped);
    if (fp.activations) write_activations(f, g.get(), *fp.activations, digest);
    f.write_string_attr(g.get(), "payload_sha256", digest.hex());
}

// Opens a registry for reading and checks format and version.
H5File open_registry(const fs::path& path) {
    H5File f = H5File::open_read(path.string());
    std::string format;
    try {
        format = f.read_string_attr(f.id(), "format");
    } catch (const InputError&) {
        throw InputError(path.string(), "not a Lineage fingerprint registry (no 'format' attribute)");
    }
    if (format != kFormatName)
        throw InputError(path.string(), "not a Lineage fingerprint registry (format '" + format + "')");
    const std::int64_t version = f.read_int_attr(f.id(), "layout_version");
    if (version > kLayoutVersion)
        throw UnsupportedError(path.string(), "registry layout " + std::to_string(version) +
                                                  " was written by a newer Lineage; this version reads layout " +
                                                  std::to_string(kLayoutVersion));
    if (version < kOldestLayoutVersion)
        throw InputError(path.string(), "bad layout_version " + std::to_string(version));
    if (!f.exists(f.id(), "entries")) f.fail("missing group /entries");
    return f;
}

hsize_t storage_of_group(hid_t g) {
    hsize_t total = 0;
    H5Ovisit(
        g, H5_INDEX_NAME, H5_ITER_INC,
        [](hid_t obj, const char* name, const H5O_info_t* info, void* out) -> herr_t {
            if (info->type == H5O_TYPE_DATASET) {
                H5Handle ds(H5Dopen2(obj, name, H5P_DEFAULT), H5Dclose);
                if (ds.valid()) *static_cast<hsize_t*>(out) += H5Dget_storage_size(ds.get());
            }
            return 0;
        },
        &total);
    return total;
}

EntryInfo read_info(const H5File& f, hid_t entries, const std::string& name) {
    H5Handle g = f.open_group(entries, name);
    EntryInfo e;
    e.layout_version = f.read_int_attr(g.get(), "layout_version");
    if (e.layout_version > kLayoutVersion)
        throw UnsupportedError(f.path(), "entry '" + name + "' has layout " + std::to_string(e.layout_version) +
                                             ", written by a newer Lineage; this version reads layout " +
                                             std::to_string(kLayoutVersion) + " and older");
    if (e.layout_version < kOldestLayoutVersion) f.fail("entry '" + name + "' has a bad layout version");
    e.name = name;
    e.source_path = f.read_string_attr(g.get(), "source_path");
    e.source_digest = f.read_string_attr(g.get(), "source_digest");
    e.tool_version = f.read_string_attr(g.get(), "tool_version");
    e.created_at = f.read_string_attr(g.get(), "created_at");
    e.architecture = f.read_string_attr(g.get(), "architecture");
    e.parameters = f.read_int_attr(g.get(), "parameters");
    e.hidden_size = f.read_int_attr(g.get(), "hidden_size");
    e.sketch_dims = f.read_int_attr(g.get(), "sketch_dims");
    e.projection_seed = static_cast<std::uint64_t>(f.read_int_attr(g.get(), "projection_seed"));
    H5Handle a = f.open_group(g.get(), "anchors");
    H5Handle ds(H5Dopen2(a.get(), "ids", H5P_DEFAULT), H5Dclose);
    if (!ds.valid()) f.fail("entry '" + name + "': missing anchors/ids");
    H5Handle sp(H5Dget_space(ds.get()), H5Sclose);
    e.anchors = H5Sget_simple_extent_npoints(sp.get());
    H5Handle t = f.open_group(g.get(), "tensors");
    const auto keys = f.members(t.get());
    e.tensors = static_cast<std::int64_t>(keys.size());
    for (const auto& k : keys) {
        H5Handle d(H5Dopen2(t.get(), k.c_str(), H5P_DEFAULT), H5Dclose);
        H5Handle s(H5Dget_space(d.get()), H5Sclose);
        e.payload_bytes += 2 * H5Sget_simple_extent_npoints(s.get());
    }
    H5Handle files = f.open_group(g.get(), "files");
    for (const auto& k : f.members(files.get())) {
        H5Handle d(H5Dopen2(files.get(), k.c_str(), H5P_DEFAULT), H5Dclose);
        H5Handle s(H5Dget_space(d.get()), H5Sclose);
        e.payload_bytes += H5Sget_simple_extent_npoints(s.get());
    }
    if (e.layout_version >= 2 && f.exists(g.get(), "activations")) {
        H5Handle a = f.open_group(g.get(), "activations");
        H5Handle d(H5Dopen2(a.get(), "point_text", H5P_DEFAULT), H5Dclose);
        if (!d.valid()) f.fail("entry '" + name + "': missing activations/point_text");
        H5Handle s(H5Dget_space(d.get()), H5Sclose);
        e.activation_points = H5Sget_simple_extent_npoints(s.get());
        e.activation_layers = f.read_int_attr(a.get(), "layers") + 1;
        const std::int64_t n = e.activation_points;
        e.payload_bytes += e.activation_layers * n * (n + 1) + 12 * n;
    }
    e.stored_bytes = static_cast<std::int64_t>(storage_of_group(g.get()));
    return e;
}

// An advisory lock beside the registry, held while it is rewritten.
class WriterLock {
public:
    explicit WriterLock(const fs::path& registry) {
        const std::string p = registry.string() + ".lock";
        fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
            throw InputError(p, "cannot take the registry's writer lock");
    }
    ~WriterLock() {
        if (fd_ >= 0) ::close(fd_);
    }

private:
    int fd_ = -1;
};

// Writes a complete new registry beside `path` and renames it into place.
template <typename Fill>
void rewrite(const fs::path& path, Fill fill) {
    const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    try {
        {
            H5File f = H5File::create(tmp.string());
            f.write_string_attr(f.id(), "format", kFormatName);
            f.write_int_attr(f.id(), "layout_version", kLayoutVersion);
            H5Handle entries = f.create_group(f.id(), "entries");
            fill(f, entries.get());
            entries.reset();
            f.close();
        }
        std::error_code ec;
        fs::rename(tmp, path, ec);
        if (ec) throw InputError(path.string(), "cannot move the new registry into place: " + ec.message());
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

void copy_entry(const H5File& src, const std::string& name, const H5File& dst, hid_t dst_entries,
                const std::string& new_name) {
    const std::string from = "entries/" + name;
    if (H5Ocopy(src.id(), from.c_str(), dst_entries, new_name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
        dst.fail("cannot copy entry '" + name + "' from " + src.path());
}

}  // namespace

bool valid_entry_name(const std::string& name) {
    if (name.empty() || name.size() > 200 || name[0] == '.') return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' || c == '-'))
            return false;
    return true;
}

void write_fingerprint_file(const fs::path& path, const fp_ns::Fingerprint& fp) {
    WriterLock lock(path);
    rewrite(path, [&](const H5File& f, hid_t entries) { write_entry(f, entries, fp); });
}

std::vector<EntryInfo> list_entries(const fs::path& path) {
    const H5File f = open_registry(path);
    H5Handle entries = f.open_group(f.id(), "entries");
    std::vector<EntryInfo> out;
    for (const auto& name : f.members(entries.get())) out.push_back(read_info(f, entries.get(), name));
    return out;
}

fp_ns::Fingerprint read_entry(const fs::path& path, const std::string& name) {
    const H5File f = open_registry(path);
    H5Handle entries = f.open_group(f.id(), "entries");
    if (!valid_entry_name(name) || !f.exists(entries.get(), name))
        throw InputError(path.string(), "no entry '" + name + "' in the registry");
    const EntryInfo info = read_info(f, entries.get(), name);
    H5Handle g = f.open_group(entries.get(), name);
    fp_ns::Fingerprint fp;
    static_cast<fp_ns::FingerprintHeader&>(fp) = info;
    if (f.read_string_attr(g.get(), "value_dtype") != "bf16") f.fail("entry '" + name + "': unknown value_dtype");
    PayloadDigest digest;
    {
        H5Handle a = f.open_group(g.get(), "anchors");
        fp.anchor_ids = f.read_i32(a.get(), "ids");
        const std::string bytes = f.read_u8(a.get(), "bytes");
        const auto offsets = f.read_i64(a.get(), "offsets");
        if (offsets.size() != fp.anchor_ids.size() + 1 || offsets.front() != 0 ||
            offsets.back() != static_cast<std::int64_t>(bytes.size()))
            f.fail("entry '" + name + "': anchor offsets do not tile the anchor bytes");
        for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
            if (offsets[i + 1] < offsets[i]) f.fail("entry '" + name + "': anchor offsets decrease");
            fp.anchor_bytes.push_back(bytes.substr(offsets[i], offsets[i + 1] - offsets[i]));
        }
        digest.add(fp.anchor_ids.data(), fp.anchor_ids.size() * sizeof(std::int32_t));
        digest.add(bytes);
    }
    {
        H5Handle t = f.open_group(g.get(), "tensors");
        const auto keys = f.members(t.get());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] != tensor_key(i)) f.fail("entry '" + name + "': tensors are not numbered 0..n-1");
            fp_ns::SketchTensor s;
            std::vector<hsize_t> dims;
            const auto v = f.read_u16(t.get(), keys[i], dims);
            H5Handle ds(H5Dopen2(t.get(), keys[i].c_str(), H5P_DEFAULT), H5Dclose);
            s.name = f.read_string_attr(ds.get(), "name");
            if (!fp_ns::parse_sketch_kind(f.read_string_attr(ds.get(), "kind"), s.kind))
                f.fail("entry '" + name + "': tensor '" + s.name + "' has an unknown kind");
            s.full.sha256 = f.read_string_attr(ds.get(), "full_sha256");
            s.full.rows = f.read_int_attr(ds.get(), "full_rows");
            s.full.cols = f.read_int_attr(ds.get(), "full_cols");
            s.full.mean = f.read_double_attr(ds.get(), "full_mean");
            s.full.stddev = f.read_double_attr(ds.get(), "full_stddev");
            s.full.constant = f.read_int_attr(ds.get(), "full_constant") != 0;
            const auto mh = f.read_u64_array_attr(ds.get(), "full_row_minhash");
            if (mh.size() != s.full.row_minhash.size()) f.fail("entry '" + name + "': bad row MinHash size");
            std::copy(mh.begin(), mh.end(), s.full.row_minhash.begin());
            for (hsize_t d : dims) s.shape.push_back(static_cast<std::int64_t>(d));
            s.values.resize(v.size());
            for (std::size_t k = 0; k < v.size(); ++k) s.values[k] = from_bf16(v[k]);
            digest.add(s.name);
            digest.add(v.data(), v.size() * sizeof(std::uint16_t));
            fp.tensors.push_back(std::move(s));
        }
    }
    {
        H5Handle files = f.open_group(g.get(), "files");
        for (const auto& k : f.members(files.get())) {
            fp.files.emplace_back(k, f.read_u8(files.get(), k));
            digest.add(k);
            digest.add(fp.files.back().second);
        }
    }
    const std::string skipped = f.read_u8(g.get(), "not_sketched");
    for (std::size_t b = 0, e; b < skipped.size(); b = e + 1) {
        e = skipped.find('\n', b);
        if (e == std::string::npos) e = skipped.size();
        if (e > b) fp.not_sketched.push_back(skipped.substr(b, e - b));
    }
    if (info.layout_version >= 2 && f.exists(g.get(), "activations"))
        fp.activations = read_activations(f, g.get(), name, digest);
    const std::string expected = f.read_string_attr(g.get(), "payload_sha256");
    if (digest.hex() != expected)
        throw InputError(path.string(), "entry '" + name + "': payload digest mismatch (the entry was modified or damaged)");
    return fp;
}

std::vector<std::string> add_entries(const fs::path& registry, const fs::path& source,
                                     const std::string& rename, bool replace) {
    WriterLock lock(registry);
    const H5File src = open_registry(source);
    H5Handle src_entries = src.open_group(src.id(), "entries");
    const auto names = src.members(src_entries.get());
    if (names.empty()) throw InputError(source.string(), "holds no fingerprint");
    if (!rename.empty() && names.size() != 1)
        throw UsageError("--name needs a source with one fingerprint (" + source.string() + " holds " +
                         std::to_string(names.size()) + ")");
    if (!rename.empty() && !valid_entry_name(rename))
        throw UsageError("'" + rename + "' is not a valid entry name ([A-Za-z0-9._+-], not starting with '.')");
    for (const auto& n : names) read_info(src, src_entries.get(), n);  // validate before copying
    std::vector<std::string> added;
    for (const auto& n : names) added.push_back(rename.empty() ? n : rename);

    std::vector<std::string> existing;
    std::optional<H5File> old;
    if (fs::exists(registry)) {
        old.emplace(open_registry(registry));
        H5Handle e = old->open_group(old->id(), "entries");
        existing = old->members(e.get());
    }
    for (const auto& n : added)
        if (std::find(existing.begin(), existing.end(), n) != existing.end() && !replace)
            throw UsageError("registry " + registry.string() + " already has an entry '" + n +
                             "' (remove it first, or add with --replace or --name)");
    rewrite(registry, [&](const H5File& f, hid_t entries) {
        for (const auto& n : existing)
            if (std::find(added.begin(), added.end(), n) == added.end())
                copy_entry(*old, n, f, entries, n);
        for (std::size_t i = 0; i < names.size(); ++i) copy_entry(src, names[i], f, entries, added[i]);
    });
    return added;
}

void remove_entry(const fs::path& registry, const std::string& name) {
    WriterLock lock(registry);
    const H5File old = open_registry(registry);
    H5Handle e = old.open_group(old.id(), "entries");
    const auto existing = old.members(e.get());
    if (std::find(existing.begin(), existing.end(), name) == existing.end())
        throw UsageError("registry " + registry.string() + " has no entry '" + name + "'");
    rewrite(registry, [&](const H5File& f, hid_t entries) {
        for (const auto& n : existing)
            if (n != name) copy_entry(old, n, f, entries, n);
    });
}

}  // namespace lineage::audit::registry
