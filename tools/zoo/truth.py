"""The true relation of every pair of zoo models, computed from the recipes' lineage edges.

Relations (for an unordered pair x, y):
  derived-from      one's weights descend from the other's (through any chain of derivations)
  shared-ancestor   neither descends from the other, but both descend from a common model
                    (siblings such as two fine-tunes of A): their weights are related
  distilled-from    weights independent; one was distilled from the other or from a model the
                    other descends from (behaviour related)
  independent       no shared weights and no distillation
`tokenizer_relation` is the tokenizers' own lineage (identical, extended, independent), which is
separate from the weights'. `weights_related` is what `lineage compare` must find; `behaviour_related` what `lineage probe`
may find on top (derived models usually keep behaviour; distilled students copy it).
"""


def _parents(model, kind):
    return [e["parent"] for e in model["edges"] if e["type"] == kind]


def weight_ancestors(models):
    """id -> {ancestor id: path of ids from the model up to that ancestor}, self included."""
    by_id = {m["id"]: m for m in models}
    memo = {}

    def walk(mid):
        if mid not in memo:
            out = {mid: [mid]}
            for p in _parents(by_id[mid], "derived"):
                if p not in by_id:  # a partial zoo (--index-only) may lack a parent
                    continue
                for anc, path in walk(p).items():
                    if anc not in out or len(path) + 1 < len(out[anc]):
                        out[anc] = [mid] + path
            memo[mid] = out
        return memo[mid]

    return {m["id"]: walk(m["id"]) for m in models}


def _edge(by_id, child, parent):
    for e in by_id[child]["edges"]:
        if e["parent"] == parent:
            return e
    return None


def _path_components(by_id, path):
    """Components of the oldest model that survive along a derivation path (child first)."""
    edges = [_edge(by_id, c, p) for c, p in zip(path, path[1:])]
    partial = [e for e in edges if e["components"] != "all"]
    if not partial:
        return "all"
    return partial[0]["components"] if len(edges) == 1 else {
        "partial_along_path": [dict(child=c, parent=p, components=_edge(by_id, c, p)["components"])
                               for c, p in zip(path, path[1:])
                               if _edge(by_id, c, p)["components"] != "all"]}


def tokenizer_relation(x, y):
    """identical | extended (one label is the other's + "+ext") | independent."""
    if x is None or y is None:
        return None
    if x == y:
        return "identical"
    if x.startswith(y + "+") or y.startswith(x + "+"):
        return "extended"
    return "independent"


def pair_table(models):
    by_id = {m["id"]: m for m in models}
    anc = weight_ancestors(models)
    # Distillation: a student is behaviour-related to its teacher and the teacher's descendants.
    teachers = {m["id"]: _parents(m, "distilled") for m in models}
    ids = [m["id"] for m in models]
    pairs = []
    for i, x in enumerate(ids):
        for y in ids[i + 1:]:
            rec = dict(a=x, b=y)
            if y in anc[x] or x in anc[y]:
                child, parent = (x, y) if y in anc[x] else (y, x)
                path = anc[child][parent]
                rec.update(relation="derived-from", child=child, parent=parent, path=path,
                           components=_path_components(by_id, path), weights_related=True,
                           behaviour_related=True)
            elif set(anc[x]) & set(anc[y]):
                common = set(anc[x]) & set(anc[y])
                nearest = min(common, key=lambda a: len(anc[x][a]) + len(anc[y][a]))
                rec.update(relation="shared-ancestor", ancestor=nearest,
                           path=[list(reversed(anc[x][nearest])), list(reversed(anc[y][nearest]))],
                           components=dict(a=_path_components(by_id, anc[x][nearest]),
                                           b=_path_components(by_id, anc[y][nearest])),
                           weights_related=True, behaviour_related=True)
            else:
                distilled = None
                for s, o in ((x, y), (y, x)):
                    for t in teachers[s]:
                        if t in anc[o]:
                            distilled = dict(student=s, teacher=t, other=o)
                if distilled:
                    rec.update(relation="distilled-from", weights_related=False,
                               behaviour_related=True, **distilled)
                else:
                    rec.update(relation="independent", weights_related=False,
                               behaviour_related=False)
            rec["tokenizer_relation"] = tokenizer_relation(by_id[x].get("tokenizer"),
                                                           by_id[y].get("tokenizer"))
            pairs.append(rec)
    return pairs
