#!/usr/bin/env python3
"""Fixtures for the legacy PyTorch reader and the quantised-layout pass (tests/weights/pytorch_*,
tests/weights/quantization_*). Every file here is written by the real reference code: torch.save
(torch 2.15), safetensors, bitsandbytes 0.50.2 (4-bit), and the packing conventions of auto-gptq /
autoawq / DeepSeek-V3 FP8 / bitsandbytes int8 (re-stated below from their sources), never by
Lineage. Run from the repository root (needs torch, safetensors, bitsandbytes):
  python3 tests/data/pytorch/make_fixtures.py

Writes into tests/data/pytorch/:
  B-bin/                 minizoo B (bf16) re-saved as pytorch_model.bin (torch.save of its state_dict)
  sharded/               a tiny state_dict in two .bin shards + pytorch_model.bin.index.json
  assorted.pt            every dtype torch maps to ours, a transposed view, an offset slice, tied
                         storage, an nn.Parameter, a float8 tensor (_rebuild_tensor_v3), an int entry
  assorted.json          expected shape, dtype and fp32 values of each tensor of assorted.pt
  nested.pt              {"state_dict": {...}, "epoch": 3} (a training checkpoint)
  protocol4.pt           assorted.pt's first tensors saved with pickle_protocol=4
  legacy.pt              _use_new_zipfile_serialization=False (pre-1.6 layout): refused
  complex128.pt          a dtype we have no DType for: refused as unsupported
  evil_*.bin             hand-written pickles in a torch-like zip that would run code or import
                         unknown globals if unpickled by Python; the marker file they would create
                         is /tmp/lineage_evil_pickle_ran (tests check it never appears)
  A-gptq/, A-awq/, A-fp8/   minizoo A with every linear layer quantised (GPTQ 4-bit act-order,
                         AWQ 4-bit GEMM, FP8 E4M3 with 32x32 block scales), plus
                         expected.safetensors: two modules' dequantised weights as the reference
                         computes them
  bnb4/                  bitsandbytes 4-bit NF4 (nested absmax) and FP4 modules + expected.safetensors
                         (quantised and dequantised by bitsandbytes 0.50.2 on the CPU)
  ct_packed/             names of a compressed-tensors pack-quantized layout (not dequantised: reported)
  bnb8/                  bitsandbytes int8 (weight + SCB) and its expected dequantisation
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import zipfile

import torch
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MINIZOO = os.path.join(ROOT, "tests", "data", "minizoo")
MARKER = "/tmp/lineage_evil_pickle_ran"
torch.manual_seed(0)


def out(*p):
    return os.path.join(HERE, *p)


def fresh_dir(name):
    d = out(name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


# ---------------------------------------------------------------- plain torch.save files

def b_bin():
    d = fresh_dir("B-bin")
    sd = load_file(os.path.join(MINIZOO, "B", "model.safetensors"))
    torch.save(collections.OrderedDict(sorted(sd.items())), os.path.join(d, "pytorch_model.bin"))
    shutil.copy(os.path.join(MINIZOO, "B", "config.json"), d)


def sharded():
    d = fresh_dir("sharded")
    a = {"model.a.weight": torch.randn(4, 3), "model.b.weight": torch.randn(2, 2).to(torch.float16)}
    b = {"lm_head.weight": torch.randn(5, 3).to(torch.bfloat16)}
    names = ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
    torch.save(a, os.path.join(d, names[0]))
    torch.save(b, os.path.join(d, names[1]))
    wm = {k: names[0] for k in a} | {k: names[1] for k in b}
    json.dump({"metadata": {"total_size": 0}, "weight_map": wm}, open(os.path.join(d, "pytorch_model.bin.index.json"), "w"), indent=1)


def values(t):
    return [float(x) for x in t.detach().float().flatten().tolist()]


DTYPE_NAMES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
               torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
               torch.bool: "BOOL", torch.float8_e4m3fn: "F8_E4M3", torch.float8_e5m2: "F8_E5M2"}


def assorted():
    base = torch.randn(6, 5)
    tied = torch.randn(7, 3)
    sd = collections.OrderedDict()
    for dt in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
        sd["dtype." + DTYPE_NAMES[dt]] = torch.randn(3, 4).to(dt)
    for dt in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        sd["dtype." + DTYPE_NAMES[dt]] = torch.arange(-5, 7).to(dt).reshape(3, 4) if dt != torch.uint8 else torch.arange(12, dtype=dt).reshape(3, 4)
    sd["dtype.BOOL"] = torch.tensor([True, False, True])
    sd["dtype.F8_E4M3"] = (torch.randn(2, 4) * 3).to(torch.float8_e4m3fn)
    sd["dtype.F8_E5M2"] = (torch.randn(2, 4) * 3).to(torch.float8_e5m2)
    sd["view.transposed"] = base.t()                      # strides (1, 5): gathered
    sd["view.slice"] = base[2:4]                          # storage offset 10, contiguous: a view
    sd["view.column"] = base[:, 1]                        # stride 5: gathered
    sd["view.scalar"] = torch.tensor(2.5)
    sd["view.empty"] = torch.zeros(0, 4)
    sd["tied.embed"] = tied
    sd["tied.lm_head"] = tied                             # the same storage twice
    sd["param"] = torch.nn.Parameter(torch.randn(2, 2))   # _rebuild_parameter
    sd["epoch"] = 3                                        # not a tensor: ignored
    torch.save(sd, out("assorted.pt"))
    expected = {}
    for k, v in sd.items():
        if isinstance(v, torch.Tensor):
            expected[k] = {"dtype": DTYPE_NAMES[v.dtype], "shape": list(v.shape), "values": values(v)}
    json.dump({"tensors": expected, "ignored": ["epoch"]}, open(out("assorted.json"), "w"), indent=0)

    torch.save({"state_dict": {"w": torch.randn(2, 3), "b": torch.randn(3)}, "epoch": 3,
                "optimizer": {"state": {}, "param_groups": [{"lr": 0.1}]}}, out("nested.pt"))
    first = collections.OrderedDict(list((k, v) for k, v in sd.items() if isinstance(v, torch.Tensor))[:4])
    torch.save(first, out("protocol4.pt"), pickle_protocol=4)
    torch.save({"w": torch.randn(2, 2)}, out("legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"w": torch.randn(2, 2, dtype=torch.complex128)}, out("complex128.pt"))


# ---------------------------------------------------------------- hostile pickles

def torch_like_zip(path, pkl):
    """A zip laid out like torch.save's (archive/data.pkl, archive/byteorder), data.pkl hostile."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", b"\0" * 16)


class RunsShell:
    def __reduce__(self):
        return (os.system, ("touch " + MARKER,))


class Evals:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch %s')" % MARKER,))


def hostile():
    # pickle.dumps of an object whose __reduce__ calls os.system: GLOBAL 'posix system' + REDUCE.
    torch_like_zip(out("evil_system.bin"), pickle.dumps({"w": RunsShell()}, protocol=2))
    torch_like_zip(out("evil_eval.bin"), pickle.dumps({"w": Evals()}, protocol=2))
    # protocol 4: STACK_GLOBAL of 'posix', 'system'
    torch_like_zip(out("evil_stack_global.bin"), pickle.dumps({"w": RunsShell()}, protocol=4))
    # an unknown global that merely imports (numpy's array reconstructor)
    torch_like_zip(out("evil_unknown_global.bin"),
                   b"\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00.")
    # protocol-0 INST opcode: 'i' module\nname\n after a MARK calls the class with the stack items
    cmd = ("touch " + MARKER).encode()
    torch_like_zip(out("evil_inst.bin"), b"(X" + struct.pack("<I", len(cmd)) + cmd + b"ios\nsystem\n.")
    # an allowed-looking call with the wrong callable: REDUCE on a storage type
    torch_like_zip(out("evil_reduce_storage.bin"), b"\x80\x02ctorch\nFloatStorage\n)R.")


# ---------------------------------------------------------------- quantised checkpoints

def linear_names(sd):
    return [k[: -len(".weight")] for k, v in sd.items() if k.endswith("_proj.weight") and v.ndim == 2]


def quant_folder(name, sd, cfg, qc):
    d = fresh_dir(name)
    cfg = dict(cfg)
    cfg["quantization_config"] = qc
    json.dump(cfg, open(os.path.join(d, "config.json"), "w"), indent=1)
    return d


# Expected dequantised weights are kept for two modules only (fixture budget); the tests check
# those exactly and every other module through the weight probe.
EXPECTED = ("model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight")


def save_expected(d, exp):
    save_file({k: v for k, v in exp.items() if k in EXPECTED}, os.path.join(d, "expected.safetensors"))


def gptq_pack(W, bits=4, group=16, act_order=True):
    """auto-gptq QuantLinear.pack (format 'gptq', zeros stored minus one) of W (out, in)."""
    out_f, in_f = W.shape
    p = 32 // bits
    maxq = 2 ** bits - 1
    groups = in_f // group
    perm = torch.randperm(in_f) if act_order else torch.arange(in_f)
    g_idx = torch.empty(in_f, dtype=torch.int32)
    g_idx[perm] = (torch.arange(in_f) // group).to(torch.int32)  # act-order: groups follow the permutation
    Wt = W.t().float()  # (in, out)
    scales = torch.empty(groups, out_f)
    zeros = torch.empty(groups, out_f, dtype=torch.int64)
    for g in range(groups):
        rows = Wt[g_idx == g]
        lo, hi = rows.min(0).values.clamp(max=0), rows.max(0).values.clamp(min=0)
        s = ((hi - lo) / maxq).clamp(min=1e-5)
        scales[g] = s
        # zero >= 1: the 'gptq' format stores zero - 1 in `bits` bits, so 0 would wrap around
        zeros[g] = torch.round(-lo / s).clamp(1, maxq).long()
    scales = scales.half()
    q = torch.round(Wt / scales[g_idx.long()].float() + zeros[g_idx.long()]).clamp(0, maxq).long()  # (in, out)
    qweight = torch.zeros(in_f // p, out_f, dtype=torch.int64)
    for j in range(p):
        qweight |= q[j::p] << (bits * j)
    zs = zeros - 1  # the legacy off-by-one of the 'gptq' checkpoint format
    zs = zs & maxq
    qzeros = torch.zeros(groups, out_f // p, dtype=torch.int64)
    for j in range(p):
        qzeros |= zs[:, j::p] << (bits * j)
    to32 = lambda x: x.to(torch.uint32).view(torch.int32) if hasattr(torch, "uint32") else x.to(torch.int32)
    return to32(qweight), to32(qzeros), scales, g_idx


def gptq_dequant(qweight, qzeros, scales, g_idx, bits=4):
    """auto-gptq's dequantisation (qlinear_cuda_old / exllama 'zeros + 1'), in fp32."""
    wf = torch.arange(0, 32, bits, dtype=torch.int32)
    zeros = torch.bitwise_right_shift(qzeros.unsqueeze(2).expand(-1, -1, 32 // bits), wf.view(1, 1, -1))
    zeros = (torch.bitwise_and(zeros, 2 ** bits - 1) + 1).reshape(qzeros.shape[0], -1)
    w = torch.bitwise_right_shift(qweight.unsqueeze(1).expand(-1, 32 // bits, -1), wf.view(1, -1, 1))
    w = torch.bitwise_and(w, 2 ** bits - 1).reshape(-1, qweight.shape[1])
    g = g_idx.long()
    return (scales.float()[g] * (w.float() - zeros.float()[g])).t().contiguous()


AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]
AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]


def awq_pack(W, group=16):
    """autoawq WQLinear_GEMM.from_linear of W (out, in): 4-bit, asymmetric, packed along out."""
    out_f, in_f = W.shape
    Wg = W.float().reshape(out_f, in_f // group, group)
    lo, hi = Wg.amin(2), Wg.amax(2)
    scales = ((hi - lo).clamp(min=1e-5) / 15)
    zeros = torch.round(-lo / scales).clamp(0, 15)
    scales = scales.half()
    q = torch.round(Wg / scales.float().unsqueeze(2) + zeros.unsqueeze(2)).clamp(0, 15).reshape(out_f, in_f)
    iw = q.t().contiguous().long()  # (in, out)
    qweight = torch.zeros(in_f, out_f // 8, dtype=torch.int64)
    for col in range(out_f // 8):
        for i in range(8):
            qweight[:, col] |= iw[:, col * 8 + AWQ_ORDER[i]] << (i * 4)
    z = zeros.t().contiguous().long()  # (groups, out)
    qzeros = torch.zeros(in_f // group, out_f // 8, dtype=torch.int64)
    for col in range(out_f // 8):
        for i in range(8):
            qzeros[:, col] |= z[:, col * 8 + AWQ_ORDER[i]] << (i * 4)
    to32 = lambda x: x.to(torch.uint32).view(torch.int32)
    return to32(qweight), to32(qzeros), scales.t().contiguous()  # scales (groups, out)


def awq_dequant(qweight, qzeros, scales, group=16):
    """autoawq's dequantize_gemm (unpack, reverse the interleaving, (w - z) * s), in fp32."""
    shifts = torch.arange(0, 32, 4, dtype=torch.int32)
    iw = torch.bitwise_right_shift(qweight[:, :, None], shifts[None, None, :]).reshape(qweight.shape[0], -1)
    iz = torch.bitwise_right_shift(qzeros[:, :, None], shifts[None, None, :]).reshape(qzeros.shape[0], -1)
    order = torch.arange(iw.shape[-1]).view(-1, 8)[:, AWQ_REVERSE_ORDER].reshape(-1)
    iw, iz = iw[:, order] & 15, iz[:, order] & 15
    s = scales.float().repeat_interleave(group, dim=0)
    z = iz.float().repeat_interleave(group, dim=0)
    return ((iw.float() - z) * s).t().contiguous()


def fp8_block_quant(W, block=32):
    """DeepSeek-V3 / HF 'fp8' weight_scale_inv: per (block x block) amax / 448, a multiplier."""
    out_f, in_f = W.shape
    s0, s1 = -(-out_f // block), -(-in_f // block)
    scale = torch.empty(s0, s1)
    q = torch.empty(out_f, in_f, dtype=torch.float8_e4m3fn)
    for i in range(s0):
        for j in range(s1):
            blk = W[i * block:(i + 1) * block, j * block:(j + 1) * block].float()
            s = blk.abs().max().clamp(min=1e-12) / 448.0
            scale[i, j] = s
            q[i * block:(i + 1) * block, j * block:(j + 1) * block] = (blk / s).to(torch.float8_e4m3fn)
    deq = q.float() * scale.repeat_interleave(block, 0)[:out_f].repeat_interleave(block, 1)[:, :in_f]
    return q, scale, deq


def quantised():
    sd = load_file(os.path.join(MINIZOO, "A", "model.safetensors"))
    cfg = json.load(open(os.path.join(MINIZOO, "A", "config.json")))
    plain = {k: v.to(torch.float16) for k, v in sd.items() if not (k.endswith("_proj.weight") and v.ndim == 2)}

    g = dict(plain)
    exp = {}
    for m in linear_names(sd):
        qw, qz, sc, gi = gptq_pack(sd[m + ".weight"])
        g.update({m + ".qweight": qw, m + ".qzeros": qz, m + ".scales": sc, m + ".g_idx": gi})
        exp[m + ".weight"] = gptq_dequant(qw, qz, sc, gi)
    d = quant_folder("A-gptq", sd, cfg, {"quant_method": "gptq", "bits": 4, "group_size": 16, "desc_act": True,
                                        "sym": False, "checkpoint_format": "gptq"})
    save_file(g, os.path.join(d, "model.safetensors"))
    save_expected(d, exp)

    a = dict(plain)
    exp = {}
    for m in linear_names(sd):
        qw, qz, sc = awq_pack(sd[m + ".weight"])
        a.update({m + ".qweight": qw, m + ".qzeros": qz, m + ".scales": sc})
        exp[m + ".weight"] = awq_dequant(qw, qz, sc)
    d = quant_folder("A-awq", sd, cfg, {"quant_method": "awq", "bits": 4, "group_size": 16, "version": "gemm",
                                       "zero_point": True})
    save_file(a, os.path.join(d, "model.safetensors"))
    save_expected(d, exp)

    f = {k: v.to(torch.bfloat16) for k, v in plain.items()}
    exp = {}
    for m in linear_names(sd):
        q, s, deq = fp8_block_quant(sd[m + ".weight"])
        f.update({m + ".weight": q, m + ".weight_scale_inv": s})
        exp[m + ".weight"] = deq
    d = quant_folder("A-fp8", sd, cfg, {"quant_method": "fp8", "activation_scheme": "dynamic", "fmt": "e4m3",
                                       "weight_block_size": [32, 32]})
    save_file(f, os.path.join(d, "model.safetensors"))
    save_expected(d, exp)

    # bitsandbytes int8 (LLM.int8 serialisation: int8 weight, SCB = per-row absmax, weight_format)
    d = fresh_dir("bnb8")
    W = torch.randn(6, 8)
    scb = W.abs().amax(1)
    w8 = torch.round(W * 127 / scb[:, None]).to(torch.int8)
    save_file({"model.layers.0.mlp.up_proj.weight": w8, "model.layers.0.mlp.up_proj.SCB": scb,
               "model.layers.0.mlp.up_proj.weight_format": torch.tensor([0], dtype=torch.uint8)},
              os.path.join(d, "model.safetensors"))
    save_file({"model.layers.0.mlp.up_proj.weight": w8.float() * scb[:, None] / 127},
              os.path.join(d, "expected.safetensors"))
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
               "quantization_config": {"quant_method": "bitsandbytes", "load_in_8bit": True}},
              open(os.path.join(d, "config.json"), "w"))

    # bitsandbytes 4-bit (Linear4bit as transformers serialises it: Params4bit's packed uint8 weight
    # plus QuantState.as_dict(packed=True)), quantised and dequantised by bitsandbytes itself.
    import bitsandbytes.functional as bnbf
    d = fresh_dir("bnb4")
    tensors, expected = {"model.norm.weight": torch.ones(8)}, {}
    for m, qt, nested in (("model.layers.0.mlp.up_proj", "nf4", True), ("model.layers.0.mlp.down_proj", "fp4", False)):
        W = torch.randn(24, 40) if qt == "nf4" else torch.randn(40, 24)
        q, state = bnbf.quantize_4bit(W, blocksize=64, quant_type=qt, compress_statistics=nested)
        tensors[m + ".weight"] = q
        for k, v in state.as_dict(packed=True).items():
            tensors[m + ".weight." + k] = v
        expected[m + ".weight"] = bnbf.dequantize_4bit(q, state).float()
    save_file(tensors, os.path.join(d, "model.safetensors"))
    save_file(expected, os.path.join(d, "expected.safetensors"))
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
               "quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": True,
                                       "bnb_4bit_quant_type": "nf4"}}, open(os.path.join(d, "config.json"), "w"))

    # compressed-tensors pack-quantized int4: names only (not dequantised by Lineage: reported)
    d = fresh_dir("ct_packed")
    m = "model.layers.0.mlp.up_proj"
    save_file({m + ".weight_packed": torch.zeros(8, 2, dtype=torch.int32), m + ".weight_scale": torch.ones(8, 1),
               m + ".weight_shape": torch.tensor([8, 16]), "model.norm.weight": torch.ones(16)},
              os.path.join(d, "model.safetensors"))
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
               "quantization_config": {"quant_method": "compressed-tensors", "format": "pack-quantized"}},
              open(os.path.join(d, "config.json"), "w"))


if __name__ == "__main__":
    b_bin()
    sharded()
    assorted()
    hostile()
    quantised()
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(HERE) for f in fs)
    print(f"tests/data/pytorch: {total} bytes")
