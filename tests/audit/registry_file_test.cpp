// The registry file (audit/registry/registry_file.h, LAYOUT.md): a fingerprint survives a write
// and a read (values to bf16 precision, every fact exactly); add/list/remove keep the other
// entries; a name clash is a usage error; damaged files - truncated, a flipped byte, not a
// registry, a newer layout - are clear errors naming the file; and a reader running while another
// thread rewrites the registry never sees a half-written file. Layout 2 adds the activation
// signature (round-trips to bf16 precision, symmetric); layout-1 files still read.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "audit/registry/registry_file.h"
#include "weights/core/error.h"

using namespace lineage;
namespace fs = std::filesystem;
namespace fpr = probes::fingerprint;
namespace reg = audit::registry;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string t = (fs::temp_directory_path() / "lineage-registry-test-XXXXXX").string();
        path = ::mkdtemp(t.data());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

fpr::Fingerprint sample(const std::string& name, float scale = 1.0f) {
    fpr::Fingerprint fp;
    fp.name = name;
    fp.source_path = "/models/" + name;
    fp.source_digest = "sha256:" + std::string(64, 'a');
    fp.tool_version = "0.test";
    fp.created_at = "2026-11-23T00:00:00Z";
    fp.architecture = "LlamaForCausalLM";
    fp.parameters = 123456;
    fp.hidden_size = 8;
    fp.sketch_dims = 4;
    fp.projection_seed = 99;
    fp.anchor_ids = {5, 9, 11};
    fp.anchor_bytes = {"the", " of", "ing"};
    fpr::SketchTensor e{"model.embed_tokens.weight", fpr::SketchKind::anchor_rows, {3, 8}, {}, {}};
    for (int i = 0; i < 24; ++i) e.values.push_back(scale * (0.1f * i - 1.0f));
    e.full.sha256 = std::string(64, 'b');
    e.full.rows = 100, e.full.cols = 8, e.full.mean = 0.25, e.full.stddev = 0.5;
    for (std::size_t i = 0; i < e.full.row_minhash.size(); ++i) e.full.row_minhash[i] = i * 7919u + 3;
    fpr::SketchTensor n{"model.norm.weight", fpr::SketchKind::full, {8}, std::vector<float>(8, 1.0f), {}};
    n.full.constant = true;
    fp.tensors = {e, n};
    fp.files = {{"config.json", "{\"architectures\": [\"LlamaForCausalLM\"]}"}, {"tokenizer.json", "{}"}};
    fp.not_sketched = {"vision.x: tensor of the vision tower"};
    return fp;
}

void set_int_attr(hid_t obj, const char* name, std::int64_t v) {
    const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
}

void overwrite_byte(const fs::path& p, std::uintmax_t offset) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
}

}  // namespace

TEST_CASE("registry: a fingerprint round-trips") {
    TempDir d;
    const fs::path file = d.path / "one.h5";
    const fpr::Fingerprint fp = sample("llama-small");
    reg::write_fingerprint_file(file, fp);
    CHECK(fs::exists(file));
    const fpr::Fingerprint back = reg::read_entry(file, "llama-small");
    CHECK(back.name == fp.name);
    CHECK(back.source_digest == fp.source_digest);
    CHECK(back.tool_version == fp.tool_version);
    CHECK(back.projection_seed == 99);
    CHECK(back.anchor_ids == fp.anchor_ids);
    CHECK(back.anchor_bytes == fp.anchor_bytes);
    REQUIRE(back.tensors.size() == 2);
    CHECK(back.tensors[0].kind == fpr::SketchKind::anchor_rows);
    CHECK(back.tensors[0].shape == std::vector<std::int64_t>{3, 8});
    for (std::size_t i = 0; i < fp.tensors[0].values.size(); ++i)  // bf16: 8 bits of mantissa
        CHECK(back.tensors[0].values[i] == doctest::Approx(fp.tensors[0].values[i]).epsilon(1.0 / 128));
    CHECK(back.tensors[0].full.sha256 == fp.tensors[0].full.sha256);
    CHECK(back.tensors[0].full.row_minhash == fp.tensors[0].full.row_minhash);
    CHECK(back.tensors[0].full.stddev == 0.5);
    CHECK(back.tensors[1].full.constant);
    CHECK(back.files.size() == 2);
    CHECK(back.not_sketched == fp.not_sketched);
    const auto info = reg::list_entries(file);
    REQUIRE(info.size() == 1);
    CHECK(info[0].name == "llama-small");
    CHECK(info[0].anchors == 3);
    CHECK(info[0].tensors == 2);
    CHECK(info[0].stored_bytes > 0);
    CHECK_THROWS_AS(reg::read_entry(file, "absent"), InputError);
}

TEST_CASE("registry: add, list, replace, rename and remove") {
    TempDir d;
    const fs::path r = d.path / "reg.h5", a = d.path / "a.h5", b = d.path / "b.h5";
    reg::write_fingerprint_file(a, sample("alpha"));
    reg::write_fingerprint_file(b, sample("beta", 2.0f));
    CHECK(reg::add_entries(r, a, "", false) == std::vector<std::string>{"alpha"});
    CHECK(reg::add_entries(r, b, "", false) == std::vector<std::string>{"beta"});
    CHECK(reg::list_entries(r).size() == 2);
    CHECK_THROWS_AS(reg::add_entries(r, a, "", false), UsageError);
    CHECK(reg::add_entries(r, a, "", true) == std::vector<std::string>{"alpha"});
    CHECK(reg::add_entries(r, b, "beta-copy", false) == std::vector<std::string>{"beta-copy"});
    CHECK_THROWS_AS(reg::add_entries(r, r, "x", false), UsageError);  // --name needs one entry
    CHECK_THROWS_AS(reg::add_entries(r, a, "../evil", false), UsageError);
    CHECK(reg::list_entries(r).size() == 3);
    CHECK(reg::read_entry(r, "beta-copy").tensors[0].values[1] ==
          doctest::Approx(2.0f * (0.1f - 1.0f)).epsilon(1.0 / 128));
    reg::remove_entry(r, "alpha");
    const auto left = reg::list_entries(r);
    REQUIRE(left.size() == 2);
    CHECK(left[0].name == "beta");
    CHECK(left[1].name == "beta-copy");
    CHECK_THROWS_AS(reg::remove_entry(r, "alpha"), UsageError);
    for (const auto& e : fs::directory_iterator(d.path))  // no temporary files left behind
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("registry: damaged files are clear errors naming the file") {
    TempDir d;
    const fs::path file = d.path / "fp.h5";
    reg::write_fingerprint_file(file, sample("gamma"));
    const auto size = fs::file_size(file);

    SUBCASE("truncated") {
        for (std::uintmax_t keep : {std::uintmax_t{0}, std::uintmax_t{100}, size / 2, size - 1}) {
            const fs::path t = d.path / ("trunc-" + std::to_string(keep) + ".h5");
            fs::copy_file(file, t);
            fs::resize_file(t, keep);
            CAPTURE(keep);
            bool threw = false;
            try {
                reg::read_entry(t, "gamma");
            } catch (const InputError& e) {
                threw = true;
                CHECK(std::string(e.what()).find(t.string()) != std::string::npos);
            }
            CHECK(threw);
        }
    }
    SUBCASE("a flipped byte is an error or changes nothing, never a silently different entry") {
        const fpr::Fingerprint ref = reg::read_entry(file, "gamma");
        int caught = 0, harmless = 0, silent = 0;
        for (std::uintmax_t off = 0; off < size; off += std::max<std::uintmax_t>(1, size / 97)) {
            const fs::path t = d.path / ("flip-" + std::to_string(off) + ".h5");
            fs::copy_file(file, t);
            overwrite_byte(t, off);
            try {
                const auto fp = reg::read_entry(t, "gamma");
                bool same = fp.name == ref.name && fp.source_digest == ref.source_digest &&
                            fp.source_path == ref.source_path && fp.tool_version == ref.tool_version &&
                            fp.created_at == ref.created_at && fp.architecture == ref.architecture &&
                            fp.parameters == ref.parameters && fp.hidden_size == ref.hidden_size &&
                            fp.sketch_dims == ref.sketch_dims && fp.projection_seed == ref.projection_seed &&
                            fp.anchor_ids == ref.anchor_ids && fp.anchor_bytes == ref.anchor_bytes &&
                            fp.files == ref.files && fp.not_sketched == ref.not_sketched &&
                            fp.tensors.size() == ref.tensors.size();
                for (std::size_t i = 0; same && i < fp.tensors.size(); ++i) {
                    const auto &x = fp.tensors[i], &y = ref.tensors[i];
                    same = x.name == y.name && x.kind == y.kind && x.shape == y.shape &&
                           x.values == y.values && x.full.sha256 == y.full.sha256 &&
                           x.full.row_minhash == y.full.row_minhash && x.full.rows == y.full.rows &&
                           x.full.cols == y.full.cols && x.full.mean == y.full.mean &&
                           x.full.stddev == y.full.stddev && x.full.constant == y.full.constant;
                }
                (same ? harmless : silent) += 1;
                if (!same) MESSAGE("byte " << off << " changed the entry silently");
            } catch (const lineage::Error&) {
                ++caught;
            }
        }
        MESSAGE(caught << " flipped bytes reported, " << harmless << " in unused space, " << silent
                       << " silent");
        CHECK(caught > 0);
        CHECK(silent == 0);
    }
    SUBCASE("not a registry, not HDF5, a newer layout") {
        const fs::path text = d.path / "text.h5";
        std::ofstream(text) << "hello";
        CHECK_THROWS_AS(reg::list_entries(text), InputError);
        const fs::path other = d.path / "other.h5";
        hid_t f = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        H5Fclose(f);
        CHECK_THROWS_AS(reg::list_entries(other), InputError);
        const fs::path newer = d.path / "newer.h5";
        fs::copy_file(file, newer);
        f = H5Fopen(newer.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        const hid_t a = H5Aopen(f, "layout_version", H5P_DEFAULT);
        const std::int64_t v = reg::kLayoutVersion + 1;
        H5Awrite(a, H5T_NATIVE_INT64, &v);
        H5Aclose(a);
        H5Fclose(f);
        CHECK_THROWS_AS(reg::list_entries(newer), UnsupportedError);
    }
}

TEST_CASE("registry: a reader never sees a half-written registry") {
    TempDir d;
    const fs::path r = d.path / "reg.h5", a = d.path / "a.h5", b = d.path / "b.h5";
    reg::write_fingerprint_file(a, sample("alpha"));
    reg::write_fingerprint_file(b, sample("beta"));
    reg::add_entries(r, a, "", false);
    // Another process rewrites the registry 50 times while this one keeps reading it.
    const pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
        int rc = 0;
        try {
            for (int i = 0; i < 25; ++i) {
                reg::add_entries(r, b, "", false);
                reg::remove_entry(r, "beta");
            }
        } catch (...) {
            rc = 1;
        }
        ::_exit(rc);
    }
    int reads = 0, failures = 0, status = 0;
    while (::waitpid(writer, &status, WNOHANG) == 0) {
        try {
            const auto entries = reg::list_entries(r);
            if (entries.empty() || entries[0].name != "alpha") ++failures;
            reg::read_entry(r, "alpha");
        } catch (const lineage::Error& e) {
            MESSAGE(e.what());
            ++failures;
        }
        ++reads;
    }
    MESSAGE(reads << " reads during 50 rewrites");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(reads > 0);
    CHECK(failures == 0);
}

TEST_CASE("registry: layout 2 carries the activation signature; layout 1 still reads") {
    TempDir d;
    fpr::Fingerprint fp = sample("with-signature");
    probes::activation::ActivationSignature sig;
    sig.corpus_sha256 = std::string(64, 'c');
    sig.tokenizer_sha256 = std::string(64, 'd');
    sig.layers = 2, sig.hidden = 8;
    const int n = 20;
    for (int i = 0; i < n; ++i) sig.points.push_back({i % 3, 10 + i});
    for (int l = 0; l <= 2; ++l) {
        probes::activation::MatrixF m(n, n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) m(i, j) = static_cast<float>((l + 1) * (i + 1) * (j + 1)) / 400.0f;
        sig.grams.push_back(m);
    }
    fp.activations = sig;
    const fs::path file = d.path / "v2.h5";
    reg::write_fingerprint_file(file, fp);
    const auto info = reg::list_entries(file);
    REQUIRE(info.size() == 1);
    CHECK(info[0].layout_version == 2);
    CHECK(info[0].activation_points == n);
    CHECK(info[0].activation_layers == 3);
    CHECK(info[0].projection_seed == 99);  // the shared header reads whole
    const fpr::Fingerprint back = reg::read_entry(file, "with-signature");
    REQUIRE(back.activations.has_value());
    CHECK(back.activations->points == sig.points);
    CHECK(back.activations->corpus_sha256 == sig.corpus_sha256);
    REQUIRE(back.activations->grams.size() == 3);
    for (int l = 0; l <= 2; ++l)
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) {
                CHECK(back.activations->grams[l](i, j) == back.activations->grams[l](j, i));
                CHECK(std::abs(back.activations->grams[l](i, j) - sig.grams[l](i, j)) <=
                      std::abs(sig.grams[l](i, j)) / 128.0f);
            }

    // A layout-1 file (no activations group; root and entry say 1) reads, without a signature.
    const fs::path old = d.path / "v1.h5";
    reg::write_fingerprint_file(old, sample("old"));
    hid_t f = H5Fopen(old.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    set_int_attr(f, "layout_version", 1);
    const hid_t g = H5Gopen2(f, "entries/old", H5P_DEFAULT);
    set_int_attr(g, "layout_version", 1);
    H5Gclose(g);
    H5Fclose(f);
    const auto old_info = reg::list_entries(old);
    REQUIRE(old_info.size() == 1);
    CHECK(old_info[0].layout_version == 1);
    CHECK(old_info[0].activation_points == 0);
    const fpr::Fingerprint old_fp = reg::read_entry(old, "old");
    CHECK_FALSE(old_fp.activations.has_value());
    CHECK(old_fp.tensors.size() == 2);
    // Adding a layout-1 entry to a layout-2 registry keeps it readable as layout 1.
    reg::add_entries(file, old, "", false);
    const fpr::Fingerprint copied = reg::read_entry(file, "old");
    CHECK_FALSE(copied.activations.has_value());
    CHECK(reg::read_entry(file, "with-signature").activations.has_value());
}
