// Activation signatures (probes/activation/activation_signature.h): the re-centred submatrix of a
// centred Gram equals the Gram of the subset's features centred on their own (the identity
// compare_signatures relies on; checked against stats::linear_cka on the features), signatures of
// the committed mini zoo compare like the probe (a model with itself and with its permuted-rotated
// copy: CKA ~1; two independent models: not), models with different tokenizers share points, and
// the file round-trips and rejects bad input.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "probes/activation/activation_signature.h"
#include "probes/stats/cka.h"
#include "probes/stats/random.h"
#include "weights/core/error.h"

using namespace lineage::probes;
using namespace lineage::probes::activation;

namespace {

const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

ActivationSignature signature(const std::string& name) {
    SignatureOptions o;
    o.points = 256;
    return compute_signature(kZoo + name, bundled_corpus(), o);
}

}  // namespace

TEST_CASE("activation signature: a re-centred Gram submatrix is the subset's centred Gram") {
    stats::Rng rng(11);
    const Eigen::Index n = 40, d = 7, m = 25;
    MatrixF x(n, d), y(n, d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j) {
            x(i, j) = static_cast<float>(stats::standard_normal(rng) + 3.0);  // off-centre on purpose
            y(i, j) = static_cast<float>(0.5 * x(i, j) + stats::standard_normal(rng));
        }
    const GramSide gx = gram_side_from_features(x.data(), n, d, d), gy = gram_side_from_features(y.data(), n, d, d);
    // Every other row, then the rest up to m: an arbitrary subset in an arbitrary order.
    std::vector<Eigen::Index> idx;
    for (Eigen::Index i = n - 1; i >= 0 && static_cast<Eigen::Index>(idx.size()) < m; i -= 2) idx.push_back(i);
    for (Eigen::Index i = 0; static_cast<Eigen::Index>(idx.size()) < m; i += 2) idx.push_back(i);
    MatrixF sx(m, m), sy(m, m), fx(m, d), fy(m, d);
    for (Eigen::Index i = 0; i < m; ++i) {
        fx.row(i) = x.row(idx[static_cast<std::size_t>(i)]);
        fy.row(i) = y.row(idx[static_cast<std::size_t>(i)]);
        for (Eigen::Index j = 0; j < m; ++j) {
            sx(i, j) = gx.kc(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
            sy(i, j) = gy.kc(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
        }
    }
    const CkaPair sub = cka_from_grams(gram_side_from_gram(sx), gram_side_from_gram(sy));
    const stats::MatrixD dx = fx.cast<double>(), dy = fy.cast<double>();
    CHECK(sub.linear == doctest::Approx(stats::linear_cka(dx, dy)).epsilon(1e-4));
    CHECK(sub.debiased == doctest::Approx(stats::unbiased_cka(dx, dy)).epsilon(1e-4));
}

TEST_CASE("activation signature: mini zoo") {
    if (!std::filesystem::exists(kZoo + "A/model.safetensors")) {
        MESSAGE("mini zoo not present; skipped");
        return;
    }
    const ActivationSignature a = signature("A"), p = signature("A-permrot"), b = signature("B"), c = signature("C");
    CHECK(a.points.size() == 256);
    CHECK(a.grams.size() == static_cast<std::size_t>(a.layers + 1));
    CHECK(a.points == p.points);  // same tokenizer: same sample
    SUBCASE("itself and a function-preserving copy: CKA 1 along the diagonal") {
        const SignatureComparison s = compare_signatures(a, a), r = compare_signatures(a, p);
        CHECK(s.shared_points == 256);
        CHECK(s.peak_cka == doctest::Approx(1.0).epsilon(1e-4));
        CHECK(r.peak_cka > 0.99);
        for (std::size_t l = 0; l < r.b_to_a.size(); ++l) CHECK(r.b_to_a[l] == static_cast<std::int32_t>(l));
    }
    SUBCASE("independent models are not alike; another tokenizer still shares points") {
        const SignatureComparison r = compare_signatures(a, b);
        CHECK(r.peak_cka < 0.9);
        const SignatureComparison t = compare_signatures(a, c);
        CHECK(t.shared_points >= 64);
        CHECK(t.peak_cka < 0.9);
    }
    SUBCASE("file round trip and bad input") {
        const auto dir = std::filesystem::temp_directory_path() / "lineage_activation_signature_test";
        std::filesystem::create_directories(dir);
        const std::string f = (dir / "a.sig").string();
        write_signature(a, f);
        const ActivationSignature back = read_signature(f);
        CHECK(back.points == a.points);
        CHECK(back.layers == a.layers);
        CHECK(back.corpus_sha256 == a.corpus_sha256);
        CHECK(back.grams.back() == a.grams.back());
        std::filesystem::resize_file(f, std::filesystem::file_size(f) - 4);
        CHECK_THROWS_AS(read_signature(f), lineage::InputError);
        std::ofstream(f, std::ios::binary) << "NOTASIG!xxxxxxxxxxxxxxxx";
        CHECK_THROWS_AS(read_signature(f), lineage::InputError);
        std::filesystem::remove_all(dir);
    }
}
