#!/usr/bin/env bash
# Benchmark: mistral-gate `check --offline` against ripgrep on the same generated tree.
# usage: bench/run.sh            (generates bench/work/repo once, then measures)
# Needs: cargo, python3, hyperfine and ripgrep (installed from Debian if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine rg; do
  if ! command -v "$tool" >/dev/null; then
    pkg=$tool; [ "$tool" = rg ] && pkg=ripgrep
    apt-get update -qq && apt-get install -y -qq "$pkg" >/dev/null
  fi
done
cargo build --release --quiet
repo=bench/work/repo
[ -d "$repo" ] || python3 bench/gen_repo.py "$repo"
gate="target/release/mistral-gate check --offline --fail-on never --format json $repo"
# ripgrep looks for one 32-character token; --hidden to walk the same files the gate does.
rg="rg --hidden --no-messages -c -F Zq4Rk9TbW2mXv7LcP3sNd8HfJ6gYa1Ue $repo"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m); $(rg --version | head -1); $(target/release/mistral-gate --version)"
echo "== files the gate scans: $($gate | python3 -c 'import json,sys; print(json.load(sys.stdin)["scan"]["files"])')"
hyperfine --warmup 2 --runs 10 --ignore-failure --export-markdown bench/work/hyperfine.md "$gate" "$rg"
# What the source analysis costs: the same tree without its 200 Mistral call sites, where
# the language front-ends only run their prefilter.
plain=bench/work/repo-no-mistral
[ -d "$plain" ] || python3 bench/gen_repo.py "$plain" --mistral-every 0
hyperfine --warmup 2 --runs 10 --export-markdown bench/work/hyperfine-analysis.md \
  "$gate" "target/release/mistral-gate check --offline --fail-on never --format json $plain"
for cmd in "$gate" "$rg"; do
  # rg exits 1 when it finds nothing; the peak is what matters here.
  peak=$( { /usr/bin/time -f %M $cmd >/dev/null || true; } 2>&1 | tail -1)
  echo "== peak RSS $((peak / 1024)) MiB: ${cmd%% *}"
done
