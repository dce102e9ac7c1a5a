// GGUF <-> Hugging Face naming, as tables: which Hugging Face family each GGUF architecture is,
// whether llama.cpp's converter permuted its q/k rows, and how each GGUF tensor name
// (token_embd, blk.N.attn_q, ...; llama.cpp's tensor_mapping.py) is spelled in a transformers
// checkpoint. Used by the GGUF checkpoint reader so that a GGUF conversion compares, tensor by
// tensor, with the model it was converted from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lineage::weights {

enum class ExpertNaming { qwen_moe, mixtral };  // mlp.experts.E.gate_proj vs block_sparse_moe.experts.E.w1

struct GgufArchitecture {
    std::string_view gguf_arch;        // general.architecture
    bool with_experts;                 // row applies when the file has expert tensors
    std::string_view model_type;       // config.json model_type
    std::string_view hf_architecture;  // config.json architectures[0]
    // llama.cpp's convert_hf_to_gguf.py (LlamaModel and its subclasses) reorders the rows of q_proj
    // and k_proj (weights and biases) from Hugging Face's rotate-half RoPE layout to the interleaved
    // one: per head, rows (i, j) -> (j, i) for i in {0,1}, j < head_dim/2.
    bool permuted_qk;
    ExpertNaming experts;
};

// The row for a GGUF architecture; nullptr when unknown (names are then mapped with the generic
// llama-family table and q/k are left as stored).
const GgufArchitecture* gguf_architecture(std::string_view gguf_arch, bool with_experts);

// The Hugging Face name of a GGUF tensor. For a stacked expert tensor (blk.N.ffn_*_exps) the
// result holds "{E}" where the expert index goes. Names the table does not know come back as
// they are; nullopt for tensors with no Hugging Face counterpart (rope_freqs: derived from config).
std::optional<std::string> hf_tensor_name(std::string_view gguf_name, ExpertNaming experts);

// The q/k role of a GGUF tensor name: 'q' (blk.N.attn_q.*), 'k' (blk.N.attn_k.*) or 0.
char gguf_qk_role(std::string_view gguf_name);

}  // namespace lineage::weights
