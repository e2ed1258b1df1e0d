#!/usr/bin/env bash
# Whole-process timings of `hivetriage analyze` against its floor (a process
# that only inflates the entries the analysis needs), on a bundle made from
# the corpus's real 11.8 MB SYSTEM hive. Needs ../shared and hyperfine
# (apt-get install hyperfine). Usage: scripts/bench.sh
# (-i: the Windows 7 corpus hive has no IMC, so analyze exits 1 by design.)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 2; }
[ -d ../shared/corpus ] || { echo "needs ../shared/corpus beside the repository"; exit 2; }

cargo build --release --quiet --bin hivetriage --example bench_bundle --example inflate_floor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/bench_bundle "$work" >/dev/null

echo "== one bundle: corpus SYSTEM (11.8 MB) + sample SOFTWARE, SAM, pickup ACL"
hyperfine --warmup 3 --min-runs 20 -N -i \
    -n "floor: inflate needed entries (zip)" "target/release/examples/inflate_floor $work/corpus-system.zip" \
    -n "analyze (zip)" "target/release/hivetriage analyze --format json $work/corpus-system.zip" \
    -n "analyze (directory)" "target/release/hivetriage analyze --format json $work/corpus-system"
