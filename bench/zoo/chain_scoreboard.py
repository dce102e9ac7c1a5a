#!/usr/bin/env python3
"""Checkpoint-chain scoreboard: runs `lineage chain` on every chain a zoo lists (zoo.json "chains",
built by tools/zoo/build_zoo.py) and scores the verdicts against the chains' truth.

  python3 bench/zoo/chain_scoreboard.py [--zoo DIR] [--lineage PATH] [--markdown FILE]

Each chain becomes a manifest (step, path, tokens_seen from zoo.json: the run's cumulative tokens,
0 at a step-0 checkpoint); its bases are the zoo's from-scratch bases (role "base") that are not
the run itself; the submitted model is the chain's last model. Truth: "proven" -> exit 0;
"broken" (broken_at = step) -> exit 1 with the break at that step; "origin-not-independent" ->
exit 1 with that verdict. Prints one row per chain (verdict, break, seconds) and the count right.
Chains whose checkpoints are not built yet are listed as missing.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def verdict_of(reason):
    """(verdict, broken_at step) from the report's English banner reason."""
    if reason.startswith("Chain proven"):
        return "proven", None
    m = re.match(r"Chain broken at step (\d+)", reason)
    if m:
        return "broken", int(m.group(1))
    if reason.startswith("Origin not independent"):
        return "origin-not-independent", None
    if reason.startswith("Not bound"):
        return "not-bound", None
    return "inconclusive", None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoo", default=os.path.join(REPO, "zoo-cache", "zoo"))
    ap.add_argument("--lineage", default=os.path.join(REPO, "build", "lineage"))
    ap.add_argument("--markdown", help="also write the table as Markdown to this file")
    ap.add_argument("--origin-bases-only", action="store_true",
                    help="pass --origin-bases-only (faster: bases compared with the origin only)")
    args = ap.parse_args()
    args.zoo = os.path.abspath(args.zoo)

    with open(os.path.join(args.zoo, "zoo.json"), encoding="utf-8") as f:
        zoo = json.load(f)
    models = {m["id"]: m for m in zoo["models"]}
    bases = [m["id"] for m in zoo["models"] if m.get("role") == "base"]
    rows, right, scored = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for chain in zoo.get("chains", []):
            ids = chain["models"]
            if any(i not in models for i in ids):
                rows.append((chain["id"], chain["truth"], "missing", "", "", ""))
                continue
            runs = {i.split("@")[0] for i in ids}
            manifest = os.path.join(tmp, chain["id"] + ".tsv")
            with open(manifest, "w", encoding="utf-8") as f:
                for step, i in zip(chain["steps"], ids):
                    m = models[i]
                    tokens = m.get("tokens_seen", 0)
                    f.write(f"{step}\t{os.path.join(args.zoo, m['path'])}\t{tokens}\n")
            cmd = [args.lineage, "chain", "--manifest", manifest, "--json", "--submitted",
                   os.path.join(args.zoo, models[ids[-1]]["path"])]
            for b in bases:
                if b not in runs:
                    cmd += ["--base", os.path.join(args.zoo, models[b]["path"])]
            if args.origin_bases_only:
                cmd.append("--origin-bases-only")
            t = time.time()
            p = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.time() - t
            if p.returncode not in (0, 1, 6):
                rows.append((chain["id"], chain["truth"], f"error {p.returncode}",
                             p.stderr.strip()[:80], f"{seconds:.0f}", ""))
                continue
            report = json.loads(p.stdout)
            verdict, at = verdict_of(report["verdict_reason"] if "verdict_reason" in report
                                     else report.get("reason", ""))
            ok = verdict == chain["truth"] and (verdict != "broken" or at == chain.get("broken_at"))
            right += ok
            scored += 1
            rows.append((chain["id"], chain["truth"] + (f" at {chain['broken_at']}" if
                                                        chain.get("broken_at") else ""),
                         verdict + (f" at {at}" if at is not None else ""), str(p.returncode),
                         f"{seconds:.0f}", "yes" if ok else "NO"))
    header = ("chain", "truth", "lineage chain", "exit", "seconds", "right")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append(f"\n{right}/{scored} chains right ({len(rows) - scored} not scored).")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0 if right == scored else 1


if __name__ == "__main__":
    sys.exit(main())
