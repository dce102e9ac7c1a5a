#!/usr/bin/env python3
"""Builds the lineage zoo: real small models trained from scratch and derived in known ways, in
Hugging Face format, with zoo.json recording every model's recipe and the true relation of every
pair (see tools/zoo/README.md).

  python3 tools/zoo/build_zoo.py            # full zoo  -> /work/main/zoo-cache/zoo
  python3 tools/zoo/build_zoo.py --mini     # CI zoo    -> tests/data/minizoo

Deterministic (seeds, seeded data order, deterministic torch kernels, fixed thread count) and
cached: a model is rebuilt only when its recipe, its parents, its data or this code changed.
"""
import argparse
import copy
import hashlib
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
REPO = os.path.dirname(os.path.dirname(HERE))

import torch  # noqa: E402
import transformers  # noqa: E402

transformers.utils.logging.disable_progress_bar()
transformers.utils.logging.set_verbosity_error()

import corpus  # noqa: E402
import hf_models  # noqa: E402
import recipes  # noqa: E402
import tokenizer_util  # noqa: E402
import train  # noqa: E402
import transforms  # noqa: E402
import truth  # noqa: E402

CODE_VERSION = "zoo-1"  # bump to invalidate every cached model


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def digest(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


class Zoo:
    def __init__(self, settings, tokenizer_specs, model_recipes, chains, out, cache, log):
        self.settings, self.recipes, self.chains = settings, model_recipes, chains
        self.out, self.cache, self.log = out, cache, log
        self.entries = {}  # id -> zoo.json entry
        self.hashes = {}  # id -> recipe hash (with parents')
        self.data_cache = {}
        self.times = {}
        t = time.time()
        self.corpora = corpus.build_corpora(cache, settings["caps"])
        self.times["corpora"] = round(time.time() - t, 1)
        t = time.time()
        self.tokenizers = {s["id"]: self._tokenizer(s) for s in tokenizer_specs}
        self.tokenizer_specs = tokenizer_specs
        self.times["tokenizers"] = round(time.time() - t, 1)

    # ---- inputs -------------------------------------------------------------------------------
    def _tokenizer(self, spec):
        key = digest([spec, [self.corpora[c]["digest"] for c in spec["corpora"]], CODE_VERSION])
        path = os.path.join(self.cache, "tokenizers", key[:16] + ".json")
        if not os.path.exists(path):
            texts = [d for c in spec["corpora"] for d in self.corpora[c]["docs"]]
            tok = tokenizer_util.train_bpe(texts, spec["vocab"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tok.save(path + ".tmp")
            os.replace(path + ".tmp", path)
        return tokenizer_util.Tokenizer.from_file(path)

    def data(self, tok, corpus_name):
        """(train windows, held-out windows) of a corpus under a tokenizer."""
        key = (hashlib.sha256(tok.to_str().encode()).hexdigest(), corpus_name)
        if key not in self.data_cache:
            ids = tokenizer_util.encode_stream(tok, self.corpora[corpus_name]["docs"])
            self.data_cache[key] = train.windows(ids, self.settings["seq_len"])
        return self.data_cache[key]

    def load(self, mid):
        return hf_models.load(os.path.join(self.out, mid))

    # ---- one model -----------------------------------------------------------------------------
    @staticmethod
    def _deps(r):
        parents = [e["parent"] for e in r["edges"]] + [r[k] for k in ("teacher", "donor", "parent")
                                                        if k in r]
        return sorted(set(parents))

    def recipe_hash(self, r):
        deps = self._deps(r)
        corpora = {c: self.corpora[c]["digest"] for c in self.corpora}
        toks = {k: hashlib.sha256(t.to_str().encode()).hexdigest() for k, t in
                self.tokenizers.items()}
        return digest([r, [self.hashes[p] for p in deps], corpora, toks, CODE_VERSION,
                       self.settings["seq_len"], self.settings["batch"],
                       torch.get_num_threads()])

    def _cached_entries(self, mid):
        meta_path = os.path.join(self.out, mid, "zoo_model.json")
        if os.path.exists(meta_path):
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
            if meta.get("recipe_hash") == self.hashes[mid]:
                return meta["entries"]
        return None

    def _wait_for(self, mid, timeout=3 * 3600):
        """A parent built by another `--only` process: wait until its cache record appears."""
        start = time.time()
        while (entries := self._cached_entries(mid)) is None:
            if time.time() - start > timeout:
                raise RuntimeError(f"{mid}: not built by another process within {timeout} s")
            time.sleep(10)
        self.entries.update({e["id"]: e for e in entries})

    def build_all(self, only=None, index_only=False):
        """Builds every model (or only those in `only`, waiting for parents that another
        process builds: hashes depend on recipes alone, so lanes agree on them). With
        index_only, builds nothing and collects the models already cached."""
        for r in self.recipes:
            self.hashes[r["id"]] = self.recipe_hash(r)
        for r in self.recipes:
            if only and r["id"] not in only:
                continue
            if index_only:
                self.entries.update({e["id"]: e for e in self._cached_entries(r["id"]) or []})
                continue
            h = self.hashes[r["id"]]
            meta_path = os.path.join(self.out, r["id"], "zoo_model.json")
            for dep in self._deps(r):
                if dep not in self.entries:
                    self._wait_for(dep)
            cached = self._cached_entries(r["id"])
            if cached is not None:
                self.log(f"{r['id']}: cached")
                self.entries.update({e["id"]: e for e in cached})
                continue
            self.log(f"{r['id']}: building ({r['kind']})")
            t = time.time()
            for stale in [os.path.join(self.out, r["id"])] + self._ckpt_dirs(r):
                shutil.rmtree(stale, ignore_errors=True)
            entries = getattr(self, "build_" + r["kind"])(r)
            seconds = round(time.time() - t, 1)
            self.times[r["id"]] = seconds
            self.log(f"{r['id']}: done in {seconds} s")
            with open(meta_path + ".tmp", "w", encoding="utf-8") as f:
                json.dump({"recipe_hash": h, "entries": entries}, f, indent=1)
            os.replace(meta_path + ".tmp", meta_path)
            self.entries.update({e["id"]: e for e in entries})

    def _ckpt_dirs(self, r):
        return [os.path.join(self.out, "checkpoints", r["id"], f"step-{s:06d}")
                for s in r.get("checkpoints", [])]

    def _finish(self, r, model, tok, trained=None, checks=None, extra_entries=()):
        folder = os.path.join(self.out, r["id"])
        hf_models.save(model, tok, folder, r["dtype"])
        return list(extra_entries) + [self._entry(r["id"], r, model, tok, folder, trained, checks)]

    def _entry(self, mid, r, model, tok, folder, trained, checks, edges=None):
        held_en = self.data(tok, "en_docs")[1]
        held_ko = self.data(tok, "ko")[1]
        rec = {k: v for k, v in r.items() if k not in ("edges", "id", "role", "note")}
        own_tokens = (trained or {}).get("tokens", 0)
        parents = [e["parent"] for e in (edges if edges is not None else r["edges"])]
        inherited = max([self.entries[p]["tokens_seen_total"] for p in parents
                         if p in self.entries and self._edge_type(r, p, edges) == "derived"],
                        default=0)
        return {
            "id": mid,
            "path": os.path.relpath(folder, self.out),
            "role": r["role"] if mid == r["id"] else "checkpoint",
            "note": r.get("note", ""),
            "architecture": type(model).__name__,
            "shape": hf_models.shape_of(model),
            "dtype": r["dtype"],
            "params": hf_models.param_count(model),
            "recipe": rec,
            "edges": edges if edges is not None else r["edges"],
            "parents": parents,
            "seeds": {k: r[k] for k in ("seed", "data_seed") if k in r} |
                     ({"edit_seed": r["params"]["seed"]} if "seed" in r.get("params", {}) else {}),
            "tokens_seen": own_tokens,
            "tokens_seen_total": own_tokens + inherited,
            "training": trained,
            "eval_loss": {"en_docs": round(train.eval_loss(model, held_en), 4),
                          "ko": round(train.eval_loss(model, held_ko), 4)},
            "checks": checks or {},
            "tokenizer_sha256": sha256_file(os.path.join(folder, "tokenizer.json")),
            "weights_sha256": sha256_file(os.path.join(folder, "model.safetensors")),
        }

    @staticmethod
    def _edge_type(r, parent, edges):
        for e in (edges if edges is not None else r["edges"]):
            if e["parent"] == parent:
                return e["type"]
        return None

    def _train(self, r, model, tok, corpus_name, checkpoints=(), teacher=None, params=None,
               steps=None, seed=None, data_seed=None, lr=None):
        data, _ = self.data(tok, corpus_name)
        saved = []

        def on_ckpt(step):
            folder = os.path.join(self.out, "checkpoints", r["id"], f"step-{step:06d}")
            # A copy: save() rounds the model to its dtype in place, which would change the rest
            # of a bf16 run (its final model must not depend on which steps were saved).
            hf_models.save(copy.deepcopy(model), tok, folder, r["dtype"])
            saved.append((step, folder))

        summary = train.run(model, data, steps or r["steps"], self.settings["batch"],
                            lr or r["lr"], seed if seed is not None else r["seed"],
                            data_seed if data_seed is not None else r["data_seed"],
                            params=params, teacher=teacher, checkpoint_steps=set(checkpoints),
                            on_checkpoint=on_ckpt, log=self.log, tag=r["id"])
        summary["data"] = corpus_name
        return summary, saved

    def _checkpoint_entries(self, r, saved, origin_edges, final_model_tok):
        """Checkpoint models of a run: the first carries the run's own origin edges, each later one
        descends from its predecessor; the final model descends from the last checkpoint."""
        entries, prev = [], None
        for step, folder in saved:
            model, tok = hf_models.load(folder)
            cid = f"{r['id']}@{step}"
            edges = ([dict(parent=prev, type="derived", components="all")] if prev else
                     origin_edges)
            cr = dict(r, role="checkpoint", note=f"{r['id']} at step {step}")
            e = self._entry(cid, cr, model, tok, folder,
                            {"tokens": step * self.settings["batch"] * self.settings["seq_len"]},
                            {}, edges=edges)
            e["step"] = step
            e["init"] = step == 0
            self.entries[cid] = e
            entries.append(e)
            prev = cid
        final_edges = [dict(parent=prev, type="derived", components="all")] if prev else None
        return entries, final_edges

    # ---- kinds ----------------------------------------------------------------------------------
    def build_pretrain(self, r):
        tok = self.tokenizers[r["tokenizer"]]
        model = hf_models.new_model(r["shape"], r["seed"])
        trained, saved = self._train(r, model, tok, r["data"], checkpoints=r["checkpoints"])
        return self._with_checkpoints(r, model, tok, trained, saved, [])

    def _with_checkpoints(self, r, model, tok, trained, saved, origin_edges, checks=None):
        ck, final_edges = self._checkpoint_entries(r, saved, origin_edges, (model, tok))
        folder = os.path.join(self.out, r["id"])
        hf_models.save(model, tok, folder, r["dtype"])
        edges = final_edges if final_edges is not None else r["edges"]
        return ck + [self._entry(r["id"], r, model, tok, folder, trained, checks, edges=edges)]

    def build_finetune(self, r):
        model, tok = self.load(r["parent"])
        trained, saved = self._train(r, model, tok, r["data"],
                                     checkpoints=r.get("checkpoints", ()))
        return self._with_checkpoints(r, model, tok, trained, saved, r["edges"])

    def build_lora(self, r):
        model, tok = self.load(r["parent"])
        adapters, params = train.attach_lora(model, r["rank"], r["alpha"], r["seed"])
        trained, _ = self._train(r, model, tok, r["data"], params=params)
        train.merge_lora(model, adapters)
        trained.update(rank=r["rank"], alpha=r["alpha"], trainable_params=sum(
            p.numel() for p in params))
        return self._finish(r, model, tok, trained)

    def build_merge(self, r):
        loaded = [self.load(p) for p in r["parents"]]
        state = transforms.average([m.state_dict() for m, _ in loaded])
        model = hf_models.from_state(hf_models.shape_of(loaded[0][0]), state)
        return self._finish(r, model, loaded[0][1])

    def build_distill(self, r):
        teacher, _ = self.load(r["teacher"])
        tok = self.tokenizers[r["tokenizer"]]
        model = hf_models.new_model(r["shape"], r["seed"])
        trained, _ = self._train(r, model, tok, r["data"], teacher=teacher)
        trained["objective"] = "KL(teacher || student), temperature 1"
        return self._finish(r, model, tok, trained)

    def build_lift(self, r):
        model, tok = self.load(r["parent"])
        donor, _ = self.load(r["donor"])
        state = transforms.replace_layers(model.state_dict(), donor.state_dict(), r["layers"])
        model = hf_models.from_state(hf_models.shape_of(model), state)
        trained, _ = self._train(r, model, tok, r["data"])
        return self._finish(r, model, tok, trained)

    def build_edit(self, r):
        parent, tok = self.load(r["parent"])
        shape = hf_models.shape_of(parent)
        state = parent.state_dict()
        p = r["params"]
        checks, heal_data = {}, "en_docs"
        edit = r["edit"]
        if edit == "permute":
            state = transforms.permute_neurons_heads(state, shape, p["seed"])
            state = transforms.signed_permute_residual(state, shape, p["seed"] + 1000)
        elif edit == "rotate":
            state = transforms.rotate_residual(state, shape, p["seed"])
        elif edit == "permute_rotate":
            state = transforms.permute_neurons_heads(state, shape, p["seed"])
            state = transforms.rotate_residual(state, shape, p["seed"] + 1000)
        elif edit == "drop_layers":
            state, shape = transforms.remap_layers(state, shape, p["keep"])
        elif edit == "duplicate_layers":
            state, shape = transforms.remap_layers(state, shape, p["layer_map"])
        elif edit == "extend_vocab":
            words = korean_words(self.corpora["ko"]["docs"], tok, p["new_tokens"])
            pieces = [tok.encode(w, add_special_tokens=False).ids for w in words]
            state, shape = transforms.extend_vocab(state, shape, pieces)
            tok = tokenizer_util.extend(tok, words)
            assert tok.get_vocab_size() == shape["vocab"], (tok.get_vocab_size(), shape)
            heal_data = "ko"
            checks["appended_ids"] = [shape["vocab"] - len(words), shape["vocab"] - 1]
        elif edit == "upcycle_moe":
            exact, _ = transforms.upcycle_moe(state, shape, p["experts"], p["top_k"], 0.0, p["seed"])
            moe0 = hf_models.from_state(dict(shape, arch="qwen3_moe", experts=p["experts"],
                                             top_k=p["top_k"]), exact)
            checks["noise0_max_abs_logit_diff"] = self._logit_diff(parent, moe0, tok)
            assert checks["noise0_max_abs_logit_diff"] < 1e-3, checks
            state, shape = transforms.upcycle_moe(state, shape, p["experts"], p["top_k"],
                                                  p["noise"], p["seed"])
        elif edit == "fp8":
            state = transforms.fp8_round_trip(state)
        elif edit == "int8":
            state = transforms.int8_round_trip(state)
        elif edit == "noise":
            state = transforms.add_noise(state, p["relative_std"], p["seed"])
        elif edit == "reinit_layers":
            fresh = hf_models.new_model(shape, p["seed"]).state_dict()
            state = transforms.replace_layers(state, fresh, p["layers"])
        else:
            raise ValueError(f"unknown edit {edit}")
        model = hf_models.from_state(shape, state)
        if edit in ("permute", "rotate", "permute_rotate"):
            checks["max_abs_logit_diff"] = self._logit_diff(parent, model, tok)
            checks["parent_logit_std"] = round(self._logits(parent, tok).std().item(), 4)
            assert checks["max_abs_logit_diff"] < 1e-2, checks  # function-preserving
        trained = None
        if r.get("heal_steps"):
            trained, _ = self._train(r, model, tok, heal_data, steps=r["heal_steps"],
                                     seed=p.get("seed", 7), data_seed=107, lr=1e-3)
        checks["parent_eval_loss_en"] = self.entries.get(r["parent"], {}).get("eval_loss", {}).get(
            "en_docs")
        return self._finish(r, model, tok, trained, checks)

    def _logits(self, model, tok):
        held = self.data(tok, "en_docs")[1][:4]
        return hf_models.logits(model, held)

    def _logit_diff(self, a, b, tok):
        return float((self._logits(a, tok) - self._logits(b, tok)).abs().max())

    # ---- zoo.json -------------------------------------------------------------------------------
    def write_index(self):
        models = [self.entries[k] for k in self._ordered_ids()]
        for m in models:
            if m.get("init"):
                m["behaviour"] = "random initialisation"
        self._label_tokenizers(models)
        self._total_tokens(models)
        pairs = truth.pair_table(models)
        for p in pairs:  # a random initialisation carries no behaviour to share
            if self.entries[p["a"]].get("init") or self.entries[p["b"]].get("init"):
                p["behaviour_related"] = False
        index = {
            "format": "lineage-zoo/1",
            "name": self.settings["name"],
            "built_with": {"torch": torch.__version__,
                           "transformers": __import__("transformers").__version__,
                           "tokenizers": __import__("tokenizers").__version__,
                           "safetensors": __import__("safetensors").__version__,
                           "python": sys.version.split()[0], "code_version": CODE_VERSION,
                           "torch_threads": torch.get_num_threads()},
            "settings": self.settings,
            "corpora": {k: {"bytes": v["bytes"], "documents": len(v["docs"]),
                            "sha256": v["digest"], "sources": v["sources"]}
                        for k, v in self.corpora.items()},
            "tokenizers": [dict(s, sha256=hashlib.sha256(
                self.tokenizers[s["id"]].to_str().encode()).hexdigest())
                for s in self.tokenizer_specs],
            "models": models,
            "chains": self.chains,
            "pairs": pairs,
        }
        with open(os.path.join(self.out, "zoo.json.tmp"), "w", encoding="utf-8") as f:
            json.dump(index, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(os.path.join(self.out, "zoo.json.tmp"), os.path.join(self.out, "zoo.json"))
        return index

    @staticmethod
    def _total_tokens(models):
        """tokens_seen_total along the derivation chain. A run's checkpoints and final model
        record tokens_seen cumulatively within the run, so a step within the same run adds only
        the difference."""
        totals = {}
        for m in models:  # parents precede children
            parents = [e["parent"] for e in m["edges"]
                       if e["type"] == "derived" and e["parent"] in totals]
            own = m["tokens_seen"]
            if (len(parents) == 1 and "@" in parents[0]
                    and parents[0].split("@")[0] == m["id"].split("@")[0]):
                prev = next(x for x in models if x["id"] == parents[0])
                totals[m["id"]] = totals[parents[0]] + own - prev["tokens_seen"]
            else:
                totals[m["id"]] = own + max((totals[p] for p in parents), default=0)
            m["tokens_seen_total"] = totals[m["id"]]

    def _label_tokenizers(self, models):
        """Each model's tokenizer as a lineage label: a trained tokenizer's id (T1, T2), or its
        parent's label + "+ext" when the model appended vocabulary (see truth.tokenizer_relation)."""
        by_sha = {hashlib.sha256(self.tokenizers[s["id"]].to_str().encode()).hexdigest(): s["id"]
                  for s in self.tokenizer_specs}
        labels = {}
        for m in models:  # parents precede children in zoo order
            sha = hashlib.sha256(tokenizer_util.load(os.path.join(self.out, m["path"]))
                                 .to_str().encode()).hexdigest()
            if sha in by_sha:
                labels[m["id"]] = by_sha[sha]
            else:
                parent = next(p for p in m["parents"] if p in labels)
                same = [k for k, v in labels.items() if self.entries[k]["tokenizer_sha256"] ==
                        m["tokenizer_sha256"]]
                labels[m["id"]] = labels[same[0]] if same else labels[parent] + "+ext"
            m["tokenizer"] = labels[m["id"]]

    def _ordered_ids(self):
        ids = []
        for r in self.recipes:
            ids += sorted([k for k in self.entries if k.startswith(r["id"] + "@")],
                          key=lambda k: int(k.split("@")[1]))
            if r["id"] in self.entries:
                ids.append(r["id"])
        return ids


def korean_words(docs, tok, n):
    """The n most frequent all-Hangul words (2+ syllables) that the tokenizer splits into 2+
    tokens, ties broken by the word itself."""
    counts = {}
    for d in docs:
        for w in d.split():
            w = w.strip(".,:;()[]\"'!?")
            if len(w) >= 2 and all("\uac00" <= c <= "\ud7a3" for c in w):
                counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    out = [w for w in ranked if len(tok.encode(w, add_special_tokens=False).ids) >= 2]
    return out[:n]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mini", action="store_true", help="build the tiny CI zoo")
    ap.add_argument("--out", help="output folder (default: full -> <cache>/zoo, "
                                  "mini -> tests/data/minizoo)")
    ap.add_argument("--cache", default=os.path.join(REPO, "zoo-cache"),
                    help="corpora/tokenizer cache (default %(default)s)")
    ap.add_argument("--smoke", action="store_true",
                    help="full recipes with 1/25 of the steps (checks the code in minutes)")
    ap.add_argument("--only", nargs="+", metavar="ID",
                    help="build only these models (parallel lanes: parents built by another "
                         "process are waited for); zoo.json is written by a run without --only")
    ap.add_argument("--index-only", action="store_true",
                    help="build nothing; write zoo.json for the models already built")
    ap.add_argument("--threads", type=int, help="torch threads (default: 2 full, 1 mini)")
    args = ap.parse_args(argv)

    settings, toks, models, chains = (recipes.mini() if args.mini else
                                      recipes.full(smoke=args.smoke))
    torch.set_num_threads(args.threads or settings["threads"])
    torch.use_deterministic_algorithms(True)
    out = args.out or (os.path.join(REPO, "tests", "data", "minizoo") if args.mini
                       else os.path.join(args.cache, "zoo"))
    os.makedirs(out, exist_ok=True)
    os.makedirs(args.cache, exist_ok=True)

    start = time.time()
    log_path = os.path.join(args.cache, f"build-{settings['name']}.log")
    log_file = open(log_path, "a", encoding="utf-8")

    def log(msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    log(f"building the {settings['name']} zoo into {out} with {torch.get_num_threads()} thread(s)")
    zoo = Zoo(settings, toks, models, chains, out, args.cache, log)
    zoo.build_all(args.only, index_only=args.index_only)
    if args.only:
        log(f"built {', '.join(args.only)}; run again without --only to write zoo.json")
        return
    index = zoo.write_index()
    total = round(time.time() - start, 1)
    zoo.times["total"] = total
    with open(os.path.join(args.cache, f"build-times-{settings['name']}.json"), "w") as f:
        json.dump(zoo.times, f, indent=1)
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(out) for n in ns)
    log(f"done: {len(index['models'])} models, {len(index['pairs'])} pairs, "
        f"{size / 1e6:.1f} MB in {out}, {total} s")


if __name__ == "__main__":
    main()
