"""Real-text corpora for the lineage zoo, gathered from documentation installed on a Debian system.

Four corpora, each a list of documents (str), built deterministically (sorted paths, hash-ordered
selection, size caps) and cached as JSON with their source list:
  en_docs  English package documentation under /usr/share/doc (README, *.txt, *.md, NEWS)
  en_man   English man pages (sections 1, 5, 7, 8), troff markup stripped
  ko       Korean text: Debian FAQ in Korean (debian-faq-ko) and, when extracted into the cache,
           LibreOffice's Korean help (the libreoffice-help-ko .deb, unpacked without installing)
  sft      instruction-formatted pairs made from man pages (NAME + DESCRIPTION)
The machine's installed packages decide the exact text, so a zoo is reproducible on one machine
(the recorded source digest says whether two machines saw the same text).
"""
import gzip
import hashlib
import html
import json
import os
import re
import subprocess

DOC_ROOT = "/usr/share/doc"
MAN_ROOT = "/usr/share/man"
KO_FAQ = "/usr/share/doc/debian/FAQ/debian-faq.ko.txt.gz"
LO_KO_DEB = "libreoffice-help-ko"
MAX_DOC_CHARS = 24000  # a few huge files would otherwise be most of the corpus


def _read_text(path):
    """Returns the file's text (gunzipped when .gz), or None when it is not UTF-8 text."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if path.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\0" in raw[:4096]:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _hash_order(paths):
    # A fixed pseudo-random order (by path digest): size caps then take a mix of packages rather
    # than the alphabetically first ones.
    return sorted(paths, key=lambda p: hashlib.sha256(p.encode()).hexdigest())


def _take(docs_with_paths, cap_bytes):
    out, sources, total = [], [], 0
    seen = set()
    for path, text in docs_with_paths:
        text = re.sub(r"[ \t]+\n", "\n", text).strip()[:MAX_DOC_CHARS]
        if len(text) < 200 or text.startswith("<"):  # markup dumps are not prose
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:  # licences and changelogs repeat across packages
            continue
        seen.add(digest)
        out.append(text)
        sources.append(path)
        total += len(text.encode())
        if total >= cap_bytes:
            break
    return out, sources


def english_docs(cap_bytes):
    names = re.compile(r"^(README|NEWS|.*\.txt|.*\.md)(\.gz)?$", re.I)
    paths = []
    for root, _dirs, files in os.walk(DOC_ROOT):
        for name in files:
            if names.match(name) and ".ko." not in name:
                paths.append(os.path.join(root, name))
    def gen():
        for p in _hash_order(paths):
            t = _read_text(p)
            if t is not None and _mostly_ascii(t):
                yield p, t
    return _take(gen(), cap_bytes)


def _mostly_ascii(text):
    sample = text[:4000]
    return sum(c < "\x80" for c in sample) >= 0.97 * len(sample)


_TROFF_ESC = re.compile(r"\\f[BIRP1-4]|\\f\(..|\\f\[[^\]]*\]|\\\(..|\\\[[^\]]*\]|\\[&|^%e-]|\\s[+-]?\d")


def strip_troff(src):
    """Plain text of a man page: macro lines dropped except the text they carry."""
    lines = []
    for line in src.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith("."):
            m = re.match(r"^\.(SH|SS|B|I|BI|BR|IR|RB|RI|IP|TP|Nm|Nd|Sh)\s+(.*)$", line)
            if not m:
                continue
            line = m.group(2).replace('"', "")
            if m.group(1) in ("SH", "Sh"):
                line = "\n" + line.upper()
        line = _TROFF_ESC.sub("", line).replace("\\-", "-").replace("\\", "")
        lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _man_pages():
    paths = []
    for sec in ("man1", "man5", "man7", "man8"):
        d = os.path.join(MAN_ROOT, sec)
        if os.path.isdir(d):
            paths += [os.path.join(d, n) for n in sorted(os.listdir(d))]
    for p in _hash_order(paths):
        if os.path.islink(p):
            continue
        t = _read_text(p)
        if t is None or t.lstrip().startswith(".so "):
            continue
        yield p, strip_troff(t)


def english_man(cap_bytes):
    return _take(_man_pages(), cap_bytes)


def sft_pairs(cap_bytes):
    """Chat-formatted instruction pairs: the question names a command, the answer is its man page
    NAME line and the start of its DESCRIPTION."""
    def gen():
        for path, text in _man_pages():
            name = re.search(r"\nNAME\n+(.+?)\n\n", "\n" + text, re.S)
            desc = re.search(r"\nDESCRIPTION\n+(.+?)(\n[A-Z][A-Z ]+\n|$)", "\n" + text, re.S)
            if not name or not desc:
                continue
            cmd = os.path.basename(path).split(".")[0]
            answer = " ".join(name.group(1).split()) + ". " + " ".join(desc.group(1).split())[:700]
            yield path, (f"<|im_start|>user\nWhat does `{cmd}` do?<|im_end|>\n"
                         f"<|im_start|>assistant\n{answer}<|im_end|>\n")
    docs, sources = [], []
    total, seen = 0, set()
    for path, text in gen():
        if text in seen:
            continue
        seen.add(text)
        docs.append(text)
        sources.append(path)
        total += len(text.encode())
        if total >= cap_bytes:
            break
    return docs, sources


_TAG = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S | re.I)


def html_to_text(src):
    text = html.unescape(_TAG.sub(" ", src))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()


def _hangul_fraction(text):
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum("\uac00" <= c <= "\ud7a3" for c in letters) / len(letters)


def korean(cache_dir, cap_bytes):
    docs, sources = [], []
    faq = _read_text(KO_FAQ)
    if faq:
        # One document per FAQ chapter keeps documents short like the others.
        for i, part in enumerate(re.split(r"\n(?=\d+\.\s)", faq)):
            if len(part) > 200:
                docs.append(part.strip())
                sources.append(f"{KO_FAQ}#{i}")
    lo_root = os.path.join(cache_dir, "debs", "lo", "usr/share/libreoffice/help/ko/text")
    if os.path.isdir(lo_root):
        paths = []
        for root, _d, files in os.walk(lo_root):
            paths += [os.path.join(root, n) for n in files if n.endswith((".html", ".xhp"))]
        total = sum(len(d.encode()) for d in docs)
        for p in _hash_order(paths):
            t = _read_text(p)
            if not t:
                continue
            t = html_to_text(t)
            if len(t) < 200 or _hangul_fraction(t) < 0.5:
                continue
            docs.append(t)
            sources.append(p)
            total += len(t.encode())
            if total >= cap_bytes:
                break
    return docs, sources


def fetch_korean_deb(cache_dir):
    """Downloads and unpacks libreoffice-help-ko into the cache (no install, no dependencies).
    Best effort: without network or apt the Korean corpus is the FAQ alone."""
    target = os.path.join(cache_dir, "debs")
    if os.path.isdir(os.path.join(target, "lo", "usr/share/libreoffice/help/ko")):
        return True
    os.makedirs(target, exist_ok=True)
    try:
        subprocess.run(["apt-get", "download", LO_KO_DEB], cwd=target, check=True,
                       capture_output=True, timeout=600)
        deb = [n for n in os.listdir(target) if n.startswith(LO_KO_DEB) and n.endswith(".deb")]
        subprocess.run(["dpkg-deb", "-x", os.path.join(target, sorted(deb)[-1]),
                        os.path.join(target, "lo")], check=True, timeout=600)
        return True
    except (OSError, subprocess.SubprocessError, IndexError):
        return False


def build_corpora(cache_dir, caps):
    """Returns {name: {"docs": [...], "sources": [...], "bytes": n, "digest": sha256}} (cached)."""
    path = os.path.join(cache_dir, "corpora-" + hashlib.sha256(
        json.dumps(caps, sort_keys=True).encode()).hexdigest()[:12] + ".json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    if caps.get("ko_libreoffice", True):
        fetch_korean_deb(cache_dir)
    built = {
        "en_docs": english_docs(caps["en_docs"]),
        "en_man": english_man(caps["en_man"]),
        "ko": korean(cache_dir, caps["ko"]),
        "sft": sft_pairs(caps["sft"]),
    }
    out = {}
    for name, (docs, sources) in built.items():
        blob = "\n\x00".join(docs).encode()
        out[name] = {"docs": docs, "sources": sources, "bytes": len(blob),
                     "digest": hashlib.sha256(blob).hexdigest()}
    os.makedirs(cache_dir, exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
    os.replace(path + ".tmp", path)
    return out
