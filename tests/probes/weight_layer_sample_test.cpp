// Evenly spaced layer samples (the positive controls' and the block map's layers at wide widths)
// and the rotation control above the dense-rotation width: an exact rotation (every token's
// Gram row kept) that mixes every hidden dim, not a signed permutation in disguise.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "probes/stats/random.h"
#include "probes/weights/layer_sample_view.h"
#include "probes/weights/positive_controls.h"
#include "probes/weights/verdict_rule.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

MatrixF gaussian(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
    st::Rng rng(seed);
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(st::standard_normal(rng));
    return m;
}

std::unique_ptr<MemoryModel> layered(int layers, Eigen::Index hidden, Eigen::Index vocab) {
    auto m = std::make_unique<MemoryModel>("M");
    m->add("model.embed_tokens.weight", gaussian(vocab, hidden, 1));
    m->add("lm_head.weight", gaussian(vocab, hidden, 2));
    m->add("model.norm.weight", MatrixF::Ones(1, hidden), true);
    for (int l = 0; l < layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        m->add(p + "mlp.gate_proj.weight", gaussian(8, hidden, 100 + l));
        m->add(p + "input_layernorm.weight", MatrixF::Ones(1, hidden), true);
    }
    return m;
}

}  // namespace

TEST_CASE("evenly spaced layers: first and last kept, all when few") {
    CHECK(evenly_spaced_layers(32, 4) == std::vector<int>{0, 10, 20, 31});
    CHECK(evenly_spaced_layers(6, 3) == std::vector<int>{0, 2, 5});
    CHECK(evenly_spaced_layers(3, 4) == std::vector<int>{0, 1, 2});
    CHECK(evenly_spaced_layers(5, 1) == std::vector<int>{0});
    CHECK(evenly_spaced_layers(0, 4).empty());
}

TEST_CASE("a layer sample renumbers the kept blocks and reads the parent's tensors") {
    const auto m = layered(6, 16, 40);
    const LayerSampleView v(*m, {0, 2, 5});
    CHECK(v.num_layers() == 3);
    const TensorRef* g = v.find(Role::mlp_gate, 2);
    REQUIRE(g);
    CHECK(v.read(*g).isApprox(m->read(*m->find(Role::mlp_gate, 5))));
    CHECK(v.find(Role::token_embedding));
    CHECK(v.find(Role::lm_head));
    CHECK_FALSE(v.find(Role::mlp_gate, 3));
    CHECK(v.label().find("layers 0,2,5") != std::string::npos);
}

TEST_CASE("rotation control above the dense width: exact, and dense in the hidden dims") {
    const Eigen::Index d = 1100;  // > 1024: the structured rotation (two rounds of 128-dim blocks)
    const auto m = layered(1, d, 300);
    const auto controls = make_controls(*m, default_verdict_rule(), 7);
    const auto it = std::find_if(controls.begin(), controls.end(), [](const Control& c) { return c.name == "rotation"; });
    REQUIRE(it != controls.end());
    const MatrixF e = m->read(*m->find(Role::token_embedding));
    const MatrixF er = it->view->read(*it->view->find(Role::token_embedding));
    // A rotation keeps every inner product between tokens.
    const MatrixF g = e * e.transpose(), gr = er * er.transpose();
    CHECK((g - gr).cwiseAbs().maxCoeff() / g.cwiseAbs().maxCoeff() < 1e-4);
    // Through the same rotation, the gate rows read their folded input (gains 1 here): W R.
    const MatrixF w = m->read(*m->find(Role::mlp_gate, 0));
    const MatrixF wr = it->view->read(*it->view->find(Role::mlp_gate, 0));
    CHECK(((w * e.transpose()) - (wr * er.transpose())).cwiseAbs().maxCoeff() < 1e-2);
    // Not a signed permutation: no rotated dim is close to one original dim.
    double max_corr = 0;
    for (Eigen::Index j = 0; j < 64; ++j) {
        const Eigen::VectorXf y = er.col(j);
        for (Eigen::Index i = 0; i < d; ++i) {
            const Eigen::VectorXf x = e.col(i);
            max_corr = std::max(max_corr, std::fabs(static_cast<double>(x.dot(y)) / (x.norm() * y.norm())));
        }
    }
    CHECK(max_corr < 0.5);
}
