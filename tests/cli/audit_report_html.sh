#!/usr/bin/env bash
# End-to-end: `lineage audit` on the mini zoo writes report.json/.md/.html; the HTML page is
# self-contained (no URL, no script, no external resource), and — when Debian's chromium is
# installed — a real headless browser renders it completely while every network request would fail
# (invalid proxy, every host unresolvable), and produces a screenshot.
#   bash tests/cli/audit_report_html.sh <path-to-lineage> <source-dir>
# Exit 0 pass, 77 skip (with the reason on stderr), anything else fail. As root, installs Debian's
# chromium when it is missing (as the Slurm test installs Slurm), so CI renders the page for real.
set -uo pipefail
lineage=$1
src=$2
zoo="$src/tests/data/minizoo"
out=$(mktemp -d "${TMPDIR:-/tmp}/lineage-audit-html.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "audit_report_html: FAIL: $*" >&2; exit 1; }

[ -d "$zoo/A" ] || { echo "audit_report_html: SKIP: mini zoo not found at $zoo" >&2; exit 77; }

# A fine-tune of A audited against A: the policy fails it (exit 1) and the report says why.
SOURCE_DATE_EPOCH=1767225600 "$lineage" audit "$zoo/A-sft" --base "$zoo/A" --out "$out/en" >"$out/en.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$out/en.txt" >&2; fail "expected exit 1 (fail) for A-sft vs A, got $rc"; }
for f in report.json report.md report.html; do
    [ -s "$out/en/$f" ] || fail "$f missing or empty"
done
ls -a "$out/en" | grep -q '\.tmp-' && fail "temporary files left in the report folder"
grep -q '"verdict": "fail"' "$out/en/report.json" || fail "report.json lacks \"verdict\": \"fail\""
grep -q '"schema_version": "1.0.0"' "$out/en/report.json" || fail "report.json lacks schema_version"
grep -q '"relation": "derived"' "$out/en/report.json" || fail "report.json lists no derived component"
grep -q '^| Component | Relation |' "$out/en/report.md" || fail "report.md lacks the component table"

html="$out/en/report.html"
grep -Eiq 'https?:|src=|<script|<link|<img|@import|<iframe|<object' "$html" &&
    fail "report.html references something outside the page: $(grep -Eio 'https?:[^"]*|src=[^ ]*|<script|<link|<img|@import' "$html" | head -3)"
grep -q '<svg' "$html" || fail "report.html has no inline SVG figure"

# Reruns give the same bytes (generation time fixed by SOURCE_DATE_EPOCH).
SOURCE_DATE_EPOCH=1767225600 "$lineage" audit "$zoo/A-sft" --base "$zoo/A" --out "$out/again" >/dev/null 2>&1
cmp -s "$out/en/report.json" "$out/again/report.json" || fail "report.json differs between two identical runs"
cmp -s "$html" "$out/again/report.html" || fail "report.html differs between two identical runs"

# Korean.
"$lineage" audit "$zoo/A-sft" --base "$zoo/A" --out "$out/ko" --lang ko >"$out/ko.txt" 2>&1
grep -q '불합격' "$out/ko/report.html" || fail "Korean report lacks the Korean verdict"
grep -q '판정:' "$out/ko.txt" || fail "Korean summary line missing"
grep -q '<html lang="ko">' "$out/ko/report.html" || fail "Korean report is not marked lang=ko"

# A missing registry file is bad input (exit 3); a bad --lang is a usage error (exit 2).
"$lineage" audit "$zoo/A-sft" --registry "$out/none.h5" >/dev/null 2>&1
[ $? -eq 3 ] || fail "a missing --registry file should exit 3 (bad input)"
"$lineage" audit "$zoo/A-sft" --lang fr >/dev/null 2>&1
[ $? -eq 2 ] || fail "--lang fr should be a usage error (exit 2)"

# A real browser, offline.
find_browser() {
    for b in chromium chromium-browser; do
        command -v "$b" >/dev/null 2>&1 && { echo "$b"; return; }
    done
}
browser=$(find_browser)
if [ -z "$browser" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "audit_report_html: installing chromium (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }
    browser=$(find_browser)
fi
if [ -z "$browser" ]; then
    echo "audit_report_html: SKIP: static checks passed; chromium is not installed, so the page was not" \
         "rendered in a browser (apt-get install chromium)" >&2
    exit 77
fi
shot="$out/report.png"
# Every request would fail (a proxy that refuses, no host resolves), background services are off,
# and the browser's NetLog records what was attempted anyway.
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
       --disable-background-networking --disable-component-update --disable-sync --disable-default-apps
       --disable-domain-reliability --disable-client-side-phishing-detection
       --disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck,AutofillServerCommunication
       --proxy-server=127.0.0.1:9 "--host-resolver-rules=MAP * ~NOTFOUND" --user-data-dir="$out/profile")
timeout 120 "$browser" "${flags[@]}" --log-net-log="$out/netlog.json" --dump-dom "file://$html" \
    >"$out/dom.html" 2>"$out/chromium-dom.log"
grep -q 'id="reproducibility"' "$out/dom.html" ||
    { tail -5 "$out/chromium-dom.log" >&2; fail "the browser did not render the page completely"; }
grep -q '<svg' "$out/dom.html" || fail "the rendered page has no SVG"
[ -s "$out/netlog.json" ] || fail "the browser wrote no NetLog"
# Requests other than the page itself, minus the browser's own service pings (time, updates,
# accounts), which no flag fully silences and which do not come from the page.
requests=$(grep -Eo '"url":"[^"]*"' "$out/netlog.json" | sort -u | grep -v '"url":"file://' |
           grep -Ev 'clients2\.google\.com/time/|googleapis\.com/service/update2/|accounts\.google\.com/ListAccounts')
[ -z "$requests" ] || fail "the page tried to reach the network: $(echo "$requests" | head -3)"
timeout 120 "$browser" "${flags[@]}" --hide-scrollbars --screenshot="$shot" --window-size=1200,2000 \
    "file://$html" >"$out/chromium-shot.log" 2>&1
[ -s "$shot" ] || { tail -5 "$out/chromium-shot.log" >&2; fail "no screenshot was produced"; }
size=$(stat -c %s "$shot")
[ "$size" -gt 20000 ] || fail "the screenshot is suspiciously small ($size bytes): a blank page?"
# Keep the screenshot for people when asked (CI artefact).
if [ -n "${LINEAGE_KEEP_SCREENSHOT:-}" ]; then cp "$shot" "$LINEAGE_KEEP_SCREENSHOT"; fi
echo "audit_report_html: ok (screenshot $size bytes)"
