#!/usr/bin/env python3
"""Trains tokenizers from scratch with the `tokenizers` library, to calibrate the null ranges of
the tokenizer-lineage statistics: pairs of these have no lineage between them, yet some are trained
on the same corpus (different sizes, different random subsets) and some on different corpora
(English docs, source code, Korean). Outputs go to OUT/<name>/tokenizer.json (not committed).

Corpora are collected from this machine (Debian):
  docs   - text under /usr/share/doc (README*, *.txt, changelogs, gzip'd ones decompressed)
  code   - C/C++ headers under /usr/include and Python sources under /usr/lib/python3*
  korean - Korean HTML help/FAQ text (tag-stripped): the LibreOffice Korean help in
           zoo-cache/debs/lo and the debian-faq-ko package (apt-get download debian-faq-ko;
           dpkg-deb -x), passed with --korean DIR (repeatable)

Usage: python3 tools/calibration/train_null_tokenizers.py OUT [--korean DIR ...]
Recorded: tokenizers version and seeds in OUT/manifest.json.
"""
import argparse
import gzip
import html
import json
import os
import pathlib
import random
import re
import sys

import tokenizers
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

MAX_BYTES = 6_000_000  # per corpus: keeps training to seconds on 2 cores


def read_text(path: pathlib.Path) -> str:
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        return data.decode("utf-8", errors="ignore")
    except Exception:
        return ""


def collect(paths, limit):
    out, total = [], 0
    for p in paths:
        t = read_text(p)
        if not t.strip():
            continue
        out.append(t)
        total += len(t.encode())
        if total >= limit:
            break
    return out


def docs_corpus():
    root = pathlib.Path("/usr/share/doc")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and
                   (p.name.startswith("README") or p.suffix in (".txt", ".md") or p.name.startswith("changelog")))
    return collect(files, MAX_BYTES)


def code_corpus():
    files = sorted(pathlib.Path("/usr/include").rglob("*.h"))
    py = sorted(pathlib.Path(sys.prefix).glob("lib/python3*/**/*.py"))
    mixed = [f for pair in zip(files, py) for f in pair]
    return collect(mixed, MAX_BYTES)


TAG = re.compile(r"<[^>]+>")


def korean_corpus(dirs):
    texts = []
    for d in dirs:
        for p in sorted(pathlib.Path(d).rglob("*.htm*")):
            t = html.unescape(TAG.sub(" ", read_text(p)))
            t = re.sub(r"[ \t]+", " ", t)
            if re.search("[\uac00-\ud7a3]", t):
                texts.append(t)
    return texts


def subsample(texts, fraction, seed):
    lines = [l for t in texts for l in t.splitlines() if l.strip()]
    rng = random.Random(seed)
    rng.shuffle(lines)
    return lines[: max(1, int(len(lines) * fraction))]


def train(lines, vocab_size, out_dir, regex_style):
    tok = Tokenizer(models.BPE())
    if regex_style == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:  # a cl100k-like split regex, as many from-scratch tokenizers copy
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(tokenizers.Regex(
                r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|endoftext|>"])
    tok.train_from_iterator(lines, trainer=trainer)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok.save(str(out_dir / "tokenizer.json"))
    return tok.get_vocab_size()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--korean", action="append", default=[])
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    corpora = {"docs": docs_corpus(), "code": code_corpus(), "korean": korean_corpus(args.korean)}
    for k, v in corpora.items():
        print(f"corpus {k}: {sum(len(t.encode()) for t in v) / 1e6:.1f} MB", flush=True)
    # (name, corpus, vocab size, subsample fraction, seed, split regex)
    plan = [
        ("docs-8k-s1", "docs", 8000, 0.7, 1, "cl100k"),
        ("docs-16k-s1", "docs", 16000, 0.7, 1, "cl100k"),
        ("docs-16k-s2", "docs", 16000, 0.7, 2, "cl100k"),
        ("docs-32k-s3", "docs", 32000, 0.7, 3, "gpt2"),
        ("code-8k-s1", "code", 8000, 0.7, 1, "cl100k"),
        ("code-16k-s2", "code", 16000, 0.7, 2, "cl100k"),
        ("code-32k-s3", "code", 32000, 0.7, 3, "gpt2"),
        ("korean-8k-s1", "korean", 8000, 0.8, 1, "cl100k"),
        ("korean-16k-s2", "korean", 16000, 0.8, 2, "gpt2"),
        ("mixed-32k-s1", "mixed", 32000, 0.5, 1, "cl100k"),
    ]
    manifest = {"tokenizers_version": tokenizers.__version__, "tokenizers": []}
    for name, corpus, size, frac, seed, regex in plan:
        texts = corpora["docs"] + corpora["code"] + corpora["korean"] if corpus == "mixed" else corpora[corpus]
        if not texts:
            print(f"skip {name}: empty corpus", flush=True)
            continue
        lines = subsample(texts, frac, seed)
        got = train(lines, size, out / name, regex)
        manifest["tokenizers"].append({"name": name, "corpus": corpus, "vocab_size": size, "got": got,
                                       "fraction": frac, "seed": seed, "split": regex})
        print(f"trained {name}: {got} tokens", flush=True)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
