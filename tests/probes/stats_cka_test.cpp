// CKA properties (invariance to rotation, permutation of features and isotropic scaling; unbiased
// CKA ~ 0 for independent data where biased CKA is not), the permutation null, Procrustes recovery
// of a random rotation, signed-permutation recovery, and monotone layer alignment.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <cmath>

#include "probes/stats/cka.h"
#include "probes/stats/layer_alignment.h"
#include "probes/stats/procrustes.h"
#include "probes/stats/random.h"
#include "probes/stats/sketch.h"

using namespace lineage::probes::stats;

namespace {

MatrixD random_matrix(Eigen::Index r, Eigen::Index c, Rng& rng) {
    MatrixD m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
        for (Eigen::Index j = 0; j < c; ++j) m(i, j) = standard_normal(rng);
    return m;
}

MatrixD random_rotation(Eigen::Index d, Rng& rng) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(random_matrix(d, d, rng));
    return qr.householderQ();
}

}  // namespace

TEST_CASE("unbiased CKA: invariances") {
    Rng rng(1);
    const MatrixD x = random_matrix(80, 20, rng);
    const MatrixD y = x * random_matrix(20, 30, rng) + 0.5 * random_matrix(80, 30, rng);
    const double base = unbiased_cka(x, y);
    CHECK(base > 0.3);
    CHECK(unbiased_cka(x * random_rotation(20, rng), y) == doctest::Approx(base).epsilon(1e-9));
    CHECK(unbiased_cka(x, 7.5 * y) == doctest::Approx(base).epsilon(1e-9));
    MatrixD yp = y;  // permute feature columns
    for (Eigen::Index j = 0; j < y.cols(); ++j) yp.col(j) = y.col((j * 7) % y.cols());
    CHECK(unbiased_cka(x, yp) == doctest::Approx(base).epsilon(1e-9));
    CHECK(unbiased_cka(x, x) == doctest::Approx(1.0).epsilon(1e-9));
    // Gram and feature-space forms agree (wide vs tall inputs).
    const MatrixD wide = random_matrix(30, 200, rng);
    const MatrixD wide2 = wide * random_rotation(200, rng) + 0.1 * random_matrix(30, 200, rng);
    CHECK(unbiased_cka(wide, wide2) > 0.9);
}

TEST_CASE("unbiased CKA is ~0 for independent data; biased CKA is not") {
    Rng rng(2);
    double sum_u = 0, sum_b = 0;
    for (int t = 0; t < 20; ++t) {
        const MatrixD x = random_matrix(64, 128, rng), y = random_matrix(64, 128, rng);
        sum_u += unbiased_cka(x, y);
        sum_b += linear_cka(x, y);
    }
    CHECK(std::fabs(sum_u / 20) < 0.02);
    CHECK(sum_b / 20 > 0.3);
}

TEST_CASE("CKA permutation null: derived detected, independent inside the null") {
    Rng rng(3);
    const MatrixD x = random_matrix(64, 64, rng);
    const MatrixD related = x * random_rotation(64, rng) + 0.7 * random_matrix(64, 64, rng);
    const CkaNull hit = unbiased_cka_permutation_test(x, related, 1000, 42);
    CHECK(hit.null_draws.size() == 1000);
    CHECK(hit.p_value == doctest::Approx(1.0 / 1001));
    CHECK(hit.observed == doctest::Approx(unbiased_cka(x, related)).epsilon(1e-9));
    CHECK(hit.observed > hit.null_max);
    const CkaNull miss = unbiased_cka_permutation_test(x, random_matrix(64, 64, rng), 1000, 42);
    CHECK(miss.p_value > 0.001);
    CHECK(std::fabs(miss.null_mean) < 0.01);
    // Inside the null the test stops sequentially (Besag-Clifford): p = h / draws, h = 20.
    CHECK(miss.stopped_early);
    CHECK(miss.null_draws.size() < 200);
    CHECK(miss.p_value == doctest::Approx(double(kSequentialStop) / double(miss.null_draws.size())));
    CHECK_FALSE(hit.stopped_early);
    // Reproducible from the seed.
    CHECK(unbiased_cka_permutation_test(x, related, 50, 9).null_draws ==
          unbiased_cka_permutation_test(x, related, 50, 9).null_draws);
}

TEST_CASE("orthogonal Procrustes recovers a random rotation") {
    Rng rng(4);
    const MatrixD x = random_matrix(500, 32, rng);
    const MatrixD r = random_rotation(32, rng);
    const MatrixD y = x * r + 0.01 * random_matrix(500, 32, rng);
    const MatrixD est = orthogonal_procrustes(x, y);
    CHECK((est - r).norm() < 0.03);
    CHECK(mapped_fit(x, est, y) > 0.999);
}

TEST_CASE("signed permutation fit recovers permutation and signs") {
    Rng rng(5);
    const MatrixD x = random_matrix(400, 24, rng);
    const auto perm = random_permutation(24, rng);
    MatrixD y(400, 24);
    for (int j = 0; j < 24; ++j) y.col(perm[j]) = (j % 3 == 0 ? -1.0 : 1.0) * x.col(j);
    const SignedPermutation sp = signed_permutation_fit(x, y);
    CHECK(sp.a_to_b == perm);
    for (int j = 0; j < 24; ++j) CHECK(sp.sign[j] == (j % 3 == 0 ? -1 : 1));
    CHECK(sp.mean_abs_corr == doctest::Approx(1.0));
}

TEST_CASE("monotone layer alignment: dropped, duplicated and inserted layers") {
    // A has 6 layers; B = A0 A1 A1 A3 A4 X A5 (A2 dropped, A1 duplicated, X inserted).
    const int la = 6, lb = 7;
    const int truth[lb] = {0, 1, 1, 3, 4, -1, 5};
    std::vector<double> s(la * lb, 0.5);
    for (int j = 0; j < lb; ++j)
        if (truth[j] >= 0) s[truth[j] * lb + j] = 50.0;
    const LayerMap m = monotone_alignment(s, la, lb, 3.0);
    for (int j = 0; j < lb; ++j) CHECK(m.b_to_a[j] == truth[j]);
    REQUIRE(m.dropped.size() == 1);
    CHECK(m.dropped[0] == 2);
    const auto best = best_matches(s, la, lb);
    CHECK(best[2].a_layer == 1);
    CHECK(best[2].corrected_neg_log10_p == doctest::Approx(50.0 - std::log10(6.0)));
}

TEST_CASE("sketches: SHA-256 and MinHash") {
    const std::string abc = "abc";
    CHECK(sha256_hex(std::as_bytes(std::span(abc.data(), abc.size()))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    MinHashBuilder a, b, c;
    std::vector<float> row(16);
    for (int i = 0; i < 1000; ++i) {
        for (int k = 0; k < 16; ++k) row[k] = static_cast<float>(i * 16 + k);
        const auto h = row_hash_bf16(row);
        a.add(h);
        if (i < 500) b.add(h);
        c.add(h ^ 0x1234567ULL);
    }
    CHECK(minhash_jaccard(a.signature(), a.signature()) == 1.0);
    CHECK(minhash_jaccard(a.signature(), b.signature()) == doctest::Approx(0.5).epsilon(0.35));
    CHECK(minhash_jaccard(a.signature(), c.signature()) < 0.1);
    // bf16 rounding: a float that rounds to the same bf16 hashes the same.
    std::vector<float> r1 = {1.0f, 2.0f}, r2 = {1.0000001f, 2.0f};
    CHECK(row_hash_bf16(r1) == row_hash_bf16(r2));
}
