// Models of different hidden widths. The rectangular fits recover a known semi-orthogonal map and
// a partial signed permutation on synthetic data; on the committed mini zoo (hidden 64), copies of
// A widened to 96 (A's residual stream in a random 64-dim subspace, fresh dims noise only) or cut
// to 48 of its dims, each with fine-tune-like noise, are called derived through the recovered
// d_A x d_B map; B (independent of A) widened or pruned the same way is not, and with the width
// control detected it is called independent. A depth up-scaled copy of B gets statistics for its
// extra layer against every A layer. Width variants are generated here from the committed
// models, not committed.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <cstdlib>
#include <memory>
#include <string>

#include "probes/stats/procrustes.h"
#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/pair_context.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;
using lineage::weights::Role;

namespace {

const std::string kZoo = std::getenv("LINEAGE_TEST_MINIZOO")
                             ? std::string(std::getenv("LINEAGE_TEST_MINIZOO")) + "/"
                             : std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

st::MatrixD gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng) {
    st::MatrixD m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = st::standard_normal(rng);
    return m;
}

// p x q with orthonormal rows (p <= q) or columns (p > q).
st::MatrixD semi_orthogonal(Eigen::Index p, Eigen::Index q, st::Rng& rng) {
    const Eigen::Index n = std::max(p, q);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(gaussian(n, n, rng));
    const Eigen::MatrixXd full = qr.householderQ();
    return full.topLeftCorner(p, q);
}

// d_a x d_b: a random semi-orthogonal embedding when widening, a random signed subset of dims
// when narrowing.
MatrixF width_map(Eigen::Index d_a, Eigen::Index d_b, std::uint64_t seed) {
    st::Rng rng(seed);
    if (d_b > d_a) return semi_orthogonal(d_a, d_b, rng).cast<float>();
    const auto dims = st::random_permutation(d_a, rng);
    MatrixF m = MatrixF::Zero(d_a, d_b);
    for (Eigen::Index k = 0; k < d_b; ++k) m(dims[k], k) = st::uniform_below(rng, 2) ? 1.0f : -1.0f;
    return m;
}

bool residual_norm(Role r) { return r == Role::attn_norm || r == Role::mlp_norm || r == Role::final_norm; }
bool writes_residual(Role r) { return r == Role::o_proj || r == Role::mlp_down; }

// `model` with its residual stream mapped to width d_b (norms folded), then every matrix plus
// Gaussian noise of `noise` x its std - a widened / hidden-pruned fine-tune.
std::unique_ptr<MemoryModel> change_width(const ModelView& model, Eigen::Index d_b, double noise,
                                          std::uint64_t seed, const std::string& label) {
    const Eigen::Index d_a = model.find(Role::token_embedding)->cols();
    const MatrixF q = width_map(d_a, d_b, seed);
    st::Rng rng(seed + 1);
    auto out = std::make_unique<MemoryModel>(label);
    for (const auto& t : model.tensors()) {
        const Role r = t.role.role;
        if (t.shape.size() == 1) {
            out->add(t.name, residual_norm(r) ? MatrixF::Ones(1, d_b) : MatrixF(model.read(t)), true);
            continue;
        }
        MatrixF m = model.read(t);
        if (writes_residual(r)) m = q.transpose() * m;
        else if (r == Role::token_embedding) m = m * q;
        else m = read_folded(model, t) * q;  // q/k/v, gate/up, lm_head read the residual
        const double sd = std::sqrt((m.array() - m.mean()).square().mean());
        for (Eigen::Index k = 0; k < m.size(); ++k)
            m.data()[k] += static_cast<float>(noise * sd * st::standard_normal(rng));
        out->add(t.name, m);
    }
    return out;
}

// `model` with one more block: a noisy copy of its last block appended (depth up-scaling).
std::unique_ptr<MemoryModel> append_layer(const ModelView& model, std::uint64_t seed, const std::string& label) {
    st::Rng rng(seed);
    auto out = std::make_unique<MemoryModel>(label);
    const int last = model.num_layers() - 1;
    const std::string from = "model.layers." + std::to_string(last) + ".";
    const std::string to = "model.layers." + std::to_string(last + 1) + ".";
    for (const auto& t : model.tensors()) {
        out->add(t.name, model.read(t), t.shape.size() == 1);
        if (t.name.rfind(from, 0) != 0) continue;
        MatrixF m = model.read(t);
        if (t.shape.size() == 2) {
            const double sd = std::sqrt((m.array() - m.mean()).square().mean());
            for (Eigen::Index k = 0; k < m.size(); ++k)
                m.data()[k] += static_cast<float>(0.3 * sd * st::standard_normal(rng));
        }
        out->add(to + t.name.substr(from.size()), m, t.shape.size() == 1);
    }
    return out;
}

CompareOptions options(bool controls) {
    CompareOptions o;
    o.rule = default_verdict_rule();
    o.rule.cka_shuffles = 200;
    o.run_controls = controls;
    return o;
}

}  // namespace

TEST_CASE("rectangular Procrustes recovers a semi-orthogonal map") {
    st::Rng rng(11);
    for (auto [p, q] : {std::pair<Eigen::Index, Eigen::Index>{24, 40}, {40, 24}}) {
        CAPTURE(p);
        CAPTURE(q);
        // Whitened rows (X'X = n I): the Procrustes map is then exactly the generating one in
        // both directions; with raw Gaussian rows a narrowing map is only approximately recovered.
        Eigen::HouseholderQR<Eigen::MatrixXd> qx(gaussian(600, p, rng));
        const st::MatrixD x = Eigen::MatrixXd(qx.householderQ()).leftCols(p) * std::sqrt(600.0);
        const st::MatrixD m = semi_orthogonal(p, q, rng);
        const st::MatrixD y = x * m + 0.01 * gaussian(600, q, rng);
        const st::MatrixD r = st::orthogonal_procrustes(x, y);
        REQUIRE(r.rows() == p);
        REQUIRE(r.cols() == q);
        CHECK((r - m).cwiseAbs().maxCoeff() < 0.02);
        CHECK(st::mapped_fit(x, r, y) > 0.99);
        // A randomly paired Y fits poorly (the null the probe judges a map against).
        const st::MatrixD other = gaussian(600, q, rng);
        CHECK(st::mapped_fit(x, st::orthogonal_procrustes(x, other), other) < 0.35);
    }
}

TEST_CASE("rectangular signed permutation: dims pruned or appended") {
    st::Rng rng(12);
    const st::MatrixD x = gaussian(500, 32, rng);
    // B keeps 20 of A's 32 dims (signed, reordered): X (32 -> 20).
    const MatrixF keep = width_map(32, 20, 5);
    const st::MatrixD y = x * keep.cast<double>() + 0.05 * gaussian(500, 20, rng);
    const st::SignedPermutation sp = st::signed_permutation_fit(x, y);
    int right = 0;
    for (int i = 0; i < 32; ++i)
        if (sp.a_to_b[i] >= 0) right += keep(i, sp.a_to_b[i]) == static_cast<float>(sp.sign[i]);
    CHECK(right == 20);
    CHECK(st::mapped_fit(x, st::signed_permutation_matrix(sp, 20), y) > 0.99);
    // B = A plus 12 fresh dims: the fit is measured in A's space, the fresh dims do not dilute it.
    st::MatrixD wide(500, 44);
    wide << x, gaussian(500, 12, rng);
    const st::SignedPermutation spw = st::signed_permutation_fit(x, wide);
    CHECK(st::mapped_fit(x, st::signed_permutation_matrix(spw, 44), wide) > 0.99);
    CHECK(st::mapped_fit(x, st::orthogonal_procrustes(x, wide), wide) > 0.97);
}

TEST_CASE("mini zoo: width-changed copies of A are derived, of B are not") {
    const CheckpointView a(kZoo + "A"), b(kZoo + "B");
    const auto a_wide = change_width(a, 96, 0.3, 21, "A widened to 96");
    const auto a_pruned = change_width(a, 48, 0.3, 22, "A pruned to 48");
    for (const ModelView* v : {static_cast<const ModelView*>(a_wide.get()), static_cast<const ModelView*>(a_pruned.get())}) {
        CAPTURE(v->label());
        const CompareResult r = compare_models(a, *v, options(false));
        CHECK(r.hidden.recovered);
        CHECK((r.hidden.kind == "semi_orthogonal" || r.hidden.kind == "signed_permutation"));
        CHECK(r.comparable_layer_pairs > 0);
        CHECK(r.verdict == Verdict::derived);
    }
    const auto b_wide = change_width(b, 96, 0.3, 23, "B widened to 96");
    const auto b_pruned = change_width(b, 48, 0.3, 24, "B pruned to 48");
    for (const ModelView* v : {static_cast<const ModelView*>(b_wide.get()), static_cast<const ModelView*>(b_pruned.get())}) {
        CAPTURE(v->label());
        const CompareResult r = compare_models(a, *v, options(true));
        for (const auto& s : r.stats) CHECK_FALSE(s.beyond_null);
        CHECK_FALSE(r.hidden.recovered);
        CHECK(r.comparable_layer_pairs > 0);  // run through the best-fit map, not skipped
        CHECK(r.verdict == Verdict::independent);
        bool width_control = false;
        for (const auto& c : r.controls) {
            CAPTURE(c.name);
            CHECK(c.detected);
            width_control = width_control || c.name.find("+noise") != std::string::npos &&
                                                 c.name != "pruning+noise";
        }
        CHECK(width_control);
    }
}

TEST_CASE("mini zoo: an extra layer with no partner is scored against every base layer") {
    const CheckpointView a(kZoo + "A"), b(kZoo + "B");
    const auto b_dus = append_layer(b, 31, "B + a copied layer");
    const CompareResult r = compare_models(a, *b_dus, options(true));
    CHECK(r.verdict == Verdict::independent);
    bool attention = false, norms = false;
    for (const auto& s : r.stats) {
        if (s.layer_b != 2) continue;
        attention = attention || s.family == "attention_cka";
        norms = norms || (s.family == "pearson" && s.component == "attn_norm");
        CHECK_FALSE(s.beyond_null);
    }
    CHECK(attention);
    CHECK(norms);
    // Against its own parent the extra layer is matched (and the model derived) as before.
    const CompareResult own = compare_models(b, *b_dus, options(false));
    CHECK(own.verdict == Verdict::derived);
}
