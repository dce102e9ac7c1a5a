"""Hugging Face model classes of the zoo: configs from a small shape dict, seeded construction,
saving in HF format (safetensors + config.json + tokenizer files), loading, and logits.

Shape dict keys: arch ("qwen3" | "llama" | "qwen3_moe"), vocab, hidden, layers, heads, inter,
and for MoE experts, top_k. Every model has untied embeddings and lm_head (so both are separate
components) and as many key/value heads as query heads.
"""
import json
import os

import torch
from transformers import (LlamaConfig, LlamaForCausalLM, Qwen3Config, Qwen3ForCausalLM,
                          Qwen3MoeConfig, Qwen3MoeForCausalLM)

import tokenizer_util

ARCHES = {
    # arch: (config class, model class)
    "qwen3": (Qwen3Config, Qwen3ForCausalLM),
    "llama": (LlamaConfig, LlamaForCausalLM),
    "qwen3_moe": (Qwen3MoeConfig, Qwen3MoeForCausalLM),
}
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def make_config(shape):
    config_cls, _ = ARCHES[shape["arch"]]
    kw = dict(vocab_size=shape["vocab"], hidden_size=shape["hidden"],
              intermediate_size=shape["inter"], num_hidden_layers=shape["layers"],
              num_attention_heads=shape["heads"], num_key_value_heads=shape["heads"],
              head_dim=shape["hidden"] // shape["heads"], max_position_embeddings=1024,
              rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False,
              bos_token_id=tokenizer_util.EOS_ID, eos_token_id=tokenizer_util.EOS_ID,
              pad_token_id=tokenizer_util.EOS_ID, initializer_range=0.02,
              attention_dropout=0.0)
    if shape["arch"] == "qwen3_moe":
        kw.update(num_experts=shape["experts"], num_experts_per_tok=shape["top_k"],
                  moe_intermediate_size=shape["inter"], decoder_sparse_step=1, mlp_only_layers=[],
                  norm_topk_prob=True, output_router_logits=False, router_aux_loss_coef=0.0)
    config = config_cls(**kw)
    if hasattr(config, "rope_parameters") and config.rope_parameters:
        config.rope_parameters["rope_theta"] = 10000.0
    return config


def new_model(shape, seed):
    """A freshly initialised model; the seed fixes every initial weight."""
    _, model_cls = ARCHES[shape["arch"]]
    torch.manual_seed(seed)
    model = model_cls(make_config(shape))
    model.to(torch.float32)
    model.eval()
    return model


def shape_of(model):
    c = model.config
    arch = {"Qwen3ForCausalLM": "qwen3", "LlamaForCausalLM": "llama",
            "Qwen3MoeForCausalLM": "qwen3_moe"}[type(model).__name__]
    shape = dict(arch=arch, vocab=c.vocab_size, hidden=c.hidden_size,
                 layers=c.num_hidden_layers, heads=c.num_attention_heads,
                 inter=c.intermediate_size)
    if arch == "qwen3_moe":
        shape.update(experts=c.num_experts, top_k=c.num_experts_per_tok)
    return shape


def from_state(shape, state):
    """A model of `shape` holding `state` (a state dict, fp32)."""
    model = new_model(shape, seed=0)
    missing, unexpected = model.load_state_dict(state, strict=True)
    assert not missing and not unexpected
    return model


def save(model, tok, folder, dtype):
    os.makedirs(folder, exist_ok=True)
    out = model.to(DTYPES[dtype])
    out.config.dtype = dtype
    out.save_pretrained(folder, safe_serialization=True)
    model.to(torch.float32)
    tokenizer_util.save(tok, folder)
    gen = os.path.join(folder, "generation_config.json")
    if os.path.exists(gen):  # carries the library version only; not part of the zoo's contract
        os.remove(gen)


def load(folder):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        arch = json.load(f)["architectures"][0]
    cls = {c.__name__: c for _, c in ARCHES.values()}[arch]
    model = cls.from_pretrained(folder, dtype=torch.float32)
    model.eval()
    return model, tokenizer_util.load(folder)


@torch.no_grad()
def logits(model, ids):
    return model(input_ids=ids).logits.float()


def param_count(model):
    return sum(p.numel() for p in model.parameters())
