"""Writes fastavro_pypaimon_shape.avro: an Avro data file shaped like pypaimon 2.1's
(record org.apache.paimon.avro.generated.record, ["null", T] unions, timestamp-micros,
decimal on bytes, zstandard codec when available). Run with a Python that has fastavro."""
import datetime
import decimal

import fastavro

schema = {
    "type": "record",
    "name": "record",
    "namespace": "org.apache.paimon.avro.generated",
    "fields": [
        {"name": "id", "type": "int"},
        {"name": "name", "type": ["null", "string"], "default": None},
        {"name": "price", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}], "default": None},
        {"name": "ts", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": None},
        {"name": "day", "type": ["null", {"type": "int", "logicalType": "date"}], "default": None},
        {"name": "tags", "type": ["null", {"type": "array", "items": ["null", "string"]}], "default": None},
        {"name": "attrs", "type": ["null", {"type": "map", "values": ["null", "long"]}], "default": None},
        {"name": "pt", "type": ["null", {"type": "record", "name": "pt", "fields": [
            {"name": "x", "type": "int"}, {"name": "y", "type": ["null", "double"]}]}], "default": None},
    ],
}
utc = datetime.timezone.utc
rows = [
    {"id": 1, "name": "a", "price": decimal.Decimal("12.34"),
     "ts": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=utc), "day": datetime.date(2024, 1, 2),
     "tags": ["x", "y"], "attrs": {"k": 7}, "pt": {"x": 1, "y": 2.5}},
    {"id": 2, "name": "b", "price": decimal.Decimal("-0.05"),
     "ts": datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=utc), "day": datetime.date(1969, 12, 31),
     "tags": [], "attrs": {}, "pt": {"x": -1, "y": None}},
    {"id": 3, "name": None, "price": None, "ts": None, "day": None, "tags": None, "attrs": None, "pt": None},
]
try:
    import zstandard  # noqa: F401
    codec = "zstandard"
except ImportError:
    codec = "deflate"
with open("fastavro_pypaimon_shape.avro", "wb") as f:
    fastavro.writer(f, fastavro.parse_schema(schema), rows, codec=codec)
print("codec", codec)
