// The decoder-only transformer, computed layer by layer over a whole batch.
//
// forward(): every sequence of the batch goes through block 1, then block 2, ...; each block's
// weights are converted to fp32 once for the whole batch and released before the next block is
// loaded, so peak memory is one block's weights plus the activations ([tokens, hidden] and the
// MLP's [tokens, intermediate]) — a model larger than RAM can still be run. Sequences are packed
// (no padding); each has its own positions and, for dynamic NTK RoPE, its own frequencies.
// Hidden states are offered to a capture callback as they are produced (host fp32, packed):
//   hidden layer 0           embeddings output              [tokens, hidden]
//   hidden layer i (1..L)    output of block i              [tokens, hidden]
//   final_norm_input         same values as hidden layer L  [tokens, hidden]
//   final_norm_output        the final RMSNorm's output     [tokens, hidden]
//   logits                   lm_head output                 [tokens or sequences, vocab]
//
// Dynamic NTK RoPE: transformers recomputes the frequencies from the longest position of the
// whole batch; here each sequence uses its own length, so a sequence's result never depends on
// what it is batched with (identical to transformers for one sequence, as the fixtures check).
//
// Generation (lm_head argmax, greedy) keeps all blocks converted (resident) and a KV cache.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reference_model/architecture/architecture.h"
#include "reference_model/architecture/family_traits.h"
#include "reference_model/architecture/mixture_spec.h"
#include "reference_model/architecture/rope.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/model_weights.h"
#include "weights/checkpoint.h"

namespace lineage::model {

enum class CapturePoint : std::uint8_t { hidden, final_norm_input, final_norm_output, logits };

// Where each sequence's tokens sit in packed [tokens, ...] tensors.
struct SequenceSpan {
    std::int64_t begin = 0, length = 0;
};

struct Captured {
    CapturePoint point;
    std::int64_t layer;                       // hidden: 0..L; final_norm_input: L; others: -1
    const Tensor& values;                     // host fp32, packed (logits: see LogitsMode)
    std::span<const SequenceSpan> sequences;  // row spans of each sequence in `values`
};

enum class LogitsMode : std::uint8_t {
    none,  // stop after the final norm
    last,  // one row per sequence (its last token)
    all,   // every token
};

struct ForwardOptions {
    // Layers (0..L) whose hidden states go to on_capture; all_layers selects every one.
    std::vector<std::int64_t> capture_layers;
    bool capture_all_layers = false;
    bool capture_final_norm_input = false;
    bool capture_final_norm_output = false;
    LogitsMode logits = LogitsMode::all;
    std::function<void(const Captured&)> on_capture;
};

struct ForwardResult {
    Tensor logits;  // host fp32 [rows, vocab] per LogitsMode (undefined for none)
    std::vector<SequenceSpan> logit_rows;
};

// Timings of a generation, for `lineage run`.
struct GenerationStats {
    std::int64_t prompt_tokens = 0, new_tokens = 0;
    double load_seconds = 0, prefill_seconds = 0, decode_seconds = 0;
};

class Transformer {
public:
    // Reads the architecture row, dimensions and RoPE from checkpoint.config() and binds the
    // weights. Throws UnsupportedError (exit 4) for an unknown architecture, listing the supported
    // ones; InputError (exit 3) for a missing config or config/tensor mismatch. The checkpoint
    // and the backend must outlive the transformer.
    Transformer(const weights::Checkpoint& checkpoint, Backend& backend);
    ~Transformer();

    const ArchitectureSpec& architecture() const { return *spec_; }
    // MoE / MLA knobs and sizes (mixture_spec.h); nullptr for a dense family. With latent
    // attention, dims().head_dim is the query/key head width (nope + rope) and kv_heads == heads.
    const MixtureParams* mixture() const { return mixture_ ? &*mixture_ : nullptr; }
    const ModelDims& dims() const { return dims_; }
    // The RoPE of full-attention blocks (every block's, unless the family has one per layer type).
    const Rope& rope() const { return ropes_.front(); }
    // The RoPE block `layer` rotates with (Gemma 3's sliding blocks have their own; layer_rope.h).
    const Rope& layer_rope(std::int64_t layer) const { return ropes_[layer_rope_[static_cast<std::size_t>(layer)]]; }
    // The bound weights: host views of the embedding table, lm_head (the embedding when tied) and
    // final norm in their stored dtypes, and load_layer() for one block in fp32.
    const ModelWeights& weights() const { return *weights_; }
    // Sliding window of each block (0 = full attention).
    const std::vector<std::int64_t>& layer_windows() const { return windows_; }

    // Throws InputError naming the checkpoint for ids outside [0, vocab) or when the sequence
    // plus `extra_positions` new tokens exceeds max_position_embeddings (except with dynamic NTK
    // RoPE, which exists to run past it).
    void check_ids(std::span<const std::int32_t> ids, std::int64_t extra_positions = 0) const;

    // Layer-streaming batched forward (see above).
    ForwardResult forward(std::span<const std::vector<std::int32_t>> sequences, const ForwardOptions& options);

    // Greedy generation of `max_new_tokens` after `prompt` with a KV cache; on_token(id) is called
    // for each new token as it is chosen. Returns the new tokens.
    std::vector<std::int32_t> generate_greedy(std::span<const std::int32_t> prompt, std::int64_t max_new_tokens,
                                              const std::function<void(std::int32_t)>& on_token,
                                              GenerationStats* stats = nullptr);

private:
    struct Step;       // one forward step's batch layout, positions and RoPE tables
    struct KvCache;    // per-layer key/value rows of every sequence

    Step make_step(std::span<const SequenceSpan> spans, std::span<const std::int64_t> past) const;
    void run_block(const LayerWeights& w, std::int64_t layer, Tensor& x, const Step& step, KvCache* cache);
    Tensor final_norm(const Tensor& x);
    void finish_sublayer(const Tensor& post_norm, Tensor& out);
    void norm(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& y);
    void add_learned_positions(Tensor& x, const Step& step);
    Tensor lm_head(const Tensor& normed);

    const weights::Checkpoint& checkpoint_;
    Backend& backend_;
    const ArchitectureSpec* spec_ = nullptr;
    ModelDims dims_;
    std::vector<Rope> ropes_;              // distinct RoPEs; [0]: full attention's
    std::vector<std::size_t> layer_rope_;  // index into ropes_ per block
    Activation activation_ = Activation::silu;
    std::optional<MixtureParams> mixture_;
    RopeStyle rope_style_ = RopeStyle::neox;
    bool qk_norm_ = false;
    bool nope_full_layers_ = false;  // no RoPE on full-attention blocks (EXAONE MoE)
    float attention_scale_ = 1.0f;
    const FamilyTraits* traits_ = nullptr;  // dense-family knobs (family_traits.h)
    FamilyScalars scalars_;
    std::vector<std::int64_t> windows_;
    std::unique_ptr<ModelWeights> weights_;
    std::string where_;
    // Resident blocks (generation) — empty in streaming use.
    std::vector<LayerWeights> resident_;
    Tensor final_norm_w_, lm_head_w_;
};

}  // namespace lineage::model
