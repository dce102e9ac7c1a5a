// Neuron matching (see neuron_matching.h). Similarities are float GEMMs of row-normalised
// matrices (n_a x d) * (d x n_b). The fused path (match_by_cosine) produces the similarity matrix
// block by block and keeps only each row's best column, so a derived pair - whose rows' best
// columns are all distinct, which certifies that matching as optimal - never stores the n_a x n_b
// matrix; when the certificate fails the matrix is materialised and the exact solver runs on it.
#include "probes/weights/neuron_matching.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <numeric>
#include <tuple>

#include "probes/stats/assignment.h"
#include "probes/stats/assignment_scan.h"
#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/stats/layer_alignment.h"
#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"

namespace lineage::probes::weights {
namespace {

void normalise_rows(MatrixF& m) {
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        const float n = m.row(r).norm();
        if (n > 0) m.row(r) /= n;
    }
}

}  // namespace

// A block's gate or up rows (handles fused gate_up and 3-D expert slices).
MatrixF block_rows(const ModelView& view, const NeuronBlock& b, bool up, const PairContext* ctx_a) {
    const TensorRef* t = up && !b.fused ? b.up : b.gate;
    MatrixF m;
    if (b.slice >= 0) {
        // One expert of a fused 3-D tensor: row `slice` of (experts, out*in), then fold and map.
        const MatrixF all = view.read(*t);
        const std::int64_t out = t->shape[1], in = t->shape[2];
        m = Eigen::Map<const MatrixF>(all.row(b.slice).data(), out, in);
        if (const TensorRef* norm = view.find(Role::mlp_norm, t->role.layer);
            norm && norm->elements() == in) {
            const MatrixF g = view.read(*norm);
            for (Eigen::Index r = 0; r < m.rows(); ++r)
                for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) *= g.data()[c];
        }
        if (ctx_a && ctx_a->has_map && ctx_a->hidden_map.rows() == m.cols()) m = m * ctx_a->hidden_map;
    } else {
        m = ctx_a ? read_aligned_a(*ctx_a, *t) : read_folded(view, *t);
    }
    if (b.fused) {
        const Eigen::Index half = m.rows() / 2;
        return up ? MatrixF(m.bottomRows(half)) : MatrixF(m.topRows(half));
    }
    return m;
}

namespace {

// Rows of a and b already normalised.
CosineMatch match_normalised(const MatrixF& a, const MatrixF& b, SimilarityPath path) {
    CosineMatch out;
    const Eigen::Index na = a.rows(), nb = b.rows();
    if (na == 0 || nb == 0) return out;
    const bool fused = path == SimilarityPath::fused ||
                       (path == SimilarityPath::automatic && na * nb > kMaterialiseEntries);
    if (fused && na <= nb) {
        // Blocks of rows of A with a similarity tile of ~24 MB (it stays in the last-level cache
        // while it is scanned; large enough that the GEMM's packing of B is amortised).
        const Eigen::Index block = std::clamp<Eigen::Index>((Eigen::Index(6) << 20) / nb, 16, 1024);
        MatrixF tile(std::min(block, na), nb);
        std::vector<std::int32_t> best(static_cast<std::size_t>(na));
        std::vector<char> taken(static_cast<std::size_t>(nb), 0);
        bool finite = true;
        for (Eigen::Index r0 = 0; r0 < na && finite; r0 += block) {
            const Eigen::Index rows = std::min(block, na - r0);
            tile.topRows(rows).noalias() = a.middleRows(r0, rows) * b.transpose();
            const auto scan = stats::scan_rows(tile.data(), rows, nb, true);
            finite = scan.finite;
            for (Eigen::Index i = 0; i < rows; ++i) {
                best[r0 + i] = static_cast<std::int32_t>(scan.col[i]);
                out.collisions += taken[scan.col[i]]++ ? 1 : 0;
            }
        }
        if (finite && out.collisions == 0) {
            out.row_to_col = std::move(best);
            out.certified = true;
            out.fused = true;
            return out;
        }
    }
    // One GEMM into the cost matrix (-similarity, negated in place), then the exact solver, which
    // starts with the same certificate scan.
    MatrixF cost(na, nb);
    cost.noalias() = a * b.transpose();
    cost *= -1.0f;
    const auto r = stats::solve_assignment(cost.data(), cost.rows(), cost.cols());
    out.row_to_col = r.row_to_col;
    out.certified = r.certified;
    out.collisions = r.collisions;
    return out;
}

}  // namespace

CosineMatch match_by_cosine(MatrixF a, MatrixF b, SimilarityPath path) {
    normalise_rows(a);
    normalise_rows(b);
    return match_normalised(a, b, path);
}

std::vector<std::int32_t> neuron_subset(std::int64_t n, std::int64_t limit) {
    std::vector<std::int32_t> rows;
    if (limit <= 0 || n <= 2 * limit) {
        rows.resize(static_cast<std::size_t>(n));
        std::iota(rows.begin(), rows.end(), 0);
        return rows;
    }
    // A fixed seed: the choice must not depend on the weights (see neuron_matching.h).
    stats::Rng rng(0x6e6575726f6e73ULL);
    const auto perm = stats::random_permutation(n, rng);
    rows.assign(perm.begin(), perm.begin() + limit);
    std::sort(rows.begin(), rows.end());
    return rows;
}

std::int64_t neuron_subset_limit() {
    static const std::int64_t limit = [] {
        const char* v = std::getenv("LINEAGE_NEURON_ROWS");
        return v ? std::atoll(v) : kNeuronSubsetRows;
    }();
    return limit;
}

namespace {

MatrixF select_rows(const MatrixF& m, const std::vector<std::int32_t>& rows) {
    if (static_cast<Eigen::Index>(rows.size()) == m.rows()) return m;
    MatrixF out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = m.row(rows[k]);
    return out;
}

}  // namespace

std::vector<NeuronBlock> mlp_blocks(const ModelView& view, int layer) {
    std::vector<NeuronBlock> blocks;
    if (const TensorRef* g = view.find(Role::mlp_gate, layer)) {
        if (const TensorRef* u = view.find(Role::mlp_up, layer)) blocks.push_back({g, u, false, -1, -1});
    } else if (const TensorRef* gu = view.find(Role::mlp_gate_up, layer)) {
        blocks.push_back({gu, gu, true, -1, -1});
    }
    for (int e : view.experts(layer)) {
        const TensorRef* g = view.find(Role::expert_gate, layer, e);
        const TensorRef* u = view.find(Role::expert_up, layer, e);
        if (g && u) blocks.push_back({g, u, false, e, -1});
    }
    // Experts fused into 3-D tensors (experts, out, in): one block per expert slice.
    const TensorRef* fg = view.find(Role::expert_gate_up, layer);
    if (fg && fg->shape.size() == 3) {
        for (std::int64_t e = 0; e < fg->shape[0]; ++e)
            blocks.push_back({fg, fg, true, static_cast<int>(e), static_cast<int>(e)});
    } else {
        const TensorRef* g3 = view.find(Role::expert_gate, layer);
        const TensorRef* u3 = view.find(Role::expert_up, layer);
        if (g3 && u3 && g3->shape.size() == 3 && u3->shape == g3->shape)
            for (std::int64_t e = 0; e < g3->shape[0]; ++e)
                blocks.push_back({g3, u3, false, static_cast<int>(e), static_cast<int>(e)});
    }
    const TensorRef* sg = view.find(Role::shared_expert_gate, layer);
    const TensorRef* su = view.find(Role::shared_expert_up, layer);
    if (sg && su) blocks.push_back({sg, su, false, -2, -1});
    return blocks;
}

namespace {

// One block's rows ready for matching: norm gain folded, A's side mapped into B's hidden basis and
// cut to the matched subset (neuron_subset, `ids` = those rows' indices in the block), every row
// normalised. Normalising is per row, so cutting first gives the same rows as cutting after.
struct PreparedBlock {
    MatrixF gate, up;
    std::vector<std::int32_t> ids;  // A's side: the block rows kept (sorted); B's side: empty (all)
    std::int64_t n = 0;             // the block's neurons
};
using PreparedPtr = std::shared_ptr<const PreparedBlock>;

PreparedBlock prepare_block(const PairContext& ctx, const NeuronBlock& blk, bool a_side) {
    PreparedBlock p;
    const ModelView& view = a_side ? ctx.a : ctx.b;
    p.gate = block_rows(view, blk, false, a_side ? &ctx : nullptr);
    p.up = block_rows(view, blk, true, a_side ? &ctx : nullptr);
    p.n = p.gate.rows();
    if (a_side) {
        p.ids = neuron_subset(p.gate.rows(), neuron_subset_limit());
        if (static_cast<Eigen::Index>(p.ids.size()) != p.gate.rows()) {
            p.gate = select_rows(p.gate, p.ids);
            p.up = select_rows(p.up, p.ids);
        }
    }
    normalise_rows(p.gate);
    normalise_rows(p.up);
    return p;
}

// Prepared blocks shared by the cells of one neuron_matching call. In a band every layer meets ~5
// layers of the other model, and re-reading, folding, mapping and normalising both 11,008 x 4,096
// tensors per cell cost as much as a screened cell's GEMMs. Least recently used entries go once
// the byte budget is exceeded (layers that left the band; cells run B-layer-major, so the window
// is one layer of B and ~5 subsets of A). A race that prepares one block twice only wastes work.
class PreparedCache {
public:
    explicit PreparedCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

    PreparedPtr get(const PairContext& ctx, const NeuronBlock& blk, bool a_side, int layer, std::size_t block) {
        const Key key{a_side, layer, block};
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (auto hit = find(key)) return hit;
        }
        auto value = std::make_shared<const PreparedBlock>(prepare_block(ctx, blk, a_side));
        std::lock_guard<std::mutex> lock(mu_);
        if (auto hit = find(key)) return hit;
        entries_.push_front({key, value});
        bytes_ += bytes(*value);
        while (bytes_ > budget_ && entries_.size() > 1) {
            bytes_ -= bytes(*entries_.back().second);
            entries_.pop_back();
        }
        return value;
    }

private:
    using Key = std::tuple<bool, int, std::size_t>;
    static std::size_t bytes(const PreparedBlock& p) {
        return static_cast<std::size_t>(p.gate.size() + p.up.size()) * sizeof(float);
    }
    PreparedPtr find(const Key& key) {
        for (auto it = entries_.begin(); it != entries_.end(); ++it)
            if (it->first == key) {
                entries_.splice(entries_.begin(), entries_, it);
                return entries_.front().second;
            }
        return nullptr;
    }
    std::mutex mu_;
    std::list<std::pair<Key, PreparedPtr>> entries_;
    std::size_t bytes_ = 0, budget_;
};

inline constexpr std::size_t kPreparedCacheBytes = std::size_t(1536) << 20;

// The independence test on the rows `pos` of A's prepared subset (positions into a.ids; all of
// them when empty) against all of B's rows.
BlockMatch test_rows(const PreparedBlock& a, const PreparedBlock& b, const std::vector<std::int32_t>& pos) {
    BlockMatch out;
    std::vector<std::int32_t> ids = a.ids;
    const MatrixF* ga = &a.gate;
    const MatrixF* ua = &a.up;
    MatrixF gs, us;
    if (!pos.empty()) {
        gs = select_rows(a.gate, pos);
        us = select_rows(a.up, pos);
        ga = &gs, ua = &us;
        ids.clear();
        for (const auto p : pos) ids.push_back(a.ids[static_cast<std::size_t>(p)]);
    }
    const auto pg = match_normalised(*ga, b.gate, SimilarityPath::automatic);
    out.certified_gate = pg.certified;
    const auto pu = match_normalised(*ua, b.up, SimilarityPath::automatic);
    out.certified_up = pu.certified;
    std::vector<double> x, y, id;
    for (std::size_t k = 0; k < pg.row_to_col.size() && k < pu.row_to_col.size(); ++k)
        if (pg.row_to_col[k] >= 0 && pu.row_to_col[k] >= 0) {
            x.push_back(pg.row_to_col[k]);
            y.push_back(pu.row_to_col[k]);
            id.push_back(static_cast<double>(ids[k]));
        }
    out.neurons = static_cast<std::int64_t>(x.size());
    if (x.size() < 3) return out;
    const auto t = stats::spearman_test(std::span<const double>(x), std::span<const double>(y),
                                        stats::Alternative::greater);
    out.spearman = t.r;
    out.neg_log10_p = t.neg_log10_p;
    out.identity_spearman =
        stats::spearman(std::span<const double>(x), std::span<const double>(id));
    return out;
}

// Positions in A's prepared subset of the screening rows (neuron_subset(n, kScreenRows) is a
// prefix of the same seeded permutation as the subset, so every screening row is in it).
std::vector<std::int32_t> screen_positions(const PreparedBlock& a, std::int64_t n) {
    std::vector<std::int32_t> pos;
    for (const auto r : neuron_subset(n, kScreenRows)) {
        const auto it = std::lower_bound(a.ids.begin(), a.ids.end(), r);
        if (it == a.ids.end() || *it != r) return {};  // not a prefix (cannot happen): no screen
        pos.push_back(static_cast<std::int32_t>(it - a.ids.begin()));
    }
    return pos;
}

// The cell's test in stages (see CellStage in neuron_matching.h).
BlockMatch staged_test(const PreparedBlock& a, const PreparedBlock& b, std::int64_t n, CellStage stage) {
    const std::int64_t limit = neuron_subset_limit();
    if (stage != CellStage::full && limit > kScreenRows && n > 2 * limit) {
        const auto pos = screen_positions(a, n);
        if (!pos.empty()) {
            BlockMatch quick = test_rows(a, b, pos);
            quick.screened = true;
            if (stage == CellStage::off_diagonal && quick.neg_log10_p < kScreenEvidence) return quick;
            if (stage == CellStage::diagonal) {
                // Two looks at one cell: Bonferroni x2 on whichever is reported.
                if (quick.neg_log10_p >= kDecisiveEvidence) {
                    quick.neg_log10_p = std::max(0.0, quick.neg_log10_p - std::log10(2.0));
                    return quick;
                }
                BlockMatch full = test_rows(a, b, {});
                full.neg_log10_p = std::max(0.0, full.neg_log10_p - std::log10(2.0));
                return full;
            }
        }
    }
    return test_rows(a, b, {});
}

}  // namespace

BlockMatch match_blocks(const PairContext& ctx, const NeuronBlock& a, const NeuronBlock& b, bool screen) {
    return match_blocks(ctx, a, b, screen ? CellStage::off_diagonal : CellStage::full);
}

BlockMatch match_blocks(const PairContext& ctx, const NeuronBlock& a, const NeuronBlock& b, CellStage stage) {
    const PreparedBlock pa = prepare_block(ctx, a, true), pb = prepare_block(ctx, b, false);
    if (pa.gate.cols() != pb.gate.cols()) return {};  // hidden widths differ and no map: not comparable
    return staged_test(pa, pb, pa.n, stage);
}

NeuronMatchingResult neuron_matching(const PairContext& ctx) {
    NeuronMatchingResult r;
    const int la = ctx.a.num_layers(), lb = ctx.b.num_layers();
    r.layers_a = la, r.layers_b = lb;
    r.scores.assign(static_cast<std::size_t>(la * lb), std::numeric_limits<double>::quiet_NaN());
    r.cells.assign(static_cast<std::size_t>(la * lb), {});
    std::vector<std::pair<int, int>> todo;
    const bool all = static_cast<std::int64_t>(la) * lb <= ctx.rule.max_layer_pairs;
    // B-layer-major, so that the prepared-row cache holds one layer of B and A's band around it.
    for (int j = 0; j < lb; ++j)
        for (int i = 0; i < la; ++i) {
            const double diag = lb > 1 ? static_cast<double>(j) * (la - 1) / (lb - 1) : 0.0;
            if (all || std::fabs(i - diag) <= 2.0) todo.emplace_back(i, j);
        }
    // In a band (deep models), only the cells nearest the proportional diagonal get the full
    // subset at once; the others are screened first (match_blocks, screen = true).
    auto off_diagonal = [&](int i, int j) {
        const double diag = lb > 1 ? static_cast<double>(j) * (la - 1) / (lb - 1) : 0.0;
        return !all && std::fabs(i - diag) > 0.5;
    };
    PreparedCache cache(kPreparedCacheBytes);
    stats::parallel_for(todo.size(), [&](std::size_t k) {
        const auto [i, j] = todo[k];
        const auto ba = mlp_blocks(ctx.a, i), bb = mlp_blocks(ctx.b, j);
        if (ba.empty() || bb.empty()) return;
        const CellStage stage = off_diagonal(i, j) ? CellStage::off_diagonal : CellStage::diagonal;
        std::vector<BlockMatch> m(ba.size() * bb.size());
        for (std::size_t x = 0; x < ba.size(); ++x)
            for (std::size_t y = 0; y < bb.size(); ++y) {
                const auto pa = cache.get(ctx, ba[x], true, i, x);
                const auto pb = cache.get(ctx, bb[y], false, j, y);
                if (pa->gate.cols() == pb->gate.cols()) m[x * bb.size() + y] = staged_test(*pa, *pb, pa->n, stage);
            }
        LayerPairScore cell;
        std::size_t best = 0;
        for (std::size_t q = 1; q < m.size(); ++q)
            if (m[q].neg_log10_p > m[best].neg_log10_p) best = q;
        cell.best = m[best];
        cell.expert_a = ba[best / bb.size()].expert;
        cell.expert_b = bb[best % bb.size()].expert;
        if (ba.size() > 1 && bb.size() > 1) {
            // Experts first: assignment of A's blocks to B's on their evidence, then Fisher.
            std::vector<double> ev(m.size());
            for (std::size_t q = 0; q < m.size(); ++q) ev[q] = m[q].neg_log10_p;
            const auto asg = stats::solve_assignment(ev.data(), static_cast<std::int64_t>(ba.size()),
                                                     static_cast<std::int64_t>(bb.size()),
                                                     stats::Objective::maximize);
            std::vector<double> logs;
            for (std::size_t x = 0; x < ba.size(); ++x)
                if (asg.row_to_col[x] >= 0)
                    logs.push_back(-ev[x * bb.size() + asg.row_to_col[x]] * std::log(10.0));
            // Choosing the expert assignment is itself a search: correct by log10(#blocks!).
            const double penalty = std::lgamma(static_cast<double>(std::min(ba.size(), bb.size())) + 1.0) /
                                   std::log(10.0);
            cell.neg_log10_p = std::max(0.0, stats::neg_log10(stats::fisher_combine_log(logs)) - penalty);
        } else {
            cell.neg_log10_p = std::max(0.0, m[best].neg_log10_p - std::log10(static_cast<double>(m.size())));
        }
        r.cells[i * lb + j] = cell;
        r.scores[i * lb + j] = cell.neg_log10_p;
    });
    std::vector<double> filled = r.scores;
    for (auto& v : filled)
        if (std::isnan(v)) v = 0.0;
    const auto best = stats::best_matches(filled, la, lb);
    std::vector<double> logs;
    for (const auto& b : best) {
        r.best_a_for_b.push_back(b.a_layer);
        r.best_corrected.push_back(b.corrected_neg_log10_p);
        logs.push_back(-b.corrected_neg_log10_p * std::log(10.0));
    }
    r.combined_neg_log10_p = logs.empty() ? 0.0 : stats::neg_log10(stats::fisher_combine_log(logs));
    return r;
}

}  // namespace lineage::probes::weights
