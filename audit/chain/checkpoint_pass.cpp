// One read per checkpoint (see the header): an observing view in front of the checkpoint lets
// summarize() feed the sketch and the initialisation measurements from the same tensor copies.
#include "audit/chain/checkpoint_pass.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <mutex>
#include <optional>

namespace lineage::audit {
namespace {

namespace pw = probes::weights;

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Forwards to `inner` and hands each tensor it reads to `observe` (called from worker threads).
class ObservingView : public pw::ModelView {
public:
    using Observer = std::function<void(std::size_t, const pw::TensorRef&, const pw::MatrixF&)>;
    ObservingView(const pw::ModelView& inner, Observer observe)
        : inner_(inner), observe_(std::move(observe)) {}
    const std::string& label() const override { return inner_.label(); }
    const std::vector<pw::TensorRef>& tensors() const override { return inner_.tensors(); }
    pw::MatrixF read(const pw::TensorRef& t) const override {
        pw::MatrixF m = inner_.read(t);
        observe_(static_cast<std::size_t>(&t - inner_.tensors().data()), t, m);
        return m;
    }
    std::string stored_sha256(const pw::TensorRef& t) const override { return inner_.stored_sha256(t); }
    std::map<std::string, std::string> config_fields() const override { return inner_.config_fields(); }
    std::optional<std::string> tokenizer_path() const override { return inner_.tokenizer_path(); }

private:
    const pw::ModelView& inner_;
    Observer observe_;
};

}  // namespace

double relative_distance(const ChainSketch& a, const ChainSketch& b) {
    double diff = 0.0, base = 0.0;
    bool any = false;
    for (const auto& [name, va] : a.samples) {
        const auto it = b.samples.find(name);
        if (it == b.samples.end() || a.sizes.at(name) != b.sizes.at(name)) continue;
        const auto& vb = it->second;
        for (std::size_t k = 0; k < va.size(); ++k) {
            const double d = static_cast<double>(vb[k]) - va[k];
            diff += d * d;
            base += static_cast<double>(va[k]) * va[k];
        }
        any = true;
    }
    if (!any || !(base > 0.0)) return std::numeric_limits<double>::quiet_NaN();
    return std::sqrt(diff / base);
}

CheckpointPass read_checkpoint_once(const std::string& path, const pw::InitScheme& scheme,
                                    const pw::InitialisationRule& rule, int samples_per_tensor,
                                    std::uint64_t seed) {
    CheckpointPass p;
    p.view = std::make_unique<pw::CheckpointView>(path);
    const std::size_t n = p.view->tensors().size();
    p.init_stats.resize(n);
    std::vector<std::vector<float>> samples(n);
    std::mutex mu;
    const ObservingView observing(
        *p.view, [&](std::size_t i, const pw::TensorRef& t, const pw::MatrixF& m) {
            const std::int64_t size = m.size();
            const std::int64_t k = std::min<std::int64_t>(size, samples_per_tensor);
            std::vector<float> s(static_cast<std::size_t>(k));
            for (std::int64_t j = 0; j < k; ++j) {
                const std::int64_t pos =
                    k == size ? j
                              : static_cast<std::int64_t>(
                                    splitmix(seed ^ (static_cast<std::uint64_t>(size) << 20) ^
                                             static_cast<std::uint64_t>(j)) %
                                    static_cast<std::uint64_t>(size));
                s[static_cast<std::size_t>(j)] = m.data()[pos];
            }
            auto stats = pw::measure_tensor(t, m, scheme, rule);
            std::lock_guard lock(mu);
            samples[i] = std::move(s);
            p.init_stats[i] = std::move(stats);
        });
    p.summary = pw::summarize(observing);
    const auto& refs = p.view->tensors();
    std::vector<double> ratios;
    for (std::size_t i = 0; i < n; ++i) {
        p.sketch.sizes[refs[i].name] = refs[i].elements();
        p.sketch.samples[refs[i].name] = std::move(samples[i]);
        const auto& s = p.init_stats[i];
        if ((s.kind == pw::TensorKind::matrix || s.kind == pw::TensorKind::embedding) &&
            s.spectral_ratio > 0.0)
            ratios.push_back(s.spectral_ratio);
    }
    if (!ratios.empty()) {
        std::sort(ratios.begin(), ratios.end());
        const std::size_t h = ratios.size() / 2;
        p.median_spectral_ratio =
            ratios.size() % 2 ? ratios[h] : 0.5 * (ratios[h - 1] + ratios[h]);
    }
    return p;
}

}  // namespace lineage::audit
