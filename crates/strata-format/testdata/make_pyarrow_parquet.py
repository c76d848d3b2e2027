"""Writes pyarrow_shapes.parquet: the shapes pypaimon 2.1 (pyarrow) produces that differ from
Java's layout: FIXED_LEN_BYTE_ARRAY decimals of small precision, FIXED_LEN_BYTE_ARRAY(n) for
BINARY(n), INT64 NANOS for TIMESTAMP(9), large strings, dictionary-encoded strings (restored
from the embedded ARROW:schema), all columns OPTIONAL, a list of structs and a map."""
import datetime
import decimal

import pyarrow as pa
import pyarrow.parquet as pq

utc = datetime.timezone.utc
t = pa.table({
    "d5": pa.array([decimal.Decimal("123.45"), None, decimal.Decimal("-0.01")], pa.decimal128(5, 2)),
    "bin3": pa.array([b"\x01\x02\x03", None, b"\x00\x00\x00"], pa.binary(3)),
    "ts9": pa.array([1704164645123456789, None, -1], pa.timestamp("ns")),
    "ltz6": pa.array([datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=utc), None,
                      datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc)], pa.timestamp("us", tz="UTC")),
    "ls": pa.array(["large", None, ""], pa.large_string()),
    "dict": pa.array(["a", "b", "a"]).dictionary_encode(),
    "tm": pa.array([11045123, None, 86399999], pa.time32("ms")),
    "dt": pa.array([19724, None, -1], pa.date32()),
    "lst": pa.array([[{"x": 1, "y": "p"}], None, []], pa.list_(pa.struct([("x", pa.int32()), ("y", pa.string())]))),
    "mp": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int64())),
})
pq.write_table(t, "pyarrow_shapes.parquet", compression="zstd")
print(pq.ParquetFile("pyarrow_shapes.parquet").schema)
