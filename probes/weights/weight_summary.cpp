// summarize(): one read of each tensor; digests, row MinHash and moments in the same pass.
#include "probes/weights/weight_summary.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include "probes/stats/thread_pool.h"

namespace lineage::probes::weights {

TensorMoments tensor_moments(const MatrixF& m) {
    TensorMoments ts;
    ts.rows = m.rows(), ts.cols = m.cols();
    double sum = 0, sq = 0;
    const float first = m.size() ? m.data()[0] : 0.0f;
    bool constant = true;
    for (Eigen::Index k = 0; k < m.size(); ++k) {
        const double v = m.data()[k];
        sum += v, sq += v * v;
        constant = constant && m.data()[k] == first;
    }
    const double n = std::max<double>(1, static_cast<double>(m.size()));
    ts.mean = sum / n;
    ts.stddev = std::sqrt(std::max(0.0, sq / n - ts.mean * ts.mean));
    ts.constant = constant;
    if (stats::row_sketch_applies(m.rows(), m.cols())) {
        stats::MinHashBuilder mh;
        for (Eigen::Index r = 0; r < m.rows(); ++r)
            mh.add(stats::row_hash_bf16(std::span<const float>(
                m.data() + r * m.cols(), static_cast<std::size_t>(m.cols()))));
        ts.row_minhash = mh.signature();
    }
    return ts;
}

const TensorSummary* WeightSummary::of(const ModelView& view, const TensorRef* t) const {
    if (!t) return nullptr;
    const std::size_t i = static_cast<std::size_t>(t - view.tensors().data());
    return i < tensors.size() ? &tensors[i] : nullptr;
}

WeightSummary summarize(const ModelView& view, unsigned threads) {
    const auto t0 = std::chrono::steady_clock::now();
    WeightSummary s;
    s.label = view.label();
    const auto& refs = view.tensors();
    s.tensors.resize(refs.size());
    const int layers = view.num_layers();
    s.layers.resize(static_cast<std::size_t>(layers));
    for (int l = 0; l < layers; ++l) s.layers[l].layer = l;
    std::mutex mu;
    stats::parallel_for(
        refs.size(),
        [&](std::size_t i) {
            const TensorRef& t = refs[i];
            const MatrixF m = view.read(t);
            TensorSummary ts;
            static_cast<TensorMoments&>(ts) = tensor_moments(m);
            ts.index = i;
            ts.sha256 = view.stored_sha256(t);
            if (ts.sha256.empty())
                ts.sha256 = stats::sha256_hex(std::as_bytes(
                    std::span<const float>(m.data(), static_cast<std::size_t>(m.size()))));
            std::lock_guard lock(mu);
            s.parameters += m.size();
            const int l = t.role.layer;
            if (t.role.tower.empty() && !t.role.is_bias) {
                std::vector<float> v(m.data(), m.data() + m.size());
                if (l >= 0 && l < layers) {
                    if (t.role.role == Role::q_proj) s.layers[l].q_std = ts.stddev;
                    if (t.role.role == Role::attn_norm) s.layers[l].attn_norm = std::move(v);
                    else if (t.role.role == Role::mlp_norm) s.layers[l].mlp_norm = std::move(v);
                } else if (t.role.role == Role::final_norm) {
                    s.final_norm = std::move(v);
                }
            }
            s.tensors[i] = std::move(ts);
        },
        threads);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

}  // namespace lineage::probes::weights
