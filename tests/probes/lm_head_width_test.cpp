// The width-invariant token statistic for embeddings and lm_head between different hidden widths
// (probes/weights/lm_head_width.h): it agrees with the reference implementation in
// tools/calibration/lm_head_width_ranges.py (the golden in the shipped calibration file); rows of
// unrelated models that share a strong common structure (a dominant direction and a few shared
// factors, as models trained on the same data do) stay inside the ceiling and are called
// independent only with the width control detected; a width-changed copy with fine-tune noise
// scores beyond the ceiling; and the statistic never calls anything derived.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "probes/stats/random.h"
#include "probes/weights/lm_head_width.h"
#include "probes/weights/weight_summary.h"
#include "weights/core/json_value.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

st::MatrixD gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double scale = 1.0) {
    st::MatrixD m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = scale * st::standard_normal(rng);
    return m;
}

// n tokens x d: shared factors (one dominant, two smaller - the structure the data dictates) read
// through the model's own map, plus the model's own initialisation residue (the dominant direction
// carries about two thirds of the variance, as in the zoo's lm_heads).
st::MatrixD structured_rows(const st::MatrixD& factors, Eigen::Index d, st::Rng& rng) {
    return factors * gaussian(factors.cols(), d, rng) + gaussian(factors.rows(), d, rng, 1.0);
}

st::MatrixD shared_factors(Eigen::Index n, st::Rng& rng) {
    st::MatrixD f = gaussian(n, 3, rng);
    f.col(0) *= 4.0;
    return f;
}

// Linear CKA of centred rows: what a naive width-invariant statistic would use.
double linear_cka(st::MatrixD x, st::MatrixD y) {
    x.rowwise() -= x.colwise().mean();
    y.rowwise() -= y.colwise().mean();
    const double xy = (x.transpose() * y).squaredNorm();
    return xy / ((x.transpose() * x).norm() * (y.transpose() * y).norm());
}

// The golden matrices of tools/calibration/lm_head_width_ranges.py (golden_matrices).
void golden_matrices(st::MatrixD& x, st::MatrixD& y) {
    const int n = 600, da = 12, db = 20;
    x.resize(n, da);
    y.resize(n, db);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < da; ++j) x(i, j) = std::sin(0.37 * i * (j + 1) + 0.11 * j);
        for (int j = 0; j < db; ++j) {
            const double base = j < da ? x(i, j) : std::cos(0.23 * i * (j - da + 2));
            y(i, j) = base + 0.3 * std::sin(1.7 * i * (j + 3) + 0.5);
        }
    }
}

WidthTokenCeiling test_ceiling() {
    WidthTokenCeiling c;
    c.ceiling = 0.06;
    c.margin = 0.01;
    c.derived_floor = 0.5;
    c.pairs = 10;
    c.min_tokens_per_width = 8;
    return c;
}

}  // namespace

TEST_CASE("width-invariant token statistic matches the reference implementation's golden") {
    const std::string path = default_lm_head_width_ranges_path();
    REQUIRE_MESSAGE(!path.empty(), "probes/weights/lm_head_width_ranges.json is shipped");
    const lineage::JsonValue j = lineage::JsonValue::parse_file(path);
    const lineage::JsonValue* g = j.find("golden");
    REQUIRE(g);
    st::MatrixD x, y;
    golden_matrices(x, y);
    const auto cc = heldout_canonical_correlations(x, y);
    const auto& want = g->find("canonical_correlations")->as_array();
    REQUIRE(cc.size() == want.size());
    for (std::size_t i = 0; i < cc.size(); ++i) CHECK(cc[i] == doctest::Approx(want[i].as_double()).epsilon(1e-4));
    CHECK(median_heldout_canonical_correlation(x, y) == doctest::Approx(g->find("value")->as_double()).epsilon(1e-6));
}

TEST_CASE("shipped calibration: ceilings, leave-one-model-out and digests") {
    const LmHeadWidthRanges& r = default_lm_head_width_ranges();
    REQUIRE(r.calibrated());
    for (const char* c : {"lm_head", "token_embedding"}) {
        const WidthTokenCeiling all = ceiling_without(r, c, {});
        CHECK(all.pairs > 100);
        CHECK(all.ceiling > 0.0);
        CHECK(all.ceiling < 0.1);  // far below every width control of the zoo (0.089-0.62)
        CHECK(all.derived_floor >= 5 * all.ceiling);
        // Leaving out the model of the largest pair can only lower the ceiling, on fewer pairs.
        const WidthTokenCeiling lomo = ceiling_without(r, c, {"full:E", "full:A-ft-man"});
        CHECK(lomo.pairs < all.pairs);
        CHECK(lomo.ceiling <= all.ceiling);
    }
    // Every zoo D pair is inside the lm_head ceiling refitted without D's pairs.
    const WidthTokenCeiling no_d = ceiling_without(r, "lm_head", {"full:D"});
    int d_pairs = 0;
    for (const auto& p : r.pairs)
        if (p.model_a == "full:D" || p.model_b == "full:D")
            if (auto v = p.values.find("lm_head"); v != p.values.end()) {
                ++d_pairs;
                CHECK(v->second <= no_d.ceiling);
            }
    CHECK(d_pairs >= 30);
    // Digests name the calibration models; an unknown digest names none.
    const auto& a = r.model_digests.at("full:A");
    CHECK(calibration_models_with(r, "lm_head", a.at("lm_head")).size() >= 1);
    CHECK(calibration_models_with(r, "lm_head", std::string(64, '0')).empty());
    CHECK(calibration_models_with(r, "lm_head", "").empty());
}

TEST_CASE("compiled-in ceilings equal the shipped file's") {
    const LmHeadWidthRanges& file = default_lm_head_width_ranges();
    REQUIRE(!file.pairs.empty());  // the file, not the fallback
    const LmHeadWidthRanges builtin = builtin_lm_head_width_ranges();
    REQUIRE(builtin.components.size() == file.components.size());
    for (const auto& [name, c] : file.components) {
        const WidthTokenCeiling& b = builtin.components.at(name);
        CHECK(b.ceiling == doctest::Approx(c.ceiling).epsilon(1e-9));
        CHECK(b.margin == doctest::Approx(c.margin).epsilon(1e-9));
        CHECK(b.derived_floor == doctest::Approx(c.derived_floor).epsilon(1e-9));
        CHECK(b.pairs == c.pairs);
        CHECK(b.min_tokens_per_width == doctest::Approx(c.min_tokens_per_width).epsilon(1e-9));
    }
}

TEST_CASE("unrelated but structured rows stay inside the ceiling; a width-changed copy does not") {
    st::Rng rng(7);
    const st::MatrixD f = shared_factors(4000, rng);
    const st::MatrixD a = structured_rows(f, 64, rng);
    const st::MatrixD b = structured_rows(f, 96, rng);  // unrelated model of another width
    // The trap: the shared structure makes a naive width-invariant statistic call them alike.
    CHECK(linear_cka(a, b) > 0.9);
    const double unrelated = median_heldout_canonical_correlation(a, b);
    CHECK(std::abs(unrelated) < 0.06);

    const double sd = std::sqrt((a.array() - a.mean()).square().mean());
    const double control = median_heldout_canonical_correlation(a, width_changed_copy(a, 96, 1.0 * sd, 11));
    CHECK(control > 0.06);
    SUBCASE("narrowing too") {
        const double sd_b = std::sqrt((b.array() - b.mean()).square().mean());
        const double narrowed = median_heldout_canonical_correlation(b, width_changed_copy(b, 64, 1.0 * sd_b, 12));
        CHECK(narrowed > 0.06);
    }

    const WidthInvariantTokens w = judge_width_tokens("lm_head", unrelated, control, 4000, 96, test_ceiling(), "test");
    CHECK(w.relation == Verdict::independent);
    CHECK(w.control_detected);

    // A width-changed copy with fine-tune noise is beyond the ceiling: not independent, and
    // still never derived.
    const double derived = median_heldout_canonical_correlation(a, width_changed_copy(a, 96, 0.25 * sd, 13));
    CHECK(derived > 0.06);
    const WidthInvariantTokens d = judge_width_tokens("lm_head", derived, control, 4000, 96, test_ceiling(), "test");
    CHECK(d.relation == Verdict::inconclusive);
}

TEST_CASE("verdict semantics: support independence or stay silent, never derived") {
    const WidthTokenCeiling c = test_ceiling();
    CHECK(judge_width_tokens("lm_head", 0.02, 0.2, 1000, 64, c, "").relation == Verdict::independent);
    // control missed: no power, so no independence
    const auto missed = judge_width_tokens("lm_head", 0.02, 0.05, 1000, 64, c, "");
    CHECK(missed.relation == Verdict::inconclusive);
    CHECK_FALSE(missed.control_detected);
    // above the ceiling, and far beyond every independent pair: flagged, not derived
    CHECK(judge_width_tokens("lm_head", 0.2, 0.2, 1000, 64, c, "").relation == Verdict::inconclusive);
    const auto far = judge_width_tokens("lm_head", 0.9, 0.2, 1000, 64, c, "");
    CHECK(far.relation == Verdict::inconclusive);
    CHECK(far.note.find("far beyond") != std::string::npos);
    // not calibrated, or fewer tokens per hidden dim than calibrated: silent (no evidence either way)
    const auto uncalibrated = judge_width_tokens("lm_head", 0.0, 0.9, 1000, 64, WidthTokenCeiling{}, "");
    CHECK(uncalibrated.relation == Verdict::inconclusive);
    CHECK(uncalibrated.silent);
    const auto few = judge_width_tokens("lm_head", 0.02, 0.2, 253, 96, c, "");
    CHECK(few.silent);
    CHECK(few.relation == Verdict::inconclusive);
    CHECK(few.tokens_per_width == doctest::Approx(253.0 / 96));
    CHECK_FALSE(judge_width_tokens("lm_head", 0.2, 0.2, 1000, 64, c, "").silent);
    // too few rows for the width: no value
    st::Rng rng(3);
    CHECK(std::isnan(median_heldout_canonical_correlation(gaussian(100, 32, rng), gaussian(100, 48, rng))));
}

TEST_CASE("width_invariant_tokens on two models of different widths") {
    st::Rng rng(21);
    const Eigen::Index vocab = 1200;
    const st::MatrixD f = shared_factors(vocab, rng);
    auto model = [&](const std::string& label, Eigen::Index d) {
        auto m = std::make_unique<MemoryModel>(label);
        m->add("model.embed_tokens.weight", MatrixF(structured_rows(f, d, rng).cast<float>()));
        m->add("lm_head.weight", MatrixF(structured_rows(f, d, rng).cast<float>()));
        m->add("model.norm.weight", MatrixF(MatrixF::Ones(1, d)), true);
        return m;
    };
    const auto a = model("a", 32), b = model("b", 48), same = model("c", 32);
    const WeightSummary sa = summarize(*a), sb = summarize(*b), sc = summarize(*same);
    const VerdictRule rule;
    SharedTokens tokens;
    for (std::int32_t i = 0; i < vocab; ++i) tokens.pairs.emplace_back(i, i);
    LmHeadWidthRanges ranges;
    ranges.components["lm_head"] = test_ceiling();
    ranges.components["token_embedding"] = test_ceiling();
    const auto out = width_invariant_tokens(PairContext{*a, *b, sa, sb, rule, MatrixF(), false}, tokens, 5, ranges);
    REQUIRE(out.size() == 2);
    for (const auto& w : out) {
        CHECK(w.tokens == vocab);
        CHECK(w.value < w.ceiling);
        CHECK(w.control_detected);
        CHECK(w.relation == Verdict::independent);
    }
    // Equal widths: the aligned statistics apply, this one does not run.
    CHECK(width_invariant_tokens(PairContext{*a, *same, sa, sc, rule, MatrixF(), false}, tokens, 5, ranges).empty());
}
