// Anchor tokens and their rows: choosing the anchors of a base, finding them in a candidate's
// vocabulary by byte string, and reading only those rows of an embedding or lm_head (a 128k-token
// table is never read whole for this).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/weights/model_view.h"
#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::weights {
class Checkpoint;
}

namespace lineage::probes::fingerprint {

using weights::MatrixF;

// The first `count` ordinary multi-byte tokens by id below `rows` (with their byte strings); with
// no vocabulary, ids 0..count-1 and empty byte strings (the probe's identical-ids fallback).
void select_anchors(const model::Vocabulary* vocab, std::int64_t rows, std::int64_t count,
                    std::vector<std::int32_t>& ids, std::vector<std::string>& bytes);

// For each anchor, the candidate's id of the same byte string (-1 when absent or >= rows). With
// no vocabulary on either side, the anchor's own id when below rows.
std::vector<std::int32_t> find_anchors(const model::Vocabulary* candidate, std::int64_t rows,
                                       const std::vector<std::int32_t>& anchor_ids,
                                       const std::vector<std::string>& anchor_bytes);

// Rows `ids` of a 2-D tensor as fp32 (ids.size() x cols).
MatrixF gather_rows(const lineage::weights::Checkpoint& ckpt, const std::string& tensor,
                    const std::vector<std::int32_t>& ids);

// Rows scaled column-wise by the model's final norm gain (as the probe folds lm_head).
MatrixF fold_final_norm(const weights::ModelView& view, MatrixF rows);

}  // namespace lineage::probes::fingerprint
