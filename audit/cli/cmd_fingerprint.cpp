// `lineage fingerprint MODEL -o FILE.h5 [--name NAME] [--sketch-dims K] [--anchors N]`: computes
// the fingerprint of a base model (probes/fingerprint/make_fingerprint.h) and writes it as a
// registry of one entry (audit/registry/LAYOUT.md), ready for `lineage registry add` or for
// `lineage audit --registry` directly. Prints the entry, its size and its share of the model's
// bf16 size. Exit codes: 0 written; 3 unreadable model or unwritable file; 4 unsupported model.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit_run.h"
#include "audit/registry/registry_file.h"
#include "lineage/build_info.h"
#include "probes/fingerprint/make_fingerprint.h"

namespace lineage::cli {
namespace {

struct FingerprintCliOptions {
    std::string model;
    std::string out;
    std::string name;
    std::int64_t sketch_dims = 0;  // 0: automatic (make_fingerprint.h)
    std::int64_t anchors = 0;
};

int run_fingerprint(const FingerprintCliOptions& o) {
    probes::fingerprint::FingerprintOptions fo;
    fo.name = o.name;
    fo.sketch_dims = o.sketch_dims;
    fo.anchors = o.anchors;
    fo.tool_version = std::string(build_info::version) + " (" + build_info::git_revision + ")";
    fo.created_at = audit::generation_time();
    const auto fp = probes::fingerprint::make_fingerprint(o.model, fo);
    audit::registry::write_fingerprint_file(o.out, fp);
    const auto size = static_cast<double>(std::filesystem::file_size(o.out));
    const double bf16 = 2.0 * static_cast<double>(fp.parameters);
    std::printf("fingerprint '%s' of %s\n", fp.name.c_str(), o.model.c_str());
    std::printf("  source digest  %s\n", fp.source_digest.c_str());
    std::printf("  sketch         %lld dims of hidden %lld, %zu anchor tokens, %zu tensors (%zu left out)\n",
                static_cast<long long>(fp.sketch_dims), static_cast<long long>(fp.hidden_size),
                fp.anchor_ids.size(), fp.tensors.size(), fp.not_sketched.size());
    std::printf("  wrote          %s: %.0f bytes = %.2f%% of the model's bf16 size (%.0f bytes)\n",
                o.out.c_str(), size, bf16 > 0 ? 100.0 * size / bf16 : 0.0, bf16);
    return 0;
}

}  // namespace

std::function<int()> setup_fingerprint(CLI::App& sub) {
    auto o = std::make_shared<FingerprintCliOptions>();
    sub.add_option("MODEL", o->model, "The base model (folder, .safetensors or ORG/NAME)")->required();
    sub.add_option("-o,--out", o->out, "The fingerprint file to write (HDF5)")->required();
    sub.add_option("--name", o->name, "Entry name (default: the model folder's name)");
    sub.add_option("--sketch-dims", o->sketch_dims,
                   "Projected hidden dims k, clamped to hidden/2 (default: 64, or 32 or 16 when "
                   "needed to stay within 2% of the model's bf16 size)")
        ->check(CLI::Range(4, 1024));
    sub.add_option("--anchors", o->anchors,
                   "Anchor tokens whose embedding rows are kept (default: 4096, fewer when needed "
                   "for the 2% budget; the activation signature's 512 points likewise)")
        ->check(CLI::Range(16, 1 << 20));
    sub.footer("The fingerprint holds sketches of every layer, anchor-token embedding rows, the\n"
               "tokenizer and config files, the source's content digest and this tool's version.\n"
               "Layout: audit/registry/LAYOUT.md. Exit codes: 0 ok, 3 bad input, 4 unsupported.\n");
    return [o] { return run_fingerprint(*o); };
}

}  // namespace lineage::cli
