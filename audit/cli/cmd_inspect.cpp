// `lineage inspect PATH [--json]`: describes a checkpoint (a folder, a .safetensors file, or ORG/NAME
// in the local Hugging Face cache): architecture, parameters by component, dtype histogram, tensor
// table, config/tensor mismatches, tokenizer files, digests, NaN/Inf counts. The inspection itself
// is weights::inspect_checkpoint (weights/inspection.h); this file only formats it. --json prints
// the lineage-inspect/1 document described in weights/inspection.cpp.
// Exit codes: 0 ok; 3 when the checkpoint is malformed or contradicts its config.json (the report is
// still printed first, then one line on stderr names the first fatal mismatch).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/inspection.h"

namespace lineage::cli {
namespace {

namespace w = lineage::weights;

struct InspectOptions {
    std::string path;
    bool json = false;
    bool no_digests = false;
    bool summary = false;
};

std::string grouped(std::uint64_t n) {  // 1234567 -> "1,234,567"
    std::string s = std::to_string(n), out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(s[i]);
    }
    return out;
}

std::string human(std::uint64_t n) {  // 6738415616 -> "6.74 B"
    char buf[32];
    if (n >= 1'000'000'000ULL) std::snprintf(buf, sizeof buf, "%.2f B", n / 1e9);
    else if (n >= 1'000'000ULL) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
    else if (n >= 1'000ULL) std::snprintf(buf, sizeof buf, "%.1f K", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
    return buf;
}

std::string bytes_text(std::uint64_t n) {
    char buf[32];
    if (n >= (1ULL << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", n / double(1ULL << 30));
    else if (n >= (1ULL << 20)) std::snprintf(buf, sizeof buf, "%.2f MiB", n / double(1ULL << 20));
    else if (n >= (1ULL << 10)) std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
    else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    return buf;
}

std::string pad(std::string s, std::size_t width, bool right = false) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

void print_human(const w::Inspection& r, bool summary) {
    std::printf("Checkpoint    %s\n", r.source.c_str());
    if (r.root != r.source) std::printf("Folder        %s\n", r.root.c_str());
    if (r.from_hf_cache) std::printf("HF cache      revision %s\n", r.revision.c_str());
    std::printf("Format        %s, %zu file%s%s\n", r.format.c_str(), r.files.size(), r.files.size() == 1 ? "" : "s",
                r.index_file ? (" (index " + *r.index_file + ")").c_str() : "");
    if (!r.quantization.scheme.empty()) {
        std::printf("Quantisation  %s: %zu weight%s dequantised to fp32%s\n", r.quantization.scheme.c_str(),
                    r.quantization.dequantised, r.quantization.dequantised == 1 ? "" : "s",
                    r.quantization.not_comparable.empty() ? "" : "; not comparable:");
        for (const auto& n : r.quantization.not_comparable) std::printf("              %s\n", n.c_str());
    }
    if (r.config) {
        const auto& c = *r.config;
        std::printf("Architecture  %s (%s)\n", c.architecture.empty() ? "?" : c.architecture.c_str(),
                    c.model_type.empty() ? "?" : c.model_type.c_str());
        std::printf("              hidden %lld, layers %lld, heads %lld (kv %lld, head_dim %lld), intermediate %lld,\n"
                    "              vocab %lld, context %lld, rope_theta %g%s, norm_eps %g, tied embeddings %s\n",
                    (long long)c.hidden_size, (long long)c.num_layers, (long long)c.num_heads, (long long)c.num_kv_heads,
                    (long long)c.head_dim, (long long)c.intermediate_size, (long long)c.vocab_size,
                    (long long)c.max_position_embeddings, c.rope_theta,
                    c.rope_scaling ? (" (" + c.rope_scaling->type + " x" + std::to_string(c.rope_scaling->factor) + ")").c_str() : "",
                    c.norm_eps, c.tie_word_embeddings ? "yes" : "no");
        if (c.num_experts)
            std::printf("              experts %lld (%lld per token, intermediate %lld)\n", (long long)c.num_experts,
                        (long long)c.num_experts_per_tok, (long long)c.moe_intermediate_size);
        for (const auto& [name, sub] : c.sub_configs)
            std::printf("              %s: %s\n", name.c_str(), sub.model_type.empty() ? "(no model_type)" : sub.model_type.c_str());
    } else {
        std::printf("Architecture  unknown (no config.json)\n");
    }

    std::printf("\nParameters    %s (%s) in %zu tensors, %s\n", grouped(r.total_parameters).c_str(),
                human(r.total_parameters).c_str(), r.tensors.size(), bytes_text(r.total_bytes).c_str());
    for (const auto& [comp, n] : r.parameters_by_component) {
        if (!n) continue;
        std::printf("  %s %s  %5.1f%%\n", pad(std::string(w::component_name(comp)), 12).c_str(),
                    pad(grouped(n), 16, true).c_str(), r.total_parameters ? 100.0 * n / r.total_parameters : 0.0);
    }
    std::printf("\nDtypes\n");
    for (const auto& [dt, c] : r.dtypes)
        std::printf("  %s %s tensors %s parameters %s\n", pad(std::string(w::dtype_name(dt)), 12).c_str(),
                    pad(grouped(c.tensors), 6, true).c_str(), pad(grouped(c.parameters), 16, true).c_str(),
                    pad(bytes_text(c.bytes), 11, true).c_str());

    if (!summary) {
        std::size_t name_w = 4, shape_w = 5, role_w = 4;
        for (const auto& t : r.tensors) {
            name_w = std::max(name_w, t.info->name.size());
            shape_w = std::max(shape_w, w::shape_text(t.info->shape).size());
            role_w = std::max(role_w, w::role_name(t.role.role).size());
        }
        std::printf("\nTensors\n  %s  %s  %s  %s  %s\n", pad("name", name_w).c_str(), pad("dtype", 7).c_str(),
                    pad("shape", shape_w).c_str(), pad("role", role_w).c_str(), pad("parameters", 14, true).c_str());
        for (const auto& t : r.tensors) {
            std::string note;
            if (t.nan_count || t.inf_count)
                note = "  ! " + std::to_string(t.nan_count) + " NaN, " + std::to_string(t.inf_count) + " Inf";
            std::printf("  %s  %s  %s  %s  %s%s\n", pad(t.info->name, name_w).c_str(),
                        pad(std::string(w::dtype_name(t.info->dtype)), 7).c_str(),
                        pad(w::shape_text(t.info->shape), shape_w).c_str(),
                        pad(std::string(w::role_name(t.role.role)), role_w).c_str(),
                        pad(grouped(t.info->num_elements), 14, true).c_str(), note.c_str());
        }
    }

    std::printf("\nConfig check  ");
    if (!r.config) std::printf("skipped (no config.json)\n");
    else if (r.mismatches.empty()) std::printf("every tensor matches config.json\n");
    else {
        std::printf("%zu mismatch%s\n", r.mismatches.size(), r.mismatches.size() == 1 ? "" : "es");
        for (const auto& m : r.mismatches)
            std::printf("  %s %s\n", pad(std::string(w::mismatch_kind_name(m.kind)), 10).c_str(), m.message.c_str());
    }
    std::printf("Non-finite    ");
    if (!r.tensors_with_nonfinite) std::printf("none\n");
    else std::printf("%llu tensor(s) hold NaN or Inf (marked '!' above)\n", (unsigned long long)r.tensors_with_nonfinite);

    std::string tok;
    for (const auto& f : r.tokenizer_files) tok += (tok.empty() ? "" : ", ") + f;
    std::printf("Tokenizer     %s\n", tok.empty() ? "no tokenizer files" : tok.c_str());

    if (!r.content_digest.empty() || (!r.files.empty() && !r.files[0].sha256.empty())) {
        std::printf("\nDigests (SHA-256)\n");
        if (!r.content_digest.empty()) std::printf("  content (shard-independent)  %s\n", r.content_digest.c_str());
        std::size_t fw = 0;
        for (const auto& f : r.files) fw = std::max(fw, f.name.size());
        for (const auto& f : r.files)
            if (!f.sha256.empty())
                std::printf("  %s  %s  %s\n", pad(f.name, fw).c_str(), f.sha256.c_str(), bytes_text(f.size).c_str());
    }
}

int run_inspect(const InspectOptions& o) {
    const auto checkpoint = w::Checkpoint::open(o.path);
    w::InspectOptions io;
    io.file_digests = io.content_digest = !o.no_digests;
    const auto report = w::inspect_checkpoint(checkpoint, io);
    if (o.json) std::printf("%s\n", w::to_json(report).dump(2).c_str());
    else print_human(report, o.summary);
    std::fflush(stdout);
    if (w::is_fatal(report.mismatches)) {
        const auto first = std::find_if(report.mismatches.begin(), report.mismatches.end(), [](const auto& m) {
            return m.kind != w::ConfigMismatch::Kind::unexpected;
        });
        const auto config = checkpoint.sibling("config.json");
        throw InputError(config ? config->string() : checkpoint.root().string(),
                         first->message + " (" + std::to_string(report.mismatches.size()) +
                             " config/tensor mismatches in all)");
    }
    return 0;
}

}  // namespace

std::function<int()> setup_inspect(CLI::App& sub) {
    auto o = std::make_shared<InspectOptions>();
    sub.add_option("path", o->path, "checkpoint folder, .safetensors file, or ORG/NAME in the Hugging Face cache")
        ->required();
    sub.add_flag("--json", o->json, "print the lineage-inspect/1 JSON document instead of text");
    sub.add_flag("--no-digests", o->no_digests, "skip the SHA-256 digests (faster on big checkpoints)");
    sub.add_flag("--summary", o->summary, "omit the tensor table");
    return [o]() -> int { return run_inspect(*o); };
}

}  // namespace lineage::cli
