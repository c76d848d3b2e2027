#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with real files from testdata/fixtures (Java Paimon 0.9 and
# pypaimon tables) so the fuzzers start from valid inputs.
set -euo pipefail
cd "$(dirname "$0")"
FIX=../testdata/fixtures
mkdir -p corpus/manifest corpus/metadata_json corpus/binary_row
i=0
find "$FIX" -path '*/manifest/*' -type f | while read -r f; do
    i=$((i + 1)); cp "$f" "corpus/manifest/fixture-$i"
done
find "$FIX" \( -path '*/snapshot/snapshot-*' -o -path '*/schema/schema-*' -o -path '*/tag/tag-*' \) -type f |
    while read -r f; do i=$((i + 1)); cp "$f" "corpus/metadata_json/fixture-$i"; done
python3 - "$FIX/binary_row_vectors.json" corpus/binary_row <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
for i, r in enumerate(rows):
    open(f"{sys.argv[2]}/vector-{i}", "wb").write(bytes([i % 256]) + bytes.fromhex(r["manifest_bytes_hex"]))
PY
echo "corpus: $(ls corpus/manifest | wc -l) manifests, $(ls corpus/metadata_json | wc -l) JSON files, $(ls corpus/binary_row | wc -l) rows"
