// One model's pass of the activation probe (see model_pass.h).
#include "probes/activation/model_pass.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "reference_model/model/model_weights.h"
#include "weights/core/error.h"
#include "weights/tensor_roles.h"

namespace lineage::probes::activation {
namespace {

constexpr std::int64_t kVocabChunk = 8192;  // lm_head rows gathered and multiplied at a time

// Rows `rows` (packed row indices) of a host [tokens, hidden] tensor, as one (n, hidden) block.
MatrixF gather_rows(const model::Tensor& values, const std::vector<std::int64_t>& rows) {
    const std::int64_t d = values.cols();
    MatrixF out(static_cast<Eigen::Index>(rows.size()), d);
    const float* src = values.f32();
    for (std::size_t i = 0; i < rows.size(); ++i)
        std::memcpy(out.row(static_cast<Eigen::Index>(i)).data(), src + rows[i] * d, sizeof(float) * static_cast<std::size_t>(d));
    return out;
}

}  // namespace

model::Tensor lm_head_view(const weights::Checkpoint& checkpoint, const model::Transformer& transformer) {
    const auto& config = checkpoint.config();
    const bool tie = config && config->raw.find("tie_word_embeddings") ? config->tie_word_embeddings
                                                                        : transformer.architecture().tie_default;
    const weights::TensorInfo *embedding = nullptr, *head = nullptr;
    for (const auto& t : checkpoint.tensors()) {
        const auto r = weights::classify_tensor(t.name);
        if (!r.tower.empty() || r.layer >= 0 || r.is_bias) continue;
        if (r.role == weights::Role::token_embedding) embedding = &t;
        if (r.role == weights::Role::lm_head) head = &t;
    }
    const weights::TensorInfo* chosen = tie ? embedding : head;
    if (!chosen) throw InputError(checkpoint.root().string(), tie ? "token embedding not found" : "lm_head not found");
    return model::view_of(*chosen);
}

PassOutput run_model_pass(const weights::Checkpoint& checkpoint, model::Transformer& transformer,
                          model::Backend& backend, const PassPlan& plan, const GramSink& sink) {
    const auto start = std::chrono::steady_clock::now();
    const auto& dims = transformer.dims();
    PassOutput out;
    out.side.path = checkpoint.source();
    out.side.architecture = std::string(transformer.architecture().name);
    out.side.layers = dims.layers;
    out.side.hidden = dims.hidden;
    out.side.vocab = dims.vocab;
    for (const auto& s : plan.sequences) out.side.tokens += static_cast<std::int64_t>(s.size());

    const std::int64_t m = std::min<std::int64_t>(plan.agreement_rows, static_cast<std::int64_t>(plan.rows.size()));
    const bool want_outputs = m > 0 && !plan.shared_ids.empty();
    MatrixF normed;  // (m, hidden) final-norm output at the first m samples

    model::ForwardOptions options;
    options.capture_all_layers = true;
    options.capture_final_norm_output = want_outputs;
    options.logits = model::LogitsMode::none;
    options.on_capture = [&](const model::Captured& c) {
        std::vector<std::int64_t> packed(plan.rows.size());
        for (std::size_t i = 0; i < plan.rows.size(); ++i)
            packed[i] = c.sequences[static_cast<std::size_t>(plan.rows[i].first)].begin + plan.rows[i].second;
        if (c.point == model::CapturePoint::hidden) {
            const MatrixF x = gather_rows(c.values, packed);  // (n, hidden), dropped after the GEMM
            sink(c.layer, gram_side_from_features(x.data(), x.rows(), x.cols(), x.cols()));
        } else if (c.point == model::CapturePoint::final_norm_output) {
            packed.resize(static_cast<std::size_t>(m));
            normed = gather_rows(c.values, packed);
        }
    };
    transformer.forward(plan.sequences, options);

    if (want_outputs) {
        // logits (m, S) = normed (m, hidden) . W_shared (S, hidden)^T, S in chunks.
        const model::Tensor head = lm_head_view(checkpoint, transformer);
        const auto S = static_cast<std::int64_t>(plan.shared_ids.size());
        model::Tensor normed_host = model::Tensor::zeros_host({m, dims.hidden});
        std::memcpy(normed_host.f32(), normed.data(), sizeof(float) * static_cast<std::size_t>(m * dims.hidden));
        const model::Tensor normed_dev = backend.to_device(normed_host);
        out.log_probs.resize(m, S);
        for (std::int64_t begin = 0; begin < S; begin += kVocabChunk) {
            const std::int64_t len = std::min(kVocabChunk, S - begin);
            model::Tensor w = backend.allocate({len, dims.hidden});
            backend.embedding(head, std::span<const std::int32_t>(plan.shared_ids.data() + begin, static_cast<std::size_t>(len)), w);
            model::Tensor logits = backend.allocate({m, len});
            backend.matmul_wt(normed_dev, w, nullptr, logits);
            const model::Tensor host = backend.to_host(logits);
            const float* src = host.f32();
            for (std::int64_t i = 0; i < m; ++i)
                std::memcpy(out.log_probs.row(i).data() + begin, src + i * len, sizeof(float) * static_cast<std::size_t>(len));
        }
        backend.synchronize();
    }
    out.side.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

PassPlan plan_points(const std::vector<std::vector<std::int32_t>>& encoded,
                     const std::vector<std::pair<std::int32_t, std::int32_t>>& text_positions) {
    std::map<std::int32_t, std::int32_t> last;  // text -> last sampled position
    for (const auto& [text, p] : text_positions) {
        auto [it, fresh] = last.emplace(text, p);
        if (!fresh) it->second = std::max(it->second, p);
    }
    PassPlan plan;
    std::map<std::int32_t, std::int32_t> seq_of;
    for (const auto& [text, p] : last) {
        seq_of[text] = static_cast<std::int32_t>(plan.sequences.size());
        const auto& ids = encoded[static_cast<std::size_t>(text)];
        plan.sequences.emplace_back(ids.begin(), ids.begin() + p + 1);
    }
    for (const auto& [text, p] : text_positions) plan.rows.emplace_back(seq_of[text], p);
    return plan;
}

}  // namespace lineage::probes::activation
