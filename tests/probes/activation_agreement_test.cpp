// Output agreement on hand-made distributions: JS divergence (bits) of known pairs, top-1
// agreement, restriction + renormalisation by log_softmax_rows, and the shuffled null.
#include <doctest/doctest.h>

#include <cmath>

#include "probes/activation/output_agreement.h"

using namespace lineage::probes::activation;

namespace {

MatrixF log_rows(std::initializer_list<std::initializer_list<double>> rows) {
    MatrixF m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.begin()->size()));
    Eigen::Index i = 0;
    for (const auto& r : rows) {
        Eigen::Index j = 0;
        for (double p : r) m(i, j++) = p > 0 ? static_cast<float>(std::log(p)) : -INFINITY;
        ++i;
    }
    return m;
}

}  // namespace

TEST_CASE("activation agreement: Jensen-Shannon divergence of known distributions") {
    const MatrixF p = log_rows({{0.5, 0.5, 0.0}});
    const MatrixF q = log_rows({{1.0, 0.0, 0.0}});
    const MatrixF r = log_rows({{0.0, 0.0, 1.0}});
    CHECK(js_divergence_bits(p.data(), p.data(), 3) == doctest::Approx(0.0));
    CHECK(js_divergence_bits(q.data(), r.data(), 3) == doctest::Approx(1.0));  // disjoint
    // M = (0.75, 0.25): 0.5 [0.5 log2(0.5/0.75) + 0.5 log2(2)] + 0.5 log2(1/0.75) = 0.311278
    CHECK(js_divergence_bits(p.data(), q.data(), 3) == doctest::Approx(0.311278).epsilon(1e-5));
    CHECK(js_divergence_bits(q.data(), p.data(), 3) == doctest::Approx(0.311278).epsilon(1e-5));
}

TEST_CASE("activation agreement: top-1 agreement and mean JS over positions") {
    const MatrixF a = log_rows({{0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.3, 0.3, 0.4}, {0.5, 0.25, 0.25}});
    const MatrixF b = log_rows({{0.6, 0.3, 0.1}, {0.2, 0.1, 0.7}, {0.1, 0.1, 0.8}, {0.5, 0.25, 0.25}});
    const AgreementFigures f = output_agreement(a, b);
    CHECK(f.positions == 4);
    CHECK(f.top1 == doctest::Approx(0.75));  // rows 0, 2, 3 agree
    double js = 0;
    for (Eigen::Index i = 0; i < 4; ++i) js += js_divergence_bits(a.row(i).data(), b.row(i).data(), 3);
    CHECK(f.js == doctest::Approx(js / 4));
    CHECK(output_agreement(a, a).js == doctest::Approx(0.0));
    CHECK(output_agreement(a, a).top1 == doctest::Approx(1.0));
}

TEST_CASE("activation agreement: restriction to shared tokens renormalises") {
    // Logits over the shared tokens only: softmax of (log 2, log 1, log 1) = (0.5, 0.25, 0.25).
    MatrixF logits(1, 3);
    logits << static_cast<float>(std::log(2.0)) + 5.0f, 5.0f, 5.0f;
    log_softmax_rows(logits);
    CHECK(std::exp(logits(0, 0)) == doctest::Approx(0.5).epsilon(1e-6));
    CHECK(std::exp(logits(0, 1)) == doctest::Approx(0.25).epsilon(1e-6));
    CHECK(logits.row(0).array().exp().sum() == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("activation agreement: shuffled null of identical models sits below the observed") {
    MatrixF a(64, 16);
    for (Eigen::Index i = 0; i < 64; ++i)
        for (Eigen::Index j = 0; j < 16; ++j) a(i, j) = static_cast<float>(((i * 7 + j * 3) % 16 == 0) ? 4.0 : 0.0);
    log_softmax_rows(a);
    const AgreementNull null = agreement_permutation_null(a, a, 10, 5);
    REQUIRE(null.top1.size() == 10);
    CHECK(null.top1_max < 1.0);
    CHECK(null.js_min > 0.0);
}
