// The candidate's one reading pass and its cached derivatives (see candidate_summary.h).
#include "probes/fingerprint/candidate_summary.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "probes/fingerprint/anchor_rows.h"
#include "probes/fingerprint/sketch_tensors.h"
#include "probes/stats/thread_pool.h"
#include "probes/weights/pair_context.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "weights/checkpoint.h"

namespace lineage::probes::fingerprint {

namespace pw = probes::weights;
using lineage::weights::Role;

std::vector<int> spread_layers(int layers) {
    std::vector<int> out;
    for (int l : {0, layers / 2, layers - 1})
        if (l >= 0 && std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
    return out;
}

MatrixD second_moment(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t dims) {
    const Eigen::Map<const MatrixF> m(x, rows, cols);
    const MatrixD left = m.leftCols(std::min(dims, cols)).cast<double>();
    return left.transpose() * left;
}

CandidateSummary::CandidateSummary(const std::string& path, unsigned threads) : path_(path) {
    const auto t0 = std::chrono::steady_clock::now();
    ckpt_ = std::make_unique<lineage::weights::Checkpoint>(lineage::weights::Checkpoint::open(path));
    view_ = std::make_unique<pw::CheckpointView>(path);
    for (const char* f : {"tokenizer.json", "tekken.json", "tokenizer.model"})
        if (ckpt_->sibling(f)) {
            vocab_ = model::load_vocabulary(ckpt_->root());
            break;
        }
    const auto& refs = view_->tensors();
    tensors_.resize(refs.size());
    stats::parallel_for(
        refs.size(),
        [&](std::size_t i) {
            // The same moments and MinHash as the weight summary (tensor_moments).
            tensors_[i] = weights::tensor_moments(view_->read(refs[i]));
        },
        threads);
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

CandidateSummary::~CandidateSummary() = default;

const std::string& CandidateSummary::sha256(std::size_t i) {
    auto it = sha_.find(i);
    if (it != sha_.end()) return it->second;
    const auto& t = view_->tensors()[i];
    std::string h = view_->stored_sha256(t);
    if (h.empty()) {
        const MatrixF m = view_->read(t);
        h = stats::sha256_hex(std::as_bytes(std::span<const float>(m.data(), static_cast<std::size_t>(m.size()))));
    }
    return sha_.emplace(i, std::move(h)).first->second;
}

MatrixF CandidateSummary::embedding_rows(const std::vector<std::int32_t>& ids) const {
    const pw::TensorRef* emb = view_->find(Role::token_embedding);
    if (!emb || emb->shape.size() != 2) return MatrixF();
    return gather_rows(*ckpt_, emb->name, ids);
}

std::vector<int> CandidateSummary::tested_layers() const { return spread_layers(view_->num_layers()); }

const std::vector<NeuronMoment>& CandidateSummary::neuron_moments(std::int64_t d, std::int64_t k,
                                                                  std::uint64_t seed,
                                                                  std::int64_t dims) {
    const auto key = std::make_tuple(d, k, seed, dims);
    auto it = moments_.find(key);
    if (it != moments_.end()) return it->second;
    std::vector<NeuronMoment> out;
    const pw::TensorRef* emb = view_->find(Role::token_embedding);
    if (emb && emb->shape.size() == 2 && emb->cols() == d) {
        const MatrixF r = projection_matrix(d, k, seed).leftCols(std::min(dims, k));
        for (int layer : tested_layers())
            for (Role role : {Role::q_proj, Role::mlp_gate}) {
                const pw::TensorRef* t = view_->find(role, layer);
                if (!t || t->shape.size() != 2 || t->cols() != d) continue;
                const MatrixF x = pw::read_folded(*view_, *t) * r;  // (out, d) diag(g) (d, dims)
                out.push_back({role, layer, second_moment(x.data(), x.rows(), x.cols(), x.cols())});
            }
    }
    return moments_.emplace(key, std::move(out)).first->second;
}

}  // namespace lineage::probes::fingerprint
