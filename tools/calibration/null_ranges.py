#!/usr/bin/env python3
"""Calibrates the null ranges of the tokenizer statistics: runs `lineage tokenizer --json
--no-behaviour` on pairs of tokenizers with no lineage between them and records, per statistic
and vocabulary-size-ratio bin, the smallest and largest value seen. Writes
probes/tokenizer/null_ranges.json (then run make_null_table.py to regenerate the compiled table).

Unrelated pairs used:
  - real published tokenizers from different families (shared/testdata/tokenizers: the cl100k
    family {cl100k, llama3, qwen3}, deepseek_v3, the mistral family {mistral_v1, mistral_v3}),
    identified by sha256 (MANIFEST.md); pairs within a family are never used;
  - tokenizers trained from scratch by train_null_tokenizers.py (every pair of them, and each
    against every real one): same corpus with other sizes or random subsets, and other corpora.
Pairs trained on exactly the same data (same corpus, subset and seed) at two sizes are left out
of the bins ("same_data"): BPE training is deterministic, so the smaller is a prefix of the larger
at identical ids -- the same tokenizer cut short, indistinguishable from an extension by design.
Pairs from the same training corpus are independent trainings, yet their order statistics are
far higher than for unrelated real tokenizers; they are reported separately ("same_corpus") and
also make up the bins, since a from-scratch tokenizer trained on similar data is exactly what the
null must cover.

Usage: python3 tools/calibration/null_ranges.py LINEAGE TESTDATA_TOKENIZERS TRAINED_DIR
"""
import hashlib
import itertools
import json
import pathlib
import subprocess
import sys

lineage, testdata, trained = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
root = pathlib.Path(__file__).resolve().parents[2]

REAL = {  # folder: (file, sha256, family)
    "cl100k": ("tokenizer.json", "1542d2ebccd8b9f7293d41f21b84b6dbc00780e467e5025b6b311f3aa97b3a20", "cl100k"),
    "llama3": ("tokenizer.json", "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78", "cl100k"),
    "qwen3": ("tokenizer.json", "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4", "cl100k"),
    "deepseek_v3": ("tokenizer.json", "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41", "deepseek"),
    "mistral_v1": ("tokenizer.model", "dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055", "mistral"),
    "mistral_v3": ("tokenizer.model", "9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33", "mistral"),
}
STATS = ["jaccard", "containment", "lis", "equal_ids", "offset_coverage", "merge_prefix", "merge_rank_correlation"]
BINS = [("0.00-0.40", 0.0, 0.4), ("0.40-0.70", 0.4, 0.7), ("0.70-1.00", 0.7, 1.0)]

entries = []  # (name, path, family, corpus, training data key)
for name, (file, sha, family) in REAL.items():
    p = testdata / name / file
    if p.exists() and hashlib.sha256(p.read_bytes()).hexdigest() == sha:
        entries.append((name, p, family, "real", None))
    else:
        print(f"skipping {name}: missing or hash differs", file=sys.stderr)
manifest = json.loads((trained / "manifest.json").read_text())
for t in manifest["tokenizers"]:
    entries.append((t["name"], trained / t["name"] / "tokenizer.json", "trained:" + t["name"], t["corpus"],
                    (t["corpus"], t["fraction"], t["seed"])))

rows = []
for (na, pa, fa, ca, da), (nb, pb, fb, cb, db) in itertools.combinations(entries, 2):
    if fa == fb:
        continue
    out = subprocess.run([lineage, "tokenizer", "--json", "--no-behaviour", str(pa), str(pb)],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        print(f"{na} vs {nb}: exit {out.returncode}: {out.stderr.strip()}", file=sys.stderr)
        continue
    j = json.loads(out.stdout)
    f = j["figures"]
    kind = "real" if ca == cb == "real" else ("same_corpus" if ca == cb or "mixed" in (ca, cb) else "other")
    if da is not None and da == db:
        kind = "same_data"
    row = {"a": na, "b": nb, "kind": kind, "relation": j["relation"], "size_ratio": f["size_ratio"]}
    for s in STATS:
        row[s] = f[s]["value"]
    rows.append(row)
    print(f"{na:>14} {nb:>14} {kind:>11} ratio {row['size_ratio']:.2f} LIS {row['lis']:.3f} "
          f"J {row['jaccard']:.3f} -> {row['relation']}", flush=True)

bins = []
for label, lo, hi in BINS:
    members = [r for r in rows if r["kind"] != "same_data" and
               (lo <= r["size_ratio"] < hi or (hi == 1.0 and r["size_ratio"] == 1.0))]
    if not members:
        continue
    stats = {s: {"lo": min(r[s] for r in members), "hi": max(r[s] for r in members), "pairs": len(members)}
             for s in STATS}
    bins.append({"bin": label, "ratio_lo": lo, "ratio_hi": hi, "statistics": stats})

doc = {
    "description": f"{sum(r['kind'] != 'same_data' for r in rows)} unrelated pairs: real published tokenizers of different families and "
                   f"from-scratch tokenizers (tokenizers {manifest['tokenizers_version']}, "
                   "tools/calibration/train_null_tokenizers.py)",
    "bins": bins,
    "pairs": rows,
}
(root / "probes/tokenizer/null_ranges.json").write_text(json.dumps(doc, indent=1) + "\n")
print(f"wrote {len(rows)} pairs in {len(bins)} bins")
