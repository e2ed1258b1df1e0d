#!/usr/bin/env bash
# The screenshots of the HTML report in docs/, from a mixed batch of twelve
# bundles written by fixture::batch (every sample, one without its
# SOFTWARE hive, one that cannot be read), with one failing bundle's
# details open: at a desktop width (docs/html-report.png) and at a phone's
# (docs/html-report-narrow.png). Needs chromium (apt-get install chromium).
# Usage: scripts/html-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)"; exit 2; }
cargo build --release --quiet --bin hivetriage --example html_report
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
tools="$target/release/examples/html_report"
work=$(mktemp -d "${TMPDIR:-/tmp}/hivetriage-shots.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$tools" batch "$work/incoming" 12
# Run from the work folder, so the page names the batch as `incoming`.
# (analyze exits 1: the batch has failing bundles.)
(cd "$work" && "$target/release/hivetriage" analyze -q --format html incoming >report.html) || true
mkdir -p docs
"$tools" screenshot "$work/report.html" docs/html-report.png 1280 1100 no-add-permission.zip
"$tools" screenshot "$work/report.html" docs/html-report-narrow.png 420 900 no-add-permission.zip
echo "wrote docs/html-report.png and docs/html-report-narrow.png"
