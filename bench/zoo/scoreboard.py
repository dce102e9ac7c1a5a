#!/usr/bin/env python3
"""Lineage zoo scoreboard: runs every available `lineage` probe on every pair of zoo models and
scores the answers against the zoo's ground truth (zoo.json, built by tools/zoo/build_zoo.py).

  python3 bench/zoo/scoreboard.py [--zoo DIR] [--lineage PATH] [--probes LIST] [--markdown FILE]

Probes (each run only when its subcommand is listed by `lineage --help`):
  compare    lineage compare A B --json     verdict derived|independent|inconclusive, p_value
  tokenizer  lineage tokenizer A B --json   relation identical|same-vocabulary|extended|...
  probe      lineage probe A B --json       verdict derived|behaviourally-similar|independent|...
  audit      lineage audit CHILD --base PARENT --json   verdict pass|fail|inconclusive
and two labelled naive baselines computed here (numpy), to show why such statistics mislead:
  naive-norm-cosine   mean cosine of same-named RMSNorm gain vectors
  naive-raw-pearson   mean Pearson correlation of same-named, same-shaped matrices
Per probe it prints every pair (score, p-value, predicted, true relation), then: detection rate at
zero false positives, AUC (when the probe gives a score), confusion counts, and every false
positive in full. Raw answers are kept under --work (default bench/out/zoo) and reused while the
binary and the zoo are unchanged.
"""
import argparse
import concurrent.futures
import hashlib
import json
import math
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINEAGE_PROBES = ("compare", "tokenizer", "probe", "audit")
NAIVE_PROBES = ("naive-norm-cosine", "naive-raw-pearson")
COMPARE_FAMILIES = ("pearson_max_neg_log10_p", "neuron_matching_neg_log10_p",
                    "attention_cka_neg_log10_p")
TOKENIZER_RELATED = {"identical", "same-vocabulary", "extended", "pruned", "shifted", "reordered"}


# ---- truth per probe ----------------------------------------------------------------------------
def truth_of(probe, pair):
    """(true label, positive?) of a pair for a probe; positive = what the probe must detect."""
    if probe == "tokenizer":
        rel = pair.get("tokenizer_relation")
        return rel, rel in TOKENIZER_RELATED
    if probe == "probe":
        if pair["weights_related"]:
            return "derived", True
        return ("behaviourally-similar" if pair["relation"] == "distilled-from" else "independent",
                False)
    if probe == "audit":
        return ("fail" if pair["weights_related"] else "pass"), pair["weights_related"]
    return ("derived" if pair["weights_related"] else "independent"), pair["weights_related"]


def predicted_positive(probe, answer):
    if answer is None:
        return None
    if probe == "tokenizer":
        rel = answer.get("relation")
        return None if rel is None else rel in TOKENIZER_RELATED
    verdict = answer.get("verdict")  # inconclusive counts as "not detected"
    if probe == "audit":
        return {"fail": True, "pass": False, "inconclusive": False}.get(verdict)
    return {"derived": True, "independent": False, "behaviourally-similar": False,
            "inconclusive": False}.get(verdict)


def prediction_label(probe, answer):
    if answer is None:
        return "error"
    return str(answer.get("relation" if probe == "tokenizer" else "verdict", "?"))


def _number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def score_of(answer):
    """Higher = more evidence of lineage: neg_log10_p, else -log10(p_value), else `score`."""
    if answer is None:
        return None
    if _number(answer.get("neg_log10_p")):
        return float(answer["neg_log10_p"])
    p = answer.get("p_value")
    if isinstance(p, (int, float)) and not isinstance(p, bool):
        return 400.0 if p <= 0 else -math.log10(min(1.0, p))
    s = answer.get("score")
    return float(s) if isinstance(s, (int, float)) and not isinstance(s, bool) else None


# ---- running lineage ----------------------------------------------------------------------------
def available_subcommands(lineage):
    try:
        out = subprocess.run([lineage, "--help"], capture_output=True, text=True, timeout=60)
    except OSError:
        return set()
    text = out.stdout + out.stderr
    found = set()
    in_subs = False
    for line in text.splitlines():
        if line.strip().upper().startswith("SUBCOMMANDS"):
            in_subs = True
            continue
        if in_subs and line.strip():
            found.add(line.split()[0])
    return found & set(LINEAGE_PROBES) or {w for w in LINEAGE_PROBES if f"  {w} " in text}


def command_for(probe, lineage, a_path, b_path):
    if probe == "audit":
        return [lineage, "audit", b_path, "--base", a_path, "--json"]
    return [lineage, probe, a_path, b_path, "--json"]


def run_lineage(cmd, timeout):
    t = time.time()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc, stdout, stderr = out.returncode, out.stdout, out.stderr
    except subprocess.TimeoutExpired:
        rc, stdout, stderr = "timeout", "", ""
    seconds = time.time() - t
    answer = None
    try:
        answer = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        answer = None
    return {"cmd": cmd, "rc": rc, "seconds": round(seconds, 3), "answer": answer,
            "stderr": stderr[-2000:]}


# ---- naive baselines ----------------------------------------------------------------------------
class TensorCache:
    def __init__(self, zoo_dir):
        self.zoo_dir, self.cache = zoo_dir, {}

    def get(self, model):
        if model["id"] not in self.cache:
            import numpy as np
            from safetensors import safe_open
            tensors = {}
            with safe_open(os.path.join(self.zoo_dir, model["path"], "model.safetensors"),
                           "np" if model.get("dtype") != "bfloat16" else "pt") as f:
                for k in f.keys():
                    t = f.get_tensor(k)
                    tensors[k] = (t.float().numpy() if hasattr(t, "float") else
                                  np.asarray(t, dtype=np.float32))
            if len(self.cache) > 8:
                self.cache.pop(next(iter(self.cache)))
            self.cache[model["id"]] = tensors
        return self.cache[model["id"]]


def naive(probe, ta, tb):
    import numpy as np
    vals = []
    for k, a in ta.items():
        b = tb.get(k)
        if b is None or a.shape != b.shape:
            continue
        if probe == "naive-norm-cosine" and a.ndim == 1 and "norm" in k:
            vals.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)))
        if probe == "naive-raw-pearson" and a.ndim == 2:
            x, y = a.ravel() - a.mean(), b.ravel() - b.mean()
            vals.append(float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-12)))
    return {"score": float(np.mean(vals)) if vals else None, "tensors": len(vals)}


# ---- statistics ---------------------------------------------------------------------------------
def auc(pos, neg):
    """Mann-Whitney AUC with ties counted half."""
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def summarise(rows):
    scored = [r for r in rows if r["score"] is not None]
    pos = [r["score"] for r in scored if r["positive"]]
    neg = [r["score"] for r in scored if not r["positive"]]
    s = {"pairs": len(rows), "positives": sum(r["positive"] for r in rows),
         "negatives": sum(not r["positive"] for r in rows),
         "errors": sum(r["label"] == "error" or (r["predicted"] is None and r["score"] is None)
                       for r in rows)}
    decided = [r for r in rows if r["predicted"] is not None and r["label"] != "inconclusive"]
    s["tp"] = sum(r["predicted"] and r["positive"] for r in decided)
    s["fp"] = sum(r["predicted"] and not r["positive"] for r in decided)
    s["tn"] = sum((not r["predicted"]) and (not r["positive"]) for r in decided)
    s["fn"] = sum((not r["predicted"]) and r["positive"] for r in decided)
    s["inconclusive"] = sum(r["label"] == "inconclusive" for r in rows)
    s["auc"] = auc(pos, neg)
    if pos and neg:
        threshold = max(neg)
        s["detection_at_zero_fp"] = sum(p > threshold for p in pos) / len(pos)
        s["zero_fp_threshold"] = threshold
    elif pos:
        s["detection_at_zero_fp"] = 1.0 if s["fp"] == 0 else None
    s["verdict_detection_rate"] = (s["tp"] / s["positives"]) if s["positives"] else None
    return s


def fmt(x, digits=3):
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:.3e}"
    return str(x)


def variant_of(pair):
    if pair["relation"] == "derived-from":
        return f"{pair['child']} ← {pair['parent']}"
    if pair["relation"] == "shared-ancestor":
        return f"{pair['a']} ~ {pair['b']} (via {pair['ancestor']})"
    if pair["relation"] == "distilled-from":
        if pair["other"] == pair["teacher"]:
            return f"{pair['student']} ⇐distil {pair['teacher']}"
        return f"{pair['student']} ⇐distil {pair['teacher']} (vs {pair['other']})"
    return f"{pair['a']} ⟂ {pair['b']}"


# ---- main ---------------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoo", default=os.path.join(REPO, "zoo-cache", "zoo"))
    ap.add_argument("--lineage", default=None,
                    help="lineage binary (default: build-zoo/lineage, then build/lineage)")
    ap.add_argument("--probes", default=",".join(LINEAGE_PROBES + NAIVE_PROBES))
    ap.add_argument("--include-checkpoints", action="store_true",
                    help="also score pairs that involve intermediate checkpoints")
    ap.add_argument("--focus", nargs="*", help="only pairs involving these model ids")
    ap.add_argument("--work", default=os.path.join(REPO, "bench", "out", "zoo"))
    ap.add_argument("--markdown", help="write the Markdown tables here")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per lineage call")
    ap.add_argument("--cached-only", action="store_true",
                    help="score only pairs whose answers are already under --work (no runs)")
    ap.add_argument("--quiet", action="store_true", help="summaries only")
    ap.add_argument("--jobs", type=int, default=1,
                    help="lineage calls run at once (each is single-process; answers are the same)")
    args = ap.parse_args(argv)

    with open(os.path.join(args.zoo, "zoo.json"), encoding="utf-8") as f:
        zoo = json.load(f)
    models = {m["id"]: m for m in zoo["models"]}
    keep = {i for i, m in models.items() if args.include_checkpoints or m["role"] != "checkpoint"}
    pairs = [p for p in zoo["pairs"] if p["a"] in keep and p["b"] in keep]
    if args.focus:
        pairs = [p for p in pairs if p["a"] in args.focus or p["b"] in args.focus]

    lineage = args.lineage or next((c for c in (os.path.join(REPO, "build-zoo", "lineage"),
                                                os.path.join(REPO, "build", "lineage"))
                                    if os.path.exists(c)), None)
    wanted = [p.strip() for p in args.probes.split(",") if p.strip()]
    subs = available_subcommands(lineage) if lineage else set()
    probes, skipped = [], []
    for p in wanted:
        if p in NAIVE_PROBES or p in subs:
            probes.append(p)
        else:
            skipped.append(p)
    binary_id = ""
    if lineage:
        st = os.stat(lineage)
        binary_id = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:12]
    print(f"zoo {args.zoo} ({zoo['name']}): {len(keep)} models, {len(pairs)} pairs")
    print(f"lineage: {lineage or 'not found'}; probes run: {', '.join(probes) or 'none'}; "
          f"skipped (subcommand not available): {', '.join(skipped) or 'none'}")

    tensors = TensorCache(args.zoo)

    def raw_path_of(probe, pair):
        """(a, b, path of the raw answer) of a pair for a probe."""
        a, b = models[pair["a"]], models[pair["b"]]
        if probe == "audit" and pair["relation"] == "derived-from":  # candidate = the child
            a, b = models[pair["parent"]], models[pair["child"]]
        raw_dir = os.path.join(args.work, probe if probe in NAIVE_PROBES else
                               f"{probe}-{binary_id}")
        os.makedirs(raw_dir, exist_ok=True)
        # keyed by content, so answers survive a rebuilt zoo.json with more models
        return a, b, os.path.join(raw_dir, f"{a['id']}__{b['id']}-"
                                  f"{a.get('weights_sha256', '')[:8]}"
                                  f"{b.get('weights_sha256', '')[:8]}.json")

    if args.jobs > 1 and not args.cached_only:  # fill the answer cache in parallel first
        todo = []
        for probe in probes:
            if probe in NAIVE_PROBES:
                continue
            for pair in pairs:
                a, b, path = raw_path_of(probe, pair)
                if not os.path.exists(path):
                    todo.append((probe, a, b, path))

        def fill(job):
            probe, a, b, path = job
            raw = run_lineage(command_for(probe, lineage, os.path.join(args.zoo, a["path"]),
                                          os.path.join(args.zoo, b["path"])), args.timeout)
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                json.dump(raw, f, indent=1)
            os.replace(path + ".tmp", path)
            return job

        print(f"running {len(todo)} lineage calls, {args.jobs} at once", flush=True)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for i, job in enumerate(pool.map(fill, todo), 1):
                if i % 25 == 0 or i == len(todo):
                    print(f"  {i}/{len(todo)} done", flush=True)

    results = {}
    for probe in probes:
        rows = []
        for pair in pairs:
            a, b, raw_path = raw_path_of(probe, pair)
            if os.path.exists(raw_path):
                with open(raw_path, encoding="utf-8") as f:
                    raw = json.load(f)
            elif args.cached_only:
                continue
            else:
                if probe in NAIVE_PROBES:
                    t = time.time()
                    raw = {"answer": naive(probe, tensors.get(a), tensors.get(b))}
                    raw["seconds"] = round(time.time() - t, 3)
                else:
                    raw = run_lineage(command_for(probe, lineage, os.path.join(args.zoo, a["path"]),
                                                  os.path.join(args.zoo, b["path"])), args.timeout)
                with open(raw_path + ".tmp", "w", encoding="utf-8") as f:
                    json.dump(raw, f, indent=1)
                os.replace(raw_path + ".tmp", raw_path)
            answer = raw.get("answer")
            label, positive = truth_of(probe, pair)
            if probe in NAIVE_PROBES:
                pred, plabel = None, "(score only)"
            else:
                pred, plabel = predicted_positive(probe, answer), prediction_label(probe, answer)
            rows.append(dict(pair=pair, a=a["id"], b=b["id"], truth=label, positive=positive,
                             predicted=pred, label=plabel, score=score_of(answer),
                             p_value=(answer or {}).get("p_value"), seconds=raw.get("seconds"),
                             rc=raw.get("rc"), raw=raw))
        if probe in NAIVE_PROBES:  # no verdicts: errors/confusion are not meaningful
            for r in rows:
                r["predicted"] = False if r["score"] is not None else None
        results[probe] = (rows, summarise(rows))
        if probe == "compare":  # each statistic family of the weight probe, scored on its own
            for fam in COMPARE_FAMILIES:
                sub = []
                for r in rows:
                    v = ((r["raw"].get("answer") or {}).get("families") or {}).get(fam)
                    sub.append(dict(r, score=float(v) if _number(v) else None, p_value=None,
                                    predicted=False if _number(v) else None,
                                    label="(score only)"))
                if any(x["score"] is not None for x in sub):
                    results[f"compare:{fam}"] = (sub, summarise(sub))

    lines = render(results, zoo, args, skipped)
    if args.quiet:  # the summary table only (everything before the first per-probe section)
        first = next((i for i, line in enumerate(lines) if line.startswith("### ")), len(lines))
        print("\n".join(lines[:first]))
    else:
        print("\n".join(lines))
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return 0


def evidence(answer):
    """The answer without bulky arrays (heatmaps, token lists): every scalar field, and of the
    per-statistic records those whose -log10 p exceeds 2 (what drove the verdict)."""
    if not isinstance(answer, dict):
        return answer
    out = {}
    for k, v in answer.items():
        if k in ("heatmaps", "tokens", "record"):
            continue
        if k == "statistics" and isinstance(v, list):
            out[k] = [x for x in v if isinstance(x, dict) and _number(x.get("neg_log10_p"))
                      and x["neg_log10_p"] > 2]
        else:
            out[k] = v
    return out


def _score_only(probe):
    return probe in NAIVE_PROBES or ":" in probe


def render(results, zoo, args, skipped):
    out = []
    out.append(f"Zoo `{zoo['name']}` ({len(zoo['models'])} models incl. checkpoints; "
               f"built with torch {zoo['built_with']['torch']}, transformers "
               f"{zoo['built_with']['transformers']}). Pairs with checkpoints "
               f"{'included' if args.include_checkpoints else 'excluded'}.")
    if skipped:
        out.append(f"Not run (subcommand not in `lineage --help` yet): {', '.join(skipped)}.")
    out.append("")
    out.append("| probe | pairs | pos/neg | detection at 0 FP | AUC | verdict TP/FP/TN/FN | "
               "inconclusive | errors | s/pair |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for probe, (rows, s) in results.items():
        secs = [r["seconds"] for r in rows if isinstance(r["seconds"], (int, float))]
        conf = ("—" if _score_only(probe) else f"{s['tp']}/{s['fp']}/{s['tn']}/{s['fn']}")
        out.append(f"| {probe} | {s['pairs']} | {s['positives']}/{s['negatives']} | "
                   f"{fmt(s.get('detection_at_zero_fp'))} | {fmt(s['auc'])} | {conf} | "
                   f"{s['inconclusive']} | {s['errors']} | "
                   f"{fmt(sum(secs) / len(secs) if secs else None)} |")
    for probe, (rows, s) in results.items():
        out.append("")
        out.append(f"### {probe}")
        out.append("")
        out.append("| pair (truth) | true | predicted | score | p-value |")
        out.append("|---|---|---|---|---|")
        for r in sorted(rows, key=lambda r: (not r["positive"], r["pair"]["relation"],
                                             -(r["score"] if r["score"] is not None else -1e9))):
            mark = ""
            if r["predicted"] is True and not r["positive"] and not _score_only(probe):
                mark = " **FALSE POSITIVE**"
            elif r["predicted"] is False and r["positive"] and not _score_only(probe):
                mark = " (missed)"
            out.append(f"| {variant_of(r['pair'])} | {r['truth']} | {r['label']}{mark} | "
                       f"{fmt(r['score'])} | {fmt(r['p_value'])} |")
        fps = [r for r in rows if r["predicted"] is True and not r["positive"]
               and not _score_only(probe)]
        if fps:
            out.append("")
            out.append(f"False positives of {probe} in full:")
            for r in fps:
                out.append("```")
                out.append(json.dumps({"pair": r["pair"], "command": r["raw"].get("cmd"),
                                       "rc": r["rc"], "answer": evidence(r["raw"].get("answer"))},
                                      indent=1, ensure_ascii=False))
                out.append("```")
        if _score_only(probe):
            neg = [r["score"] for r in rows if not r["positive"] and r["score"] is not None]
            pos = [r["score"] for r in rows if r["positive"] and r["score"] is not None]
            if neg and pos:
                out.append("")
                out.append(f"Independent pairs range {min(neg):.3f}–{max(neg):.3f}; "
                           f"related pairs {min(pos):.3f}–{max(pos):.3f}.")
    return out


if __name__ == "__main__":
    sys.exit(main())
