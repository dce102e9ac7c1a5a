#!/usr/bin/env python3
"""Peer of bench/probe.cpp in PyTorch (CPU): the same activation-probe work on the same inputs.
Loads model A (transformers, fp32), runs the TEXTS x TOKENS ids in batches, captures every block's
output (and the embeddings) with forward hooks, keeps the N sampled rows per layer, forms centred
Gram matrices (GEMMs), frees A, does the same for B, and computes linear and debiased CKA for
every layer pair (the pair products as one GEMM over flattened Grams). Same ids and positions as
the C++ side (shared formulas).

Usage: python3 bench/probe_peer.py MODEL_A MODEL_B [TEXTS=256] [TOKENS=128] [N=2048] [THREADS]
"""
import sys
import time

import torch
import transformers


def make_ids(texts, tokens, vocab):
    x, mask, out = 12345, (1 << 64) - 1, []
    for _ in range(texts):
        seq = []
        for _ in range(tokens):
            x = (x * 6364136223846793005 + 1442695040888963407) & mask
            seq.append(3 + (x >> 33) % (vocab - 3))
        out.append(seq)
    return torch.tensor(out, dtype=torch.long)


def grams(path, ids, rows_t, rows_p, batch=16):
    model = transformers.AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.eval()
    layers = model.config.num_hidden_layers + 1
    feats = [[] for _ in range(layers)]
    captured = {}

    def hook(i):
        def f(_m, _inp, out):
            captured[i] = out[0] if isinstance(out, tuple) else out
        return f

    handles = [model.model.embed_tokens.register_forward_hook(hook(0))]
    for i, layer in enumerate(model.model.layers):
        handles.append(layer.register_forward_hook(hook(i + 1)))
    order = []
    with torch.no_grad():
        for b0 in range(0, ids.shape[0], batch):
            sel = ((rows_t >= b0) & (rows_t < b0 + batch)).nonzero().flatten()
            model.model(input_ids=ids[b0:b0 + batch])
            for l in range(layers):
                feats[l].append(captured[l][rows_t[sel] - b0, rows_p[sel]])
            order.append(sel)
    for h in handles:
        h.remove()
    del model
    inv = torch.argsort(torch.cat(order))
    out = []
    for l in range(layers):
        x = torch.cat(feats[l])[inv]
        xc = x - x.mean(dim=0, keepdim=True)
        out.append(xc @ xc.T)  # (n, n) centred Gram
    return torch.stack(out)


def cka_all(ka, kb):
    n = ka.shape[1]
    fa, fb = ka.reshape(ka.shape[0], -1).double(), kb.reshape(kb.shape[0], -1).double()
    dot = fa @ fb.T  # every layer pair at once
    linear = dot / torch.outer(fa.norm(dim=1), fb.norm(dim=1))

    def parts(k):
        d = torch.diagonal(k, dim1=1, dim2=2).double()
        r = k.double().sum(dim=2) - d
        return d, r, r.sum(dim=1)

    da, ra, sa = parts(ka)
    db, rb, sb = parts(kb)

    def hsic(tr, s1, s2, rr):
        return (tr + s1 * s2 / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * rr) / (n * (n - 3))

    kl = hsic(dot - da @ db.T, sa[:, None], sb[None, :], ra @ rb.T)
    kk = hsic((fa * fa).sum(1) - (da * da).sum(1), sa, sa, (ra * ra).sum(1))
    ll = hsic((fb * fb).sum(1) - (db * db).sum(1), sb, sb, (rb * rb).sum(1))
    return kl / torch.sqrt(torch.outer(kk, ll)), linear


def main():
    a, b = sys.argv[1], sys.argv[2]
    texts = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    tokens = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 2048
    if len(sys.argv) > 6:
        torch.set_num_threads(int(sys.argv[6]))
    start = time.time()
    vocab = transformers.AutoConfig.from_pretrained(a).vocab_size
    ids = make_ids(texts, tokens, vocab)
    k = torch.arange(n)
    rows_t, rows_p = k % texts, 1 + (k * 7919) % (tokens - 1)
    t = time.time()
    ka = grams(a, ids, rows_t, rows_p)
    sa = time.time() - t
    t = time.time()
    kb = grams(b, ids, rows_t, rows_p)
    debiased, linear = cka_all(ka, kb)
    sb = time.time() - t
    total = time.time() - start
    print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads | A {sa:.2f} s, B+CKA {sb:.2f} s, "
          f"total {total:.2f} s, {2 * texts * tokens / total:.0f} tokens/s ({texts} texts x {tokens} tokens x 2 models, n={n})")
    m = min(debiased.shape)
    print("pytorch: diagonal debiased CKA: " + " ".join(f"{debiased[i, i].item():.4f}" for i in range(m)))
    print("pytorch: diagonal linear CKA:   " + " ".join(f"{linear[i, i].item():.4f}" for i in range(m)))


if __name__ == "__main__":
    main()
