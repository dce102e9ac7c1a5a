// Screening against fingerprints (see screen.h).
#include "probes/fingerprint/screen.h"

#include <filesystem>

#include "probes/fingerprint/anchor_map.h"
#include "probes/fingerprint/anchor_rows.h"
#include "probes/fingerprint/sketch_tensors.h"
#include "probes/weights/pair_context.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"

namespace lineage::probes::fingerprint {

namespace pw = probes::weights;
using lineage::weights::Role;

namespace {

std::string folder_label(const std::string& path) {
    std::filesystem::path p(path);
    while (!p.empty() && p.filename().empty()) p = p.parent_path();
    return p.filename().empty() ? path : p.filename().string();
}

void add_matrix(pw::MemoryModel& m, const std::string& name, const MatrixF& v) { m.add(name, v); }

void add_sketch(pw::MemoryModel& m, const SketchTensor& s) { m.add(s.name, s.shape, s.values); }

// Replaces the sketch's own per-tensor facts with the full tensors' (exact reuse, descriptive
// std curve), matched by name.
void use_full_facts(const pw::ModelView& view, pw::WeightSummary& s,
                    const std::map<std::string, TensorFacts>& facts) {
    for (std::size_t i = 0; i < view.tensors().size(); ++i) {
        const auto& t = view.tensors()[i];
        const auto it = facts.find(t.name);
        if (it == facts.end()) continue;
        auto& ts = s.tensors[i];
        ts.sha256 = it->second.sha256;
        ts.row_minhash = it->second.row_minhash;
        ts.rows = it->second.rows, ts.cols = it->second.cols;
        ts.mean = it->second.mean, ts.stddev = it->second.stddev;
        ts.constant = it->second.constant;
        if (t.role.role == Role::q_proj && t.role.tower.empty() && !t.role.is_bias &&
            t.role.layer >= 0 && t.role.layer < static_cast<int>(s.layers.size()))
            s.layers[t.role.layer].q_std = it->second.stddev;
    }
}

MatrixF subset_rows(const MatrixF& m, const std::vector<std::int32_t>& rows) {
    MatrixF out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = m.row(rows[i]);
    return out;
}

}  // namespace

CandidateScreen::CandidateScreen(const std::string& candidate_path)
    : path_(candidate_path), label_(folder_label(candidate_path)) {
    candidate_ = std::make_unique<CandidateSummary>(candidate_path);
    ckpt_ = &candidate_->checkpoint();
    view_ = &candidate_->view();
}

CandidateScreen::~CandidateScreen() = default;

const pw::WeightSummary& CandidateScreen::full_summary() {
    if (!summarized_) summary_ = pw::summarize(*view_), summarized_ = true;
    return summary_;
}

QuickResult CandidateScreen::quick(const Fingerprint& fp, const pw::CompareOptions& options) {
    QuickScreenOptions qo = quick_options(options.rule);
    if (options.seed) qo.seed ^= *options.seed;
    return quick_screen(*candidate_, fp, qo, options.rule, options.seed.value_or(options.rule.seed), label_);
}

ScreenResult CandidateScreen::screen(const Fingerprint& fp, const pw::CompareOptions& options) {
    QuickResult q = quick(fp, options);
    ScreenResult out;
    if (q.cleared) {
        out.result = cleared_result(q, *candidate_, fp, label_);
        out.anchors = q.anchors, out.shared_anchors = q.shared_anchors;
        out.notes.push_back("cleared by the quick screen without the full sketch probe: " + q.reason);
    } else {
        out = compare(fp, options, q.map.get());
        out.full_stage = true;
        out.notes.insert(out.notes.begin(), "sent to the full sketch probe by the quick screen: " + q.reason);
    }
    out.quick = std::move(q);
    return out;
}

std::vector<SketchTensor> CandidateScreen::sketch_body(const MatrixF& p, std::int64_t hidden) {
    std::vector<SketchTensor> out;
    const auto& refs = view_->tensors();
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const auto& t = refs[i];
        if (t.role.tower.empty() && !t.role.is_bias &&
            (t.role.role == Role::token_embedding || t.role.role == Role::lm_head))
            continue;
        std::string why;
        auto s = sketch_tensor(*view_, t, p, hidden, why);
        if (!s) continue;
        out.push_back(std::move(*s));
    }
    return out;
}

ScreenResult CandidateScreen::compare(const Fingerprint& fp, const pw::CompareOptions& options,
                                      const AnchorMap* pre) {
    ScreenResult out;
    const pw::TensorRef* emb = view_->find(Role::token_embedding);
    if (!emb || emb->shape.size() != 2)
        throw UnsupportedError(path_, "no token embedding matrix to map onto the fingerprint's anchors");
    const SketchTensor* base_emb = nullptr;
    const SketchTensor* base_head = nullptr;
    for (const auto& t : fp.tensors) {
        if (t.kind == SketchKind::anchor_rows) base_emb = &t;
        if (t.kind == SketchKind::anchor_sketch) base_head = &t;
    }
    if (!base_emb) throw InputError(fp.name, "fingerprint has no anchor embedding rows");

    // 1-2. Anchors, both sides' rows of them, and the hidden-map fit (reused from the quick stage).
    const AnchorMap fitted = pre ? AnchorMap() : fit_anchor_map(*candidate_, fp, options.rule,
                                                                options.seed.value_or(options.rule.seed), label_);
    const AnchorMap& am = pre ? *pre : fitted;
    const std::vector<std::int32_t>& base_idx = am.base_idx;
    const std::vector<std::int32_t>& cand_rows = am.cand_rows;
    out.anchors = am.anchors;
    out.shared_anchors = am.shared_anchors;
    const MatrixF& x = am.x;
    const MatrixF& y = am.y;
    pw::HiddenMap premap = am.premap;
    struct {
        bool has_map;
        const MatrixF& hidden_map;
    } ctx{am.has_map, am.hidden_map};

    // 3. Projections: R for the base; M^T R (or R itself, or an unrelated basis) for the candidate.
    const std::int64_t d_a = fp.hidden_size, d_b = emb->cols(), k = fp.sketch_dims;
    const MatrixF r = projection_matrix(d_a, k, fp.projection_seed);
    MatrixF p;
    std::vector<SketchTensor> body;
    if (ctx.has_map) {
        p = ctx.hidden_map.transpose() * r;  // (d_B, d_A) (d_A, k)
        body = sketch_body(p, d_b);
    } else {
        std::int64_t kb = k;
        std::uint64_t seed_b = fp.projection_seed;
        if (d_b == d_a) {
            p = r;
        } else {
            // No map between different widths: the full probe cannot compare them, and neither
            // may the sketch (a width of k+1 keeps the sketches incomparable too).
            kb = k + 1, seed_b = fp.projection_seed ^ 0x5bd1e995u;
            p = projection_matrix(d_b, kb, seed_b);
            out.notes.push_back("hidden widths differ and no map was recovered");
        }
        const auto key = std::make_tuple(d_b, kb, seed_b);
        auto it = cache_.find(key);
        if (it == cache_.end()) it = cache_.emplace(key, sketch_body(p, d_b)).first;
        body = it->second;
    }

    // 4. The two sketch models (anchors in the same order on both sides).
    pw::MemoryModel base_sketch(fp.name), cand_sketch(label_);
    std::map<std::string, TensorFacts> base_facts, cand_facts;
    add_matrix(base_sketch, base_emb->name, x * r);
    base_facts[base_emb->name] = base_emb->full;
    if (base_head) {
        const MatrixF head(Eigen::Map<const MatrixF>(base_head->values.data(), base_head->shape[0],
                                                     base_head->shape[1]));
        add_matrix(base_sketch, base_head->name, subset_rows(head, base_idx));
        base_facts[base_head->name] = base_head->full;
    }
    for (const auto& t : fp.tensors) {
        if (t.kind == SketchKind::anchor_rows || t.kind == SketchKind::anchor_sketch) continue;
        add_sketch(base_sketch, t);
        base_facts[t.name] = t.full;
    }
    // The full probe correlates embedding (and lm_head) rows element-wise only when both tables
    // have one shape, row i against row i in the stored bases. The anchor rows are that only when
    // the ids agree and no map was applied; otherwise (the map was fitted on these very rows) the
    // correlation would be circular, so one extra zero row keeps the shapes apart: token
    // agreement and the hidden fit still read the shared rows, Pearson skips the pair.
    bool same_ids = base_emb->full.rows == emb->rows() && base_emb->full.cols == emb->cols();
    for (std::size_t i = 0; i < base_idx.size() && same_ids; ++i)
        same_ids = fp.anchor_ids[base_idx[i]] == cand_rows[i];
    const bool rows_pairable = same_ids && !ctx.has_map;
    auto with_guard_row = [&](MatrixF m) {
        if (rows_pairable) return m;
        m.conservativeResize(m.rows() + 1, Eigen::NoChange);
        m.row(m.rows() - 1).setZero();
        return m;
    };
    add_matrix(cand_sketch, emb->name, with_guard_row(y * p));
    if (const pw::TensorRef* head = view_->find(Role::lm_head);
        head && head->shape.size() == 2 && head->cols() == d_b)
        add_matrix(cand_sketch, head->name,
                   with_guard_row(fold_final_norm(*view_, gather_rows(*ckpt_, head->name, cand_rows)) * p));
    if (!rows_pairable)
        out.notes.push_back("embedding rows not correlated element-wise (token ids differ or a map "
                            "was fitted on them)");
    for (const auto& t : body) add_sketch(cand_sketch, t);
    const pw::WeightSummary& summary = full_summary();
    for (std::size_t i = 0; i < view_->tensors().size(); ++i)
        cand_facts[view_->tensors()[i].name] = TensorFacts{
            summary.tensors[i].sha256, summary.tensors[i].row_minhash, summary.tensors[i].rows,
            summary.tensors[i].cols,   summary.tensors[i].mean,        summary.tensors[i].stddev,
            summary.tensors[i].constant};

    pw::WeightSummary sa = pw::summarize(base_sketch), sb = pw::summarize(cand_sketch);
    use_full_facts(base_sketch, sa, base_facts);
    use_full_facts(cand_sketch, sb, cand_facts);

    // 5. The weight probe on the sketches.
    out.result = pw::compare_models(base_sketch, sa, cand_sketch, sb, options);
    out.result.model_a = fp.name;
    out.result.model_b = label_;
    premap.note = (premap.note.empty() ? "" : premap.note + "; ") +
                  "fitted on the fingerprint's anchor rows at full width; the statistics ran on " +
                  std::to_string(k) + "-dim sketches";
    out.result.hidden = premap;
    out.notes.push_back("weights compared on " + std::to_string(k) + "-dim sketches of fingerprint '" +
                        fp.name + "' (" + std::to_string(out.shared_anchors) + " of " +
                        std::to_string(out.anchors) + " anchor tokens shared)");
    out.notes.push_back("token-agreement blocks index anchor tokens, not token ids");
    return out;
}

}  // namespace lineage::probes::fingerprint
