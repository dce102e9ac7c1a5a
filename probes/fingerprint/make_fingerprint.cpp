// make_fingerprint (see make_fingerprint.h).
#include "probes/fingerprint/make_fingerprint.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "probes/fingerprint/anchor_rows.h"
#include "probes/fingerprint/sketch_tensors.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/weight_summary.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/digest.h"

namespace lineage::probes::fingerprint {

namespace pw = probes::weights;
using lineage::weights::Role;

namespace {

std::string read_file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in && !in.eof()) throw InputError(p.string(), "cannot read the file");
    return s.str();
}

TensorFacts facts_of(const pw::TensorSummary& s) {
    TensorFacts f;
    f.sha256 = s.sha256;
    f.row_minhash = s.row_minhash;
    f.rows = s.rows, f.cols = s.cols;
    f.mean = s.mean, f.stddev = s.stddev;
    f.constant = s.constant;
    return f;
}

std::string folder_name(const std::string& path) {
    std::filesystem::path p(path);
    while (!p.empty() && p.filename().empty()) p = p.parent_path();
    std::string n = p.filename().string();
    if (std::filesystem::path(n).extension() == ".safetensors") n = p.parent_path().filename().string();
    return n.empty() ? "model" : n;
}

// bf16 upper triangles of the per-layer Gram matrices (L + 1 hidden layers), as LAYOUT.md stores them.
std::int64_t signature_bytes(std::int64_t layers, std::int64_t points) {
    return points > 0 ? (layers + 1) * points * (points + 1) / 2 * 2 : 0;
}

// The settings the budget allows. Automatic values step down this ladder, in order of what the
// probes lose least by: sketch dims first (k/d of every layer is the bulk), then signature points
// (fewer points widen the CKA estimates' spread), then anchors (the hidden-map fit is judged held
// out, so it wants a few times more anchors than hidden dims), and k = 16 and the fewest anchors
// last. Settings the user fixed stay fixed.
struct Rung {
    std::int64_t k, anchors, points;
};
constexpr Rung kLadder[] = {{64, 4096, 512}, {32, 4096, 512}, {32, 4096, 256}, {32, 2048, 256},
                            {16, 2048, 256}, {16, 2048, 128}, {16, 1024, 128}, {16, 512, 128}};

struct Budgeted {
    std::int64_t k = 0, anchors = 0, points = 0;
    double bytes = 0.0;
    bool within = false;
};

// The first rung within the budget. A model too small for the budget even at the last rung
// (hidden 64-512: the 1-D tensors, files and anchors alone pass 2%) gets the first rung: shrinking
// it would cost fidelity without reaching the bound (`lineage fingerprint` prints the share).
template <class Estimate>
Budgeted fit_budget(const FingerprintOptions& o, Estimate&& estimate, double budget_bytes) {
    auto at = [&](const Rung& r) {
        Budgeted b;
        b.k = o.sketch_dims > 0 ? o.sketch_dims : r.k;
        b.anchors = o.anchors > 0 ? o.anchors : r.anchors;
        b.points = o.activation_points <= 0 ? 0 : std::min(o.activation_points, r.points);
        b.bytes = static_cast<double>(estimate(b.k, b.anchors, b.points));
        b.within = b.bytes <= budget_bytes;
        return b;
    };
    for (const Rung& r : kLadder)
        if (Budgeted b = at(r); b.within) return b;
    return at(kLadder[0]);
}

}  // namespace

std::int64_t estimate_payload_bytes(const pw::ModelView& view, std::int64_t d, std::int64_t k,
                                    std::int64_t anchors, std::int64_t file_bytes) {
    std::int64_t values = 0;
    for (const auto& t : view.tensors()) {
        if (!t.role.tower.empty()) continue;
        if (t.shape.size() <= 1) values += t.elements();
        else if (t.role.role == Role::token_embedding) values += anchors * d;
        else if (t.role.role == Role::lm_head) values += anchors * k;
        else if (hidden_side(t.role.role) == HiddenSide::columns && t.cols() == d) values += t.rows() * k;
        else if (hidden_side(t.role.role) == HiddenSide::rows && t.rows() == d) values += t.cols() * k;
    }
    return 2 * values + file_bytes + 8 * anchors;
}

Fingerprint make_fingerprint(const std::string& model_path, const FingerprintOptions& o) {
    const lineage::weights::Checkpoint ckpt = lineage::weights::Checkpoint::open(model_path);
    const pw::CheckpointView view(model_path);
    Fingerprint fp;
    fp.name = o.name.empty() ? folder_name(model_path) : o.name;
    fp.source_path = model_path;
    fp.source_digest = "sha256:" + lineage::weights::content_digest(ckpt.tensors());
    fp.tool_version = o.tool_version;
    fp.created_at = o.created_at;
    if (ckpt.config()) fp.architecture = ckpt.config()->architecture;

    const pw::TensorRef* emb = view.find(Role::token_embedding);
    if (!emb || emb->shape.size() != 2)
        throw UnsupportedError(model_path, "no token embedding matrix: a fingerprint anchors the "
                                           "hidden basis on embedding rows");
    fp.hidden_size = emb->cols();
    for (const char* f : kCarriedFiles)
        if (auto p = ckpt.sibling(f)) fp.files.emplace_back(f, read_file_bytes(*p));
    std::int64_t file_bytes = 0;
    for (const auto& [n, b] : fp.files) file_bytes += static_cast<std::int64_t>(b.size());
    std::int64_t params = 0, layers = 0;
    for (const auto& t : view.tensors()) {
        params += t.elements();
        if (t.role.tower.empty() && t.role.layer >= 0) layers = std::max<std::int64_t>(layers, t.role.layer + 1);
    }
    // The signature runs the model on text, so a model without a tokenizer gets none.
    bool has_tokenizer = false;
    for (const char* f : {"tokenizer.json", "tekken.json", "tokenizer.model"})
        has_tokenizer = has_tokenizer || ckpt.sibling(f).has_value();
    const Budgeted b = fit_budget(o, [&](std::int64_t k, std::int64_t anchors, std::int64_t points) {
        return estimate_payload_bytes(view, fp.hidden_size, sketch_dims_for(fp.hidden_size, k),
                                      std::min(anchors, emb->rows()), file_bytes) +
               (has_tokenizer ? signature_bytes(layers, points) : 0);
    }, o.budget * 2.0 * static_cast<double>(params));
    const std::int64_t k = b.k, anchors = b.anchors;
    fp.sketch_dims = sketch_dims_for(fp.hidden_size, k);
    fp.projection_seed = o.seed;
    const MatrixF r = projection_matrix(fp.hidden_size, fp.sketch_dims, fp.projection_seed);

    // Anchors: by byte string when a tokenizer is beside the weights, else by id.
    std::optional<model::Vocabulary> vocab;
    if (has_tokenizer) vocab = model::load_vocabulary(ckpt.root());
    select_anchors(vocab ? &*vocab : nullptr, emb->rows(), anchors, fp.anchor_ids, fp.anchor_bytes);

    const pw::WeightSummary summary = pw::summarize(view);
    for (std::size_t i = 0; i < view.tensors().size(); ++i) {
        const pw::TensorRef& t = view.tensors()[i];
        fp.parameters += t.elements();
        std::optional<SketchTensor> s;
        std::string why;
        if (t.role.tower.empty() && !t.role.is_bias && t.role.role == Role::token_embedding &&
            &t == emb) {
            const MatrixF rows = gather_rows(ckpt, t.name, fp.anchor_ids);
            s = SketchTensor{t.name, SketchKind::anchor_rows, {rows.rows(), rows.cols()},
                             std::vector<float>(rows.data(), rows.data() + rows.size()), {}};
        } else if (t.role.tower.empty() && !t.role.is_bias && t.role.role == Role::lm_head &&
                   t.shape.size() == 2 && t.cols() == fp.hidden_size) {
            const MatrixF rows = fold_final_norm(view, gather_rows(ckpt, t.name, fp.anchor_ids)) * r;
            s = SketchTensor{t.name, SketchKind::anchor_sketch, {rows.rows(), rows.cols()},
                             std::vector<float>(rows.data(), rows.data() + rows.size()), {}};
        } else {
            s = sketch_tensor(view, t, r, fp.hidden_size, why);
        }
        if (!s) {
            fp.not_sketched.push_back(t.name + ": " + why);
            continue;
        }
        s->full = facts_of(summary.tensors[i]);
        fp.tensors.push_back(std::move(*s));
    }
    if (b.points > 0) {
        // A model the reference implementation cannot run still gets a (weights-only) fingerprint.
        try {
            activation::SignatureOptions so;
            so.points = b.points;
            fp.activations = activation::compute_signature(model_path, activation::bundled_corpus(), so);
        } catch (const Error& e) {
            fp.not_sketched.push_back(std::string("activations: ") + e.what());
        }
    }
    return fp;
}

}  // namespace lineage::probes::fingerprint
