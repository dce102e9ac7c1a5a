// One read per checkpoint (see the header): an observing view in front of the checkpoint lets
// summarize() feed the sketch, the initialisation measurements and the digest stream from the same
// tensor reads.
#include "audit/chain/checkpoint_pass.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <functional>
#include <mutex>
#include <optional>

#include "weights/core/error.h"
#include "weights/digest.h"

namespace lineage::audit {
namespace {

namespace pw = probes::weights;

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::atomic<std::uint64_t> g_passes{0};

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

CountingView::CountingView(const std::string& path, const weights::Checkpoint& meta)
    : inner_(path) {
    for (const auto& t : inner_.tensors()) {
        const auto* info = meta.find(t.name);
        stored_bytes_.push_back(info ? static_cast<std::int64_t>(info->bytes.size()) : 0);
    }
    seen_ = std::make_unique<std::atomic<bool>[]>(stored_bytes_.size());
}

pw::MatrixF CountingView::read(const pw::TensorRef& t) const {
    pw::MatrixF m = inner_.read(t);
    const auto i = static_cast<std::size_t>(&t - inner_.tensors().data());
    if (!seen_[i].exchange(true, std::memory_order_relaxed)) {
        reads_.fetch_add(1, std::memory_order_relaxed);
        bytes_read_.fetch_add(stored_bytes_[i], std::memory_order_relaxed);
    }
    return m;
}

CheckpointReads CheckpointPass::reads() const {
    CheckpointReads r = pass_reads;
    if (view) {
        r.pairwise_tensor_reads = view->reads();
        r.pairwise_bytes = view->bytes_read();
    }
    return r;
}

std::uint64_t checkpoint_passes_started() { return g_passes.load(); }

namespace {

// The pass; `rule` null: summary and digest only (a base).
CheckpointPass one_pass(const std::string& path, const pw::InitialisationRule* rule,
                        int samples_per_tensor, std::uint64_t seed) {
    g_passes.fetch_add(1);
    CheckpointPass p;
    p.ckpt = std::make_unique<weights::Checkpoint>(weights::Checkpoint::open(path));
    p.view = std::make_unique<CountingView>(path, *p.ckpt);
    if (rule) p.scheme = pw::init_scheme_for(p.ckpt->config() ? &*p.ckpt->config() : nullptr, *rule);
    const auto infos = p.ckpt->tensors();
    const auto& refs = p.view->tensors();
    const std::size_t n = refs.size();
    // The view's tensor i is the checkpoint's tensor info_of[i] (both list the same checkpoint).
    std::vector<std::size_t> info_of(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto* info = p.ckpt->find(refs[i].name);
        if (!info) throw InternalError("chain: tensor '" + refs[i].name + "' missing from " + path);
        info_of[i] = static_cast<std::size_t>(info - infos.data());
    }
    p.init_stats.resize(n);
    std::vector<std::vector<float>> samples(n);
    std::vector<int> times_read(n, 0);
    std::mutex mu;
    weights::ContentDigestStream digest(infos);
    const ObservingView observing(
        p.view->inner(), [&](std::size_t i, const pw::TensorRef& t, const pw::MatrixF& m) {
            digest.done(info_of[i]);  // hashes the stored bytes just read (page cache)
            if (!rule) {
                std::lock_guard lock(mu);
                ++times_read[i];
                return;
            }
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
            auto stats = pw::measure_tensor(t, m, p.scheme, *rule);
            std::lock_guard lock(mu);
            samples[i] = std::move(s);
            p.init_stats[i] = std::move(stats);
            ++times_read[i];
        });
    p.summary = pw::summarize(observing);
    p.digest = "sha256:" + digest.finish();

    CheckpointReads& io = p.pass_reads;
    io.tensors = static_cast<std::int64_t>(infos.size());
    for (const auto& info : infos) io.stored_bytes += static_cast<std::int64_t>(info.bytes.size());
    io.digest_extra_bytes = static_cast<std::int64_t>(digest.bytes_hashed_at_finish());
    std::vector<double> ratios;
    for (std::size_t i = 0; i < n; ++i) {
        io.pass_tensor_reads += times_read[i];
        io.pass_bytes += times_read[i] * static_cast<std::int64_t>(infos[info_of[i]].bytes.size());
        io.most_reads_of_one_tensor = std::max(io.most_reads_of_one_tensor, times_read[i]);
        if (!rule) continue;
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

}  // namespace

CheckpointPass read_checkpoint_once(const std::string& path, const pw::InitialisationRule& rule,
                                    int samples_per_tensor, std::uint64_t seed) {
    return one_pass(path, &rule, samples_per_tensor, seed);
}

CheckpointPass read_base_once(const std::string& path) { return one_pass(path, nullptr, 0, 0); }

}  // namespace lineage::audit
