#!/usr/bin/env python3
"""Copies probes/activation/null_ranges.json (written by bench/probe_calibrate.sh) into the
compiled-in builtin_null_ranges() of probes/activation/null_ranges.cpp, between the markers
"// BEGIN generated" and "// END generated", so a binary that cannot find the JSON beside its
sources still has the same ranges and provenance (the activation probe test checks they agree).

Usage: python3 tools/calibration/activation_builtin_ranges.py [REPO_ROOT]
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
src = os.path.join(root, "probes", "activation")
ranges = json.load(open(os.path.join(src, "null_ranges.json")))


def cstr(s):
    return json.dumps(s, ensure_ascii=True)


st = ranges["statistics"]
lines = []
for field, key in (("peak_cka", "peak_cka_debiased"), ("diagonal_cka", "diagonal_cka_debiased"),
                   ("diagonal_cka_linear", "diagonal_cka_linear"), ("top1_agreement", "top1_agreement"),
                   ("js_divergence", "js_divergence")):
    v = st[key]
    lines.append(f"    r.{field} = {{{v['lo']!r}, {v['hi']!r}, {v['pairs']}}};")
lines.append(f"    r.measured_on = {cstr(ranges.get('measured_on', ''))};")
prov = ranges.get("provenance", {})
lines.append("    r.pairs = {")
for p in prov.get("pairs", []):
    lines.append(f"        {cstr(p)},")
lines.append("    };")
lines.append("    r.models = {")
for m in prov.get("models", []):
    lines.append(f"        {{{cstr(m['id'])}, {cstr(m['weights_sha256'])}, {m['bytes']}}},")
lines.append("    };")

path = os.path.join(src, "null_ranges.cpp")
text = open(path).read()
begin, end = "    // BEGIN generated", "    // END generated"
a, b = text.index(begin), text.index(end)
text = text[:a] + begin + " by tools/calibration/activation_builtin_ranges.py from null_ranges.json\n" + \
    "\n".join(lines) + "\n" + text[b:]
open(path, "w").write(text)
print(f"{path}: builtin ranges from {len(prov.get('pairs', []))} pairs, {len(prov.get('models', []))} models")
