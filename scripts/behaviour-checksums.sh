#!/usr/bin/env bash
# Checksums of what coserve writes for every shipped scenario, a comparison,
# a sweep, a merge, Sobol indices and reports, at small sizes. A refactoring
# that must not change behaviour leaves this output identical:
#   bash scripts/behaviour-checksums.sh > before.txt   # on the old commit
#   bash scripts/behaviour-checksums.sh | diff before.txt -
# COSERVE names the binary (default: a release build of this checkout).
# Timings (manifest `timing`, `wall_s`) and what differs by commit and
# folder (`coserve_commit`, `command_line`) are the only parts left out.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${COSERVE:-}" ]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml"
    COSERVE="${CARGO_TARGET_DIR:-$root/target}/release/coserve"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
small=(--set city.residents=3000 --set run.ticks=30 --set run.warmup=10)
for f in "$root"/scenarios/*.toml "$root"/scenarios/validation/*.toml "$root"/scenarios/workshop/*.toml; do
    name="$(basename "$(dirname "$f")")-$(basename "$f" .toml)"
    ticks=(--set run.ticks=30 --set run.warmup=10)
    # Files with interventions late in the run keep their own length.
    if grep -q '^\[\[interventions\]\]' "$f"; then ticks=(); fi
    "$COSERVE" run "$f" --set city.residents=3000 "${ticks[@]}" --out "runs/$name" >/dev/null
done
"$COSERVE" report "runs/scenarios-baseline" >/dev/null
"$COSERVE" compare "$root/scenarios/baseline.toml" --regimes public,co_created,hybrid \
    --replicates 3 "${small[@]}" --out cmp >/dev/null
"$COSERVE" report cmp >/dev/null
cat > sweep.toml <<SWEEP
scenario = "$root/scenarios/baseline.toml"
set = ["governance.preset=participatory_budgeting", "city.residents=3000", "run.ticks=30", "run.warmup=10"]
design = "saltelli"
samples = 32
replicates = 2
seed = 3
timeseries = true
[factors]
"governance.pb_share" = { min = 0.0, max = 0.3 }
"governance.outreach" = { min = 0.0, max = 1.0 }
SWEEP
"$COSERVE" sweep sweep.toml --out sw --format parquet >/dev/null 2>&1
"$COSERVE" sweep sweep.toml --shard 0/2 --out sh0 >/dev/null 2>&1
"$COSERVE" sweep sweep.toml --shard 1/2 --out sh1 >/dev/null 2>&1
"$COSERVE" merge sh0 sh1 --out merged >/dev/null
"$COSERVE" sensitivity sw --resamples 100 >/dev/null 2>&1
"$COSERVE" report sw >/dev/null
for f in "$root"/scenarios/lab/*.toml; do
    "$COSERVE" lab "$f" --set game.groups=50 --out "lab/$(basename "$f" .toml)" >/dev/null
done
# Manifests without their timings; everything else byte for byte.
find . -name manifest.json | while read -r m; do
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); [m.pop(k,None) for k in ("timing","wall_s","coserve_commit","command_line")]; json.dump(m,open(sys.argv[1],"w"),indent=1,sort_keys=True)' "$m"
done
find . -type f ! -name sweep.toml | LC_ALL=C sort | xargs sha256sum
