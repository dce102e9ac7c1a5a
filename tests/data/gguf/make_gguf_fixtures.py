#!/usr/bin/env python3
"""Builds the GGUF test fixtures with the reference implementation (pip `gguf`, llama.cpp's gguf-py).

Outputs (in this folder):
  A-f16.gguf, A-Q8_0.gguf   tests/data/minizoo/A (Qwen3) converted as llama.cpp's
                            convert_hf_to_gguf.py does: gguf-py's tensor-name map, 1-D tensors kept
                            F32, 2-D tensors F16 or Q8_0 (gguf.quants.quantize), hyper-parameters and
                            the byte-level BPE tokenizer (tokens, token types, merges) in the metadata.
  llama-Q8_0.gguf           tests/data/models/llama_fp32 (Llama, GQA 4 heads / 2 kv heads) converted
                            the same way, with q_proj/k_proj rows permuted by llama.cpp's LlamaModel.permute.
  dequant_goldens.gguf      for each ggml type read by Lineage, a tensor "<type>" of that type and a
                            tensor "<type>.expected" (F32) holding gguf.quants.dequantize of its bytes.
                            Q4_0..Q8_0 quantise random normals; the K types (which gguf-py cannot
                            quantise) hold random bytes with finite random f16 scales.
Run from the repository root:  python3 tests/data/gguf/make_gguf_fixtures.py
"""
import json
import os

import gguf
import numpy as np
from safetensors.numpy import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
GQ = gguf.GGMLQuantizationType


def permute(w, n_head, n_head_kv):
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute (HF rotate-half -> interleaved rows)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def add_tokenizer(w, folder):
    tj = json.load(open(os.path.join(folder, "tokenizer.json")))
    vocab = tj["model"]["vocab"]
    added = {t["id"]: t for t in tj["added_tokens"]}
    n = max(max(vocab.values()), max(added) if added else 0) + 1
    tokens, types = [], []
    by_id = {i: s for s, i in vocab.items()}
    for i in range(n):
        if i in added:
            tokens.append(added[i]["content"])
            types.append(gguf.TokenType.CONTROL if added[i]["special"] else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(0)
    w.add_eos_token_id(0)
    cfg = json.load(open(os.path.join(folder, "tokenizer_config.json")))
    if cfg.get("chat_template"):
        w.add_chat_template(cfg["chat_template"])


def convert(folder, out_path, arch, ftype, permute_qk, with_tokenizer):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    tensors = load_file(os.path.join(folder, "model.safetensors"))
    n_layers = cfg["num_hidden_layers"]
    n_head, n_kv = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    names = gguf.get_tensor_name_map(arch, n_layers)
    w = gguf.GGUFWriter(out_path, gguf.MODEL_ARCH_NAMES[arch])
    w.add_name(os.path.basename(folder))
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(n_layers)
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    theta = cfg.get("rope_theta") or cfg.get("rope_parameters", {}).get("rope_theta", 10000.0)
    w.add_rope_freq_base(theta)
    if "head_dim" in cfg:
        w.add_key_length(cfg["head_dim"])
        w.add_value_length(cfg["head_dim"])
    w.add_vocab_size(cfg["vocab_size"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if ftype == GQ.F16 else gguf.LlamaFileType.MOSTLY_Q8_0)
    if with_tokenizer:
        add_tokenizer(w, folder)
    for name in sorted(tensors):
        data = tensors[name].astype(np.float32)
        if permute_qk and name.endswith("q_proj.weight"):
            data = permute(data, n_head, n_head)
        if permute_qk and name.endswith("k_proj.weight"):
            data = permute(data, n_head, n_kv)
        new_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        assert new_name, name
        if data.ndim == 1:
            w.add_tensor(new_name, data)
        elif ftype == GQ.F16:
            w.add_tensor(new_name, data.astype(np.float16))
        else:
            q = gguf.quants.quantize(data, ftype)
            w.add_tensor(new_name, q, raw_shape=q.shape, raw_dtype=ftype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def dequant_goldens(out_path):
    rng = np.random.default_rng(20261123)
    w = gguf.GGUFWriter(out_path, "goldens")
    for t in (GQ.F32, GQ.F16, GQ.BF16, GQ.Q4_0, GQ.Q4_1, GQ.Q5_0, GQ.Q5_1, GQ.Q8_0,
              GQ.Q2_K, GQ.Q3_K, GQ.Q4_K, GQ.Q5_K, GQ.Q6_K):
        block, size = gguf.GGML_QUANT_SIZES[t]
        rows, cols = 3, 512  # every row is whole blocks of every type
        values = rng.standard_normal((rows, cols)).astype(np.float32)
        if t in (GQ.F32,):
            raw = values
        elif t == GQ.F16:
            raw = values.astype(np.float16)
        elif t in (GQ.BF16, GQ.Q4_0, GQ.Q4_1, GQ.Q5_0, GQ.Q5_1, GQ.Q8_0):
            raw = gguf.quants.quantize(values, t)
        else:
            raw = rng.integers(0, 256, size=(rows, cols // block * size), dtype=np.uint8)
            blocks = raw.reshape(-1, size)
            # f16 scale fields at their offsets in each block: finite, moderate values.
            scale_offsets = {GQ.Q2_K: (80, 82), GQ.Q3_K: (108,), GQ.Q4_K: (0, 2), GQ.Q5_K: (0, 2), GQ.Q6_K: (208,)}[t]
            for off in scale_offsets:
                scales = (rng.uniform(0.001, 0.1, size=blocks.shape[0]) * rng.choice([-1, 1], blocks.shape[0]))
                blocks[:, off:off + 2] = scales.astype(np.float16).view(np.uint8).reshape(-1, 2)
        if t == GQ.F32:
            w.add_tensor(t.name, raw)
        elif t == GQ.F16:
            w.add_tensor(t.name, raw)
        else:
            w.add_tensor(t.name, raw, raw_shape=raw.shape, raw_dtype=t)
        raw_bytes = raw.view(np.uint8) if raw.dtype != np.uint8 else raw
        expected = values if t == GQ.F32 else gguf.quants.dequantize(raw_bytes, t) if t != GQ.F16 else raw.astype(np.float32)
        w.add_tensor(t.name + ".expected", np.ascontiguousarray(expected, dtype=np.float32).reshape(rows, cols))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    a = os.path.join(ROOT, "tests/data/minizoo/A")
    convert(a, os.path.join(HERE, "A-f16.gguf"), gguf.MODEL_ARCH.QWEN3, GQ.F16, False, True)
    convert(a, os.path.join(HERE, "A-Q8_0.gguf"), gguf.MODEL_ARCH.QWEN3, GQ.Q8_0, False, True)
    llama = os.path.join(ROOT, "tests/data/models/llama_fp32")
    convert(llama, os.path.join(HERE, "llama-Q8_0.gguf"), gguf.MODEL_ARCH.LLAMA, GQ.Q8_0, True, False)
    dequant_goldens(os.path.join(HERE, "dequant_goldens.gguf"))
    print("gguf", gguf.__file__, "numpy", np.__version__)


if __name__ == "__main__":
    main()
