// Anchor selection and row reads (see anchor_rows.h).
#include "probes/fingerprint/anchor_rows.h"

#include <unordered_map>

#include "weights/checkpoint.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"

namespace lineage::probes::fingerprint {

using lineage::weights::Role;

void select_anchors(const model::Vocabulary* vocab, std::int64_t rows, std::int64_t count,
                    std::vector<std::int32_t>& ids, std::vector<std::string>& bytes) {
    ids.clear(), bytes.clear();
    if (!vocab) {
        for (std::int64_t i = 0; i < std::min(rows, count); ++i)
            ids.push_back(static_cast<std::int32_t>(i)), bytes.emplace_back();
        return;
    }
    for (std::size_t i = 0; i < vocab->size() && static_cast<std::int64_t>(ids.size()) < count; ++i) {
        if (static_cast<std::int64_t>(i) >= rows) break;
        if (vocab->kind_by_id[i] != model::TokenKind::normal || vocab->bytes_by_id[i].size() < 2)
            continue;
        ids.push_back(static_cast<std::int32_t>(i));
        bytes.push_back(vocab->bytes_by_id[i]);
    }
}

std::vector<std::int32_t> find_anchors(const model::Vocabulary* candidate, std::int64_t rows,
                                       const std::vector<std::int32_t>& anchor_ids,
                                       const std::vector<std::string>& anchor_bytes) {
    std::vector<std::int32_t> out(anchor_ids.size(), -1);
    bool by_bytes = candidate != nullptr;
    for (const auto& b : anchor_bytes) by_bytes = by_bytes && !b.empty();
    if (!by_bytes) {
        for (std::size_t i = 0; i < anchor_ids.size(); ++i)
            if (anchor_ids[i] < rows) out[i] = anchor_ids[i];
        return out;
    }
    std::unordered_map<std::string_view, std::int32_t> by;
    for (std::size_t i = 0; i < candidate->size(); ++i)
        if (candidate->kind_by_id[i] == model::TokenKind::normal)
            by.emplace(candidate->bytes_by_id[i], static_cast<std::int32_t>(i));
    for (std::size_t i = 0; i < anchor_bytes.size(); ++i)
        if (auto it = by.find(anchor_bytes[i]); it != by.end() && it->second < rows)
            out[i] = it->second;
    return out;
}

MatrixF gather_rows(const lineage::weights::Checkpoint& ckpt, const std::string& tensor,
                    const std::vector<std::int32_t>& ids) {
    const auto& info = ckpt.at(tensor);
    std::int64_t cols = 1;
    for (std::size_t i = 1; i < info.shape.size(); ++i) cols *= info.shape[i];
    MatrixF out(static_cast<Eigen::Index>(ids.size()), cols);
    for (std::size_t i = 0; i < ids.size(); ++i)
        lineage::weights::read_rows_f32(
            info, ids[i], ids[i] + 1,
            std::span<float>(out.data() + static_cast<std::int64_t>(i) * cols,
                             static_cast<std::size_t>(cols)));
    if (!out.allFinite())
        throw InputError(info.file, "tensor '" + tensor + "': contains NaN or infinite values");
    return out;
}

MatrixF fold_final_norm(const weights::ModelView& view, MatrixF rows) {
    const weights::TensorRef* norm = view.find(Role::final_norm);
    if (!norm || norm->elements() != rows.cols()) return rows;
    const MatrixF g = view.read(*norm);
    for (Eigen::Index r = 0; r < rows.rows(); ++r)
        for (Eigen::Index c = 0; c < rows.cols(); ++c) rows(r, c) *= g.data()[c];
    return rows;
}

}  // namespace lineage::probes::fingerprint
