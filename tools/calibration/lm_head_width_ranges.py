#!/usr/bin/env python3
"""Calibrates the width-invariant token statistic of the weight probe (probes/weights/lm_head_width.h)
on a lineage zoo and writes probes/weights/lm_head_width_ranges.json with its provenance.

The statistic, for one component (lm_head with the final norm gain folded in, or token_embedding)
of two models A and B: the rows of the tokens both tokenizers share (byte-identical, multi-byte,
non-special tokens, in A-id order; evenly thinned to at most max(16384, 8 x wider width) rows),
split into two folds by alternating rows; on one fold, canonical correlation analysis between A's
rows (n x d_A) and B's (n x d_B) - each side centred and whitened with a ridge of 1e-3 x mean
variance - then the canonical directions applied to the other fold and the Pearson correlation of
each held-out pair of canonical variates; averaged over the two folds by canonical rank; the
statistic is the MEDIAN over the min(d_A, d_B) ranks. Widths may differ (nothing is mapped).

Why the median of held-out canonical correlations: models trained on the same data share the
output geometry that the data dictates (a dominant frequency direction and a handful of functional
directions: zoo A vs B reach linear CKA 0.99 and a held-out linear-map R^2 of 0.89 on lm_head,
close to a fine-tune's 0.98), so any statistic dominated by the top directions calls unrelated
models alike. The bulk of the directions, however, keep each model's own initialisation: held out,
their canonical correlations between independent models are ~0 while a derived model keeps them.
The median looks at that bulk.

Calibration: the pairs of the zoo whose weights are unrelated (zoo.json pairs with
weights_related false: independent and distilled), except NOT_FITTED models (random
initialisations); the ceiling is the largest value over them plus a margin. Evaluated
leave-one-model-out: each fitted pair against the ceiling fitted without any pair holding either
of its models. The positive control (the power): A's own rows pushed through a random
semi-orthogonal d_A x d_B map plus Gaussian noise of CONTROL_NOISE x the matrix's std (the probe's
fine-tune noise), at d_B = each other width in the zoo; also at smaller noise for the power curve.
Derived pairs of the zoo are measured too, for the record (they must lie beyond the ceiling).

Also writes a golden for the C++ test: the statistic on two fixed synthetic matrices (formula in
golden_matrices below and in tests/probes/lm_head_width_test.cpp).

Usage: python3 tools/calibration/lm_head_width_ranges.py ZOO_DIR [OUT_JSON]   (~2 min on 1 core)
"""
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

RIDGE = 1e-3
MIN_TOKENS = 16384
CONTROL_NOISE = 1.0      # verdict_rule.json controls.finetune_noise_relative_std
MARGIN = 0.01            # added to the largest independent value
DERIVED_FLOOR = 0.5      # "far beyond every independent pair": flagged, never derived on its own
NOT_FITTED = {"A@0", "B@0", "C@0"}
COMPONENTS = ("lm_head", "token_embedding")


# ---- tokenizer: byte strings of a byte-level BPE vocabulary ---------------------------------------
def bytes_of_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


U = bytes_of_unicode()


def vocabulary(folder):
    t = json.load(open(os.path.join(folder, "tokenizer.json")))
    special = {a["content"] for a in t.get("added_tokens", []) if a.get("special")}
    out = {}
    for s, i in t["model"]["vocab"].items():
        if s in special:
            continue
        try:
            b = bytes(U[c] for c in s)
        except KeyError:
            continue
        out.setdefault(b, i)
    return out


def shared_pairs(va, vb, rows_a, rows_b):
    return sorted((ia, vb[s]) for s, ia in va.items() if len(s) > 1 and s in vb and ia < rows_a and vb[s] < rows_b)


# ---- safetensors without torch (bf16/f16/f32), plus the stored bytes' digest ----------------------
def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        buf = raw[base + a:base + b]
        dt = meta["dtype"]
        if dt == "F32":
            arr = np.frombuffer(buf, dtype="<f4")
        elif dt == "F16":
            arr = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            continue
        out[name] = (arr.reshape(meta["shape"]).astype(np.float64), hashlib.sha256(buf).hexdigest())
    return out


def find(tensors, suffix):
    keys = [k for k in tensors if k.endswith(suffix) and "vision" not in k and "visual" not in k]
    return tensors[sorted(keys, key=len)[0]] if keys else None


def load_model(zoo, entry):
    folder = os.path.join(zoo, entry["path"])
    files = [f for f in os.listdir(folder) if f.endswith(".safetensors")]
    t = read_safetensors(os.path.join(folder, files[0]))
    lm, emb = find(t, "lm_head.weight"), find(t, "embed_tokens.weight")
    norm = find(t, "model.norm.weight") or find(t, "language_model.norm.weight")
    m = {"vocab": vocabulary(folder), "sha": {}}
    if emb is not None:
        m["token_embedding"] = emb[0]
        m["sha"]["token_embedding"] = emb[1]
    if lm is not None:
        m["lm_head"] = lm[0] * (norm[0][None, :] if norm is not None else 1.0)
        m["sha"]["lm_head"] = lm[1]
    return m


# ---- the statistic ---------------------------------------------------------------------------------
def thin(n, cap):
    if n <= cap:
        return np.arange(n)
    return np.array([i * n // cap for i in range(cap)])


def whitener(m):
    mu = m.mean(0)
    c = (m - mu).T @ (m - mu) / len(m)
    c += RIDGE * np.trace(c) / len(c) * np.eye(len(c))
    e, v = np.linalg.eigh(c)
    return mu, v @ np.diag(e ** -0.5) @ v.T


def canonical_correlations(x, y):
    """Held-out canonical correlations by rank (two folds, alternating rows, averaged)."""
    k = min(x.shape[1], y.shape[1])
    fold = np.arange(len(x)) % 2
    total = np.zeros(k)
    for train in (0, 1):
        t, h = fold == train, fold != train
        mx, wx = whitener(x[t])
        my, wy = whitener(y[t])
        u, s, vt = np.linalg.svd(((x[t] - mx) @ wx).T @ ((y[t] - my) @ wy) / t.sum())
        px = (x[h] - mx) @ wx @ u[:, :k]
        py = (y[h] - my) @ wy @ vt.T[:, :k]
        px -= px.mean(0)
        py -= py.mean(0)
        total += (px * py).sum(0) / np.sqrt((px * px).sum(0) * (py * py).sum(0))
    return total / 2


def statistic(x, y):
    rows = thin(len(x), max(MIN_TOKENS, 8 * max(x.shape[1], y.shape[1])))
    return float(np.median(canonical_correlations(x[rows], y[rows])))


def control_rows(x, d_b, noise, rng, std):
    d_a = x.shape[1]
    g = rng.standard_normal((max(d_a, d_b), max(d_a, d_b)))
    q, _ = np.linalg.qr(g)
    m = q[:d_a, :d_b] if d_b >= d_a else q[:, :d_b]  # orthonormal rows (widen) / columns (narrow)
    return x @ m + noise * std * rng.standard_normal((len(x), d_b))


def golden_matrices():
    """Two fixed matrices (formula mirrored in the C++ test): 600 tokens, widths 12 and 20."""
    n, da, db = 600, 12, 20
    i = np.arange(n)[:, None]
    x = np.sin(0.37 * i * (np.arange(da)[None, :] + 1) + 0.11 * np.arange(da)[None, :])
    base = np.concatenate([x, np.cos(0.23 * i * (np.arange(db - da)[None, :] + 2))], axis=1)
    y = base + 0.3 * np.sin(1.7 * i * (np.arange(db)[None, :] + 3) + 0.5)
    return x, y


# ---- main ------------------------------------------------------------------------------------------
def main():
    zoo = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "probes", "weights", "lm_head_width_ranges.json")
    z = json.load(open(os.path.join(zoo, "zoo.json")))
    zname = z.get("name", "zoo")
    entries = {m["id"]: m for m in z["models"]}
    models = {}

    def model(i):
        if i not in models:
            models[i] = load_model(zoo, entries[i])
        return models[i]

    def measure(a, b):
        ma, mb = model(a), model(b)
        rec = {"pair": f"{zname}:{a}|{b}"}
        for c in COMPONENTS:
            if c in ma and c in mb:
                pr = shared_pairs(ma["vocab"], mb["vocab"], len(ma[c]), len(mb[c]))
                if len(pr) >= 4 * max(ma[c].shape[1], mb[c].shape[1]):
                    ia, ib = zip(*pr)
                    rec[c] = round(statistic(ma[c][list(ia)], mb[c][list(ib)]), 5)
                    rec["tokens"] = len(pr)
                    rec["tokens_per_width"] = round(len(pr) / max(ma[c].shape[1], mb[c].shape[1]), 3)
        return rec

    unrelated = [p for p in z["pairs"] if not p["weights_related"]]
    derived = [p for p in z["pairs"] if p["relation"] == "derived-from" and p["weights_related"]]
    records = []
    for p in unrelated:
        r = measure(p["a"], p["b"])
        r["relation"] = p["relation"]
        r["fitted"] = not ({p["a"], p["b"]} & NOT_FITTED)
        r["models"] = [p["a"], p["b"]]
        records.append(r)
        print(r, file=sys.stderr, flush=True)
    fitted = [r for r in records if r["fitted"]]

    comps, lomo = {}, {}
    for c in COMPONENTS:
        vals = [r[c] for r in fitted if c in r]
        hi = max(vals)
        # The calibrated domain: shared tokens per hidden dim at least the fewest seen (floored).
        # Fewer tokens per dim (tiny vocabularies, wide models) raise the values of independent
        # pairs - the mini zoo's 253 tokens at width 64 give 0.27 for A vs B - so the ceiling does
        # not transfer there and the statistic stays silent.
        per_width = min(r["tokens_per_width"] for r in fitted if c in r)
        comps[c] = {"ceiling": round(hi + MARGIN, 5), "max_independent": hi, "margin": MARGIN,
                    "mean_independent": round(float(np.mean(vals)), 5), "pairs": len(vals),
                    "derived_floor": DERIVED_FLOOR, "min_tokens_per_width": math.floor(per_width)}
        outside = []
        worst = 0.0
        for r in records:
            if c not in r:
                continue
            rest = [q[c] for q in fitted if c in q and not (set(q["models"]) & set(r["models"]))]
            ceiling = max(rest) + MARGIN
            worst = max(worst, r[c] - ceiling)
            if r[c] > ceiling:
                outside.append(r["pair"])
        lomo[c] = {"pairs": sum(1 for r in records if c in r), "above_out_of_sample_ceiling": outside,
                   "largest_excess": round(worst, 5)}

    # Derived pairs (a sample: parent vs child, every chain) and the positive controls.
    drec = []
    for p in derived:
        if p["parent"] in NOT_FITTED:
            continue
        r = measure(p["parent"], p["child"])
        drec.append(r)
        print(r, file=sys.stderr, flush=True)
    rng = np.random.default_rng(20260523)
    widths = sorted({entries[i]["shape"]["hidden"] for i in entries})
    controls = []
    for parent in ("A", "B", "C", "D", "E"):
        m = model(parent)
        for c in COMPONENTS:
            pr = shared_pairs(m["vocab"], m["vocab"], len(m[c]), len(m[c]))
            x = m[c][[a for a, _ in pr]]
            std = float(m[c].std())
            for d_b in widths:
                if d_b == x.shape[1]:
                    continue
                row = {"parent": parent, "component": c, "width": f"{x.shape[1]}->{d_b}"}
                for noise in (0.25, 0.5, 1.0, 1.5):
                    row[f"noise_{noise}"] = round(statistic(x, control_rows(x, d_b, noise, rng, std)), 5)
                row["detected_at_rule_noise"] = row[f"noise_{CONTROL_NOISE}"] > comps[c]["ceiling"]
                controls.append(row)
    gx, gy = golden_matrices()
    out = {
        "_comment": "Width-invariant token statistic of the weight probe (probes/weights/lm_head_width.h): median held-out canonical correlation between two models' rows of their shared tokens. Ceilings = largest value over the zoo's weight-unrelated pairs + margin. Written by tools/calibration/lm_head_width_ranges.py; do not edit by hand. At run time a pair whose lm_head or embedding digest matches a calibration model is judged against the ceiling refitted without that model's pairs (leave-one-model-out).",
        "statistic": "median held-out canonical correlation of shared-token rows",
        "settings": {"ridge": RIDGE, "min_token_cap": MIN_TOKENS, "token_cap_per_width": 8,
                     "min_tokens_per_width": 4, "folds": "alternating rows in A-id order",
                     "control_noise_relative_std": CONTROL_NOISE},
        "measured_on": f"{len(fitted)} weight-unrelated pairs of the lineage zoo '{zname}' (tools/zoo; independent and distilled; random initialisations {sorted(NOT_FITTED)} not fitted)",
        "components": comps,
        "leave_one_model_out": lomo,
        "controls": controls,
        "derived_pairs": drec,
        "pairs": [{k: v for k, v in r.items() if k != "models"} for r in records],
        "provenance": {"models": [{"id": f"{zname}:{i}", "weights_sha256": entries[i]["weights_sha256"],
                                   **{f"{c}_sha256": models[i]["sha"][c] for c in COMPONENTS if c in models[i]["sha"]}}
                                  for i in sorted(models)]},
        "golden": {"rows": 600, "width_a": 12, "width_b": 20, "value": statistic(gx, gy),
                   "canonical_correlations": [round(float(v), 6) for v in canonical_correlations(gx, gy)]},
    }
    with open(out_path + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(out_path + ".tmp", out_path)
    for c in COMPONENTS:
        print(c, comps[c], "LOMO:", lomo[c], file=sys.stderr)


if __name__ == "__main__":
    main()
