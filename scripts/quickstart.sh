#!/usr/bin/env bash
# Strata's main job on a local warehouse (./warehouse by default, or $STRATA_WAREHOUSE):
# create a primary-key table, write rows, upsert and delete some, read, time-travel, compact.
set -euo pipefail
cd "$(dirname "$0")/.."
export STRATA_WAREHOUSE=${STRATA_WAREHOUSE:-$PWD/warehouse}
cargo build --quiet --release -p strata-cli
strata() { "${CARGO_TARGET_DIR:-target}/release/strata" "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "warehouse: $STRATA_WAREHOUSE"
strata db create shop --if-not-exists
strata table drop shop.orders --if-exists
strata table create shop.orders \
  --column 'id BIGINT NOT NULL' --column 'dt STRING NOT NULL' \
  --column 'amount DECIMAL(10, 2)' --column 'note STRING' --column 'op STRING' \
  --primary-key id,dt --partition-key dt --option bucket=2 --option rowkind.field=op

cat > "$work/orders.csv" <<'CSV'
id,dt,amount,note,op
1,2026-11-23,10.50,first,+I
2,2026-11-23,20.00,second,+I
3,2026-11-24,7.25,third,+I
4,2026-11-24,99.99,fourth,+I
CSV
strata write shop.orders "$work/orders.csv"

cat > "$work/changes.jsonl" <<'JSON'
{"id": 2, "dt": "2026-11-23", "amount": "21.00", "note": "second, corrected", "op": "+U"}
{"id": 4, "dt": "2026-11-24", "op": "-D"}
{"id": 5, "dt": "2026-11-24", "amount": "5.00", "note": "fifth", "op": "+I"}
JSON
strata write shop.orders "$work/changes.jsonl"

echo "--- latest"
strata read shop.orders --columns id,dt,amount,note
echo "--- as of snapshot 1"
strata read shop.orders --snapshot 1 --columns id,dt,amount,note
echo "--- one partition, as JSON lines"
strata read shop.orders --filter "dt = '2026-11-24'" --format json
strata compact shop.orders --full
strata snapshots shop.orders
strata files shop.orders
