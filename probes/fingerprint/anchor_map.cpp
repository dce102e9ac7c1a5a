// Anchor rows and the hidden-map fit on them (see anchor_map.h).
#include "probes/fingerprint/anchor_map.h"

#include "probes/fingerprint/anchor_rows.h"
#include "probes/weights/hidden_alignment.h"
#include "probes/weights/pair_context.h"
#include "weights/core/error.h"

namespace lineage::probes::fingerprint {

namespace pw = probes::weights;
using lineage::weights::Role;

namespace {

constexpr std::int64_t kMinSharedAnchors = 16;  // align_hidden's own minimum

MatrixF subset_rows(const MatrixF& m, const std::vector<std::int32_t>& rows) {
    MatrixF out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = m.row(rows[i]);
    return out;
}

}  // namespace

AnchorMap fit_anchor_map(const CandidateSummary& c, const Fingerprint& fp, const pw::VerdictRule& rule,
                         std::uint64_t seed, const std::string& label) {
    AnchorMap out;
    const pw::TensorRef* emb = c.view().find(Role::token_embedding);
    if (!emb || emb->shape.size() != 2)
        throw UnsupportedError(c.path(), "no token embedding matrix to map onto the fingerprint's anchors");
    const SketchTensor* base_emb = nullptr;
    for (const auto& t : fp.tensors)
        if (t.kind == SketchKind::anchor_rows) base_emb = &t;
    if (!base_emb) throw InputError(fp.name, "fingerprint has no anchor embedding rows");

    const std::vector<std::int32_t> cand_ids =
        find_anchors(c.vocabulary(), emb->rows(), fp.anchor_ids, fp.anchor_bytes);
    for (std::size_t i = 0; i < cand_ids.size(); ++i)
        if (cand_ids[i] >= 0)
            out.base_idx.push_back(static_cast<std::int32_t>(i)), out.cand_rows.push_back(cand_ids[i]);
    out.anchors = static_cast<std::int64_t>(fp.anchor_ids.size());
    out.shared_anchors = static_cast<std::int64_t>(out.base_idx.size());
    if (out.shared_anchors < kMinSharedAnchors)
        throw UnsupportedError(c.path(), "shares only " + std::to_string(out.shared_anchors) +
                                             " anchor tokens with fingerprint '" + fp.name +
                                             "' (at least 16 are needed to map the hidden bases)");
    const MatrixF base_full(Eigen::Map<const MatrixF>(base_emb->values.data(), base_emb->shape[0],
                                                      base_emb->shape[1]));
    out.x = subset_rows(base_full, out.base_idx);
    out.y = c.embedding_rows(out.cand_rows);

    // The candidate's hidden basis onto the base's: the probe's own fit on the anchor rows.
    pw::MemoryModel ma(fp.name), mb(label);
    ma.add(emb->name, out.x);
    mb.add(emb->name, out.y);
    const pw::WeightSummary empty_a, empty_b;
    pw::PairContext ctx{ma, mb, empty_a, empty_b, rule, MatrixF(), false};
    pw::SharedTokens tokens;
    for (std::int32_t i = 0; i < static_cast<std::int32_t>(out.base_idx.size()); ++i) tokens.pairs.emplace_back(i, i);
    tokens.source = "fingerprint anchor tokens by byte string (" + std::to_string(out.shared_anchors) +
                    " of " + std::to_string(out.anchors) + " shared)";
    std::vector<pw::ComponentStat> map_stats;
    out.premap = pw::align_hidden(ctx, tokens, seed, map_stats);
    out.has_map = ctx.has_map;
    out.hidden_map = std::move(ctx.hidden_map);
    return out;
}

}  // namespace lineage::probes::fingerprint
