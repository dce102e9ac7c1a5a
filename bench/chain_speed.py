#!/usr/bin/env python3
"""Speed of `lineage chain` on a run of many medium-sized checkpoints (issue 9: "chains of tens of
checkpoints of a 7B model are practical; each checkpoint read once").

Writes a synthetic training run into --dir (default /tmp/lineage-chain-speed; deleted afterwards
unless --keep): a Llama-shaped model (default hidden 1024, 16 layers, intermediate 2816, vocab
32000: 0.27 B parameters, 0.54 GB in bf16 safetensors) initialised as transformers does (normal
std = initializer_range for matrices, norm gains 1), then --checkpoints - 1 further checkpoints,
each the previous one plus a small random step (relative size --drift per step; a fresh rotation of
one fixed noise tensor per matrix, so writing costs no new random numbers), tokens seen growing
linearly. Then it drops the page cache (root only: `sync; echo 3 > /proc/sys/vm/drop_caches`,
skipped with a note otherwise), runs `lineage chain --manifest ... --json` once and reports wall
time, CPU time (user + system of the child), peak RSS, bytes read from the block device
(getrusage ru_inblock x 512) against the checkpoints' total size, and the split of wall time into
the per-checkpoint pass and the link comparisons (from the timestamps of the progress lines on
stderr), and the same split of CPU time (the child's /proc CPU time read at those lines). Finally
it extrapolates to a chain of --target-checkpoints checkpoints of a 7B model (13.5 GB in bf16):
the passes linear in the checkpoints' bytes, each link linear in the bytes of the tensors the link
probe reads (MLP gate/up, attention q/k: 7.92 GB of a 7B Llama), an upper bound for the link
probe (probes/weights/link_probe.h); with --full-links the links cost more than that.

    python3 bench/chain_speed.py --lineage build-chain/lineage [--checkpoints 12] [--keep]
"""
import argparse
import json
import os
import pty
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def write_run(d, a):
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(20261123)
    g = torch.Generator().manual_seed(20261123)
    h, L, I, V = a.hidden, a.layers, a.intermediate, a.vocab
    std = 0.02
    shapes = {"model.embed_tokens.weight": (V, h), "lm_head.weight": (V, h), "model.norm.weight": (h,)}
    for l in range(L):
        p = f"model.layers.{l}."
        shapes.update({p + "self_attn.q_proj.weight": (h, h), p + "self_attn.k_proj.weight": (h, h),
                       p + "self_attn.v_proj.weight": (h, h), p + "self_attn.o_proj.weight": (h, h),
                       p + "mlp.gate_proj.weight": (I, h), p + "mlp.up_proj.weight": (I, h),
                       p + "mlp.down_proj.weight": (h, I), p + "input_layernorm.weight": (h,),
                       p + "post_attention_layernorm.weight": (h,)})
    cur, noise = {}, {}
    for n, s in shapes.items():
        if len(s) == 1:
            cur[n] = torch.ones(s)
        else:
            cur[n] = torch.randn(s, generator=g) * std
            noise[n] = torch.randn(s, generator=g).flatten() * (std * a.drift)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": h,
              "num_hidden_layers": L, "num_attention_heads": h // 64, "num_key_value_heads": h // 64,
              "intermediate_size": I, "vocab_size": V, "max_position_embeddings": 2048,
              "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "hidden_act": "silu",
              "initializer_range": std, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
    tokens_per_step = 256 * 2048
    rows = []
    for k in range(a.checkpoints):
        step = k * a.steps_between
        if k > 0:
            for n, z in noise.items():
                cur[n] += torch.roll(z, shifts=k * 7919).view(cur[n].shape)
            for n in cur:  # norm gains drift too
                if n not in noise:
                    cur[n] += a.drift * 0.1 * torch.randn(cur[n].shape, generator=g)
        out = os.path.join(d, f"step-{step:06d}")
        os.makedirs(out, exist_ok=True)
        save_file({n: t.to(torch.bfloat16).contiguous() for n, t in cur.items()},
                  os.path.join(out, "model.safetensors"))
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(config, f)
        rows.append(f"{step}\t{out}\t{step * tokens_per_step}\tstep {step}")
        print(f"wrote {out}", file=sys.stderr, flush=True)
    if a.base:  # an unrelated model of the same shape (another seed), given as --base
        gb_ = torch.Generator().manual_seed(777)
        base = {n: (torch.ones(s) if len(s) == 1 else torch.randn(s, generator=gb_) * std) for n, s in shapes.items()}
        out = os.path.join(d, "base")
        os.makedirs(out, exist_ok=True)
        save_file({n: t.to(torch.bfloat16).contiguous() for n, t in base.items()}, os.path.join(out, "model.safetensors"))
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(config, f)
        del base
        print(f"wrote {out}", file=sys.stderr, flush=True)
    manifest = os.path.join(d, "manifest.tsv")
    with open(manifest, "w") as f:
        f.write("step\tpath\ttokens_seen\tlog\n" + "\n".join(rows) + "\n")
    params = sum(t.numel() for t in cur.values())
    return manifest, params


def total_bytes(manifest):
    """Bytes of the weight files of the checkpoints the manifest lists."""
    n = 0
    with open(manifest) as f:
        for line in f.readlines()[1:]:
            d = line.split("\t")[1]
            n += sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d) if x.endswith(".safetensors"))
    return n


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def child_cpu(pid):
    """CPU seconds (user + system, all threads) the running child has used so far; None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_chain(a, manifest):
    cmd = [a.lineage, "chain", "--manifest", manifest, "--json"] + a.extra
    if a.base:
        cmd += ["--base", os.path.join(os.path.dirname(manifest), "base")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    # Progress lines are printed to a terminal only: stderr is a pseudo-terminal here.
    master, slave = pty.openpty()
    out_file = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, stdout=out_file, stderr=slave)
    os.close(slave)
    events, pending = [], b""  # (seconds since start, progress line)
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        pending += chunk
        *lines, pending = re.split(rb"[\r\n]", pending)
        cpu_now = child_cpu(p.pid)
        events += [(time.monotonic() - t0, l.decode(errors="replace").strip(), cpu_now)
                   for l in lines if l.strip()]
    os.close(master)
    rc = p.wait()
    out_file.seek(0)
    out = out_file.read().decode()
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    read = (after.ru_inblock - before.ru_inblock) * 512
    return rc, wall, cpu, read, after.ru_maxrss, events, out


def split_phases(events, wall, cpu):
    """Wall and CPU seconds in the per-checkpoint passes and in the link comparisons. A phase runs
    from its progress line to the next one; CPU is the child's /proc CPU time at those lines (the
    last phase ends at the child's exit)."""
    wall_s = {"pass": 0.0, "link": 0.0, "base": 0.0}
    cpu_s = {"pass": 0.0, "link": 0.0, "base": 0.0}
    marks = [(t, "pass" if "reading checkpoint" in s or "summarising base" in s else
              "base" if "with base" in s else "link" if "comparing step" in s else
              "other", c) for t, s, c in events]
    for t, s, c in events:  # every progress line with its times, for per-link figures
        print(f"  [{t:8.1f} s wall, {c if c is not None else float('nan'):8.1f} s CPU] {s}")
    for (t, kind, c), (t_next, _, c_next) in zip(marks, marks[1:] + [(wall, "", cpu)]):
        if kind in wall_s:
            wall_s[kind] += t_next - t
            if c is not None and c_next is not None:
                cpu_s[kind] += c_next - c
    print(f"base comparisons: wall {wall_s['base']:.1f} s, CPU {cpu_s['base']:.1f} s")
    return wall_s["pass"], wall_s["link"], cpu_s["pass"], cpu_s["link"]


def probed_bytes(manifest):
    """Stored bytes of the tensors the link probe reads (MLP gate/up, attention q/k) in the first
    checkpoint of the manifest: the link probe's cost is at most linear in them."""
    with open(manifest) as f:
        d = f.readlines()[1].split("\t")[1]
    n = 0
    for x in os.listdir(d):
        if not x.endswith(".safetensors"):
            continue
        with open(os.path.join(d, x), "rb") as f:
            size = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(size))
        for name, t in header.items():
            if name != "__metadata__" and re.search(r"(gate_proj|up_proj|q_proj|k_proj)\.weight$", name):
                n += t["data_offsets"][1] - t["data_offsets"][0]
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lineage", default="build/lineage")
    ap.add_argument("--dir", default="/tmp/lineage-chain-speed")
    ap.add_argument("--checkpoints", type=int, default=12)
    ap.add_argument("--steps-between", type=int, default=1000)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--intermediate", type=int, default=2816)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--drift", type=float, default=0.05, help="relative size of one step")
    ap.add_argument("--target-gb", type=float, default=13.5, help="one checkpoint of the target model")
    ap.add_argument("--target-checkpoints", type=int, default=30)
    ap.add_argument("--target-link-gb", type=float, default=7.92,
                    help="bytes of MLP gate/up and attention q/k of one target checkpoint (7B Llama: "
                         "32 layers x (2 x 11008 x 4096 + 2 x 4096^2) x 2 bytes)")
    ap.add_argument("--base", action="store_true",
                    help="also write an unrelated model of the same shape (another seed) and pass it as --base")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="use the run already in --dir")
    ap.add_argument("--use", type=int, help="with --reuse: only the first N checkpoints of the run")
    ap.add_argument("--generate-only", action="store_true", help="write the run into --dir and stop")
    ap.add_argument("extra", nargs="*", help="more arguments for lineage chain (after --)")
    a = ap.parse_args()

    manifest = os.path.join(a.dir, "manifest.tsv")
    t0 = time.monotonic()
    if not (a.reuse and os.path.exists(manifest)):
        shutil.rmtree(a.dir, ignore_errors=True)
        os.makedirs(a.dir)
        manifest, params = write_run(a.dir, a)
    else:
        params = None
        if a.use:
            with open(manifest) as f:
                lines = f.readlines()[: a.use + 1]
            manifest = os.path.join(a.dir, f"manifest-{a.use}.tsv")
            with open(manifest, "w") as f:
                f.writelines(lines)
            a.checkpoints = a.use
    gen = time.monotonic() - t0
    if a.generate_only:
        print(f"wrote {a.checkpoints} checkpoints ({params} parameters each) in {gen:.0f} s")
        return 0
    size = total_bytes(manifest)
    cold = drop_caches()
    try:
        rc, wall, cpu, read, rss_kb, events, out = run_chain(a, manifest)
    finally:
        if not a.keep:
            shutil.rmtree(a.dir, ignore_errors=True)
    passes, links, passes_cpu, links_cpu = split_phases(events, wall, cpu)
    verdict = reads = "?"
    try:
        report = json.loads(out)
        verdict = f'{report["verdict"]}: {report["verdict_reason"]}'
        for section in report["sections"]:
            for block in section.get("blocks", []):
                for item in block.get("items", []):
                    if item.get("key") == "Reads":
                        reads = item["value"]
    except (ValueError, KeyError, TypeError):
        pass
    gb = size / 1e9
    target_gb = a.target_gb * a.target_checkpoints
    load = os.getloadavg()[0]
    print(f"checkpoints {a.checkpoints}, {params or '?'} parameters each, {gb:.2f} GB in all "
          f"(generated in {gen:.0f} s)")
    print(f"lineage chain: exit {rc} (outcome {verdict}), wall {wall:.1f} s, CPU {cpu:.1f} s, "
          f"peak RSS {rss_kb / 1024:.0f} MiB, load average {load:.1f}")
    print(f"page cache dropped first: {'yes' if cold else 'NO (not root): bytes read not meaningful'}")
    print(f"report's Reads line: {reads}")
    print(f"bytes read from disk {read / 1e9:.2f} GB = {read / size:.2f} x the checkpoints' size")
    n_links = max(1, a.checkpoints - 1)
    print(f"wall split: passes {passes:.1f} s ({passes / gb:.1f} s/GB), links {links:.1f} s "
          f"({links / n_links:.1f} s per link), other {wall - passes - links:.1f} s")
    print(f"CPU split: passes {passes_cpu:.1f} s ({passes_cpu / gb:.1f} s/GB), links {links_cpu:.1f} s "
          f"({links_cpu / n_links:.1f} s per link), other {cpu - passes_cpu - links_cpu:.1f} s")
    link_gb = probed_bytes(manifest) / 1e9
    print(f"per GB of checkpoints: wall {wall / gb:.1f} s/GB, CPU {cpu / gb:.1f} s/GB; per link: "
          f"CPU {links_cpu / n_links / link_gb:.1f} s per GB of MLP gate/up + attention q/k "
          f"({link_gb:.3f} GB per checkpoint)")
    # Extrapolation: passes linear in bytes; a link linear in the bytes the link probe reads
    # (an upper bound: its GEMMs use a fixed number of A's neurons and its CKA a fixed number of
    # input dimensions). Not valid for --full-links, whose cost grows faster.
    n_target = a.target_checkpoints
    pass_h = passes_cpu / gb * a.target_gb * n_target / 3600
    link_h = links_cpu / n_links / link_gb * a.target_link_gb * (n_target - 1) / 3600
    print(f"extrapolated CPU for {n_target} checkpoints of {a.target_gb} GB ({a.target_link_gb} GB of "
          f"gate/up/q/k each): passes {pass_h:.2f} h + {n_target - 1} links {link_h:.2f} h = "
          f"{pass_h + link_h:.2f} CPU-hours (one link {link_h * 3600 / (n_target - 1):.0f} CPU-s); "
          f"naive linear in bytes of the whole run: {cpu / gb * target_gb / 3600:.1f} CPU-hours")
    return 0 if rc in (0, 1, 6) else rc


if __name__ == "__main__":
    sys.exit(main())
