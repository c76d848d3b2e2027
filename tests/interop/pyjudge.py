#!/usr/bin/env python3
"""pyjudge: pypaimon 2.1.0 (and pypaimon-rust 0.4.0) behind the paimon-judge interface.

Run it with the test virtualenv's python (scripts/setup-test-env.sh prints it as
STRATA_TEST_PYTHON). It mirrors ``judge/paimon-judge`` (Java Paimon 0.9) so that tests can
treat both judges the same: the same subcommands, the same SPEC.json, and the same JSON value
conventions for write input and read output (judge/README.md, "Value conventions").

    pyjudge.py create    WAREHOUSE DB.TABLE SPEC.json [--if-not-exists]
    pyjudge.py write     WAREHOUSE DB.TABLE INPUT.jsonl|- [--row-kind-field NAME]
                         [--overwrite k=v,...] [--option KEY=VALUE]...
    pyjudge.py read      WAREHOUSE DB.TABLE [--snapshot N | --tag NAME] [--projection a,b]
                         [--with-row-kind] [--sort] [--option KEY=VALUE]...
    pyjudge.py rust-read (the same arguments as read)

Success: exit code 0, only the command's output on stdout. Failure: exit code 1 and one line
``pyjudge: <message>`` on stderr.

create
    Builds the schema from the type strings itself (ARRAY<..>, MAP<..>, MULTISET<..>,
    ROW<name TYPE [COMMENT '..'], ..>, atomic types normalised to Java's spelling) and assigns
    field ids like Java Paimon: top-level fields first, then nested ROW fields, children before
    their parent. The database is created when missing.

write
    One commit per call (none when the input has no rows). ``--row-kind-field NAME`` takes the
    row kind (+I, -U, +U, -D) from a field that is not a column, like the Java judge. pypaimon
    itself only knows row kinds through the ``rowkind.field`` table option (a string column), so
    pyjudge writes each run of rows with the same kind in its own ``write_arrow`` call and makes
    ``pypaimon.write.row_kind.row_kinds`` answer that kind (a small patch of one function; the
    sequence numbers still follow the input order). Append tables accept +I and +U only (as in
    Java), unless ``ignore-delete`` is set. ``--overwrite k=v,...`` is an INSERT OVERWRITE
    (``--overwrite ''`` without a static partition); like Java, pypaimon replaces only the
    partitions in the input when ``dynamic-partition-overwrite`` is true (the default), even if
    a static partition is given.

read
    A batch read through pypaimon's Python reader (latest snapshot, ``--snapshot N`` or
    ``--tag NAME``), printed as the Java judge prints it: columns in table order (or projection
    order), ``"_ROW_KIND"`` first with ``--with-row-kind``, ``--sort`` sorts the lines as
    strings (by UTF-16 code units, like Java's String.compareTo).

rust-read
    The same read through pypaimon-rust 0.4.0, i.e. paimon-rust's native reader:
    ``pypaimon_rust.datafusion.PaimonCatalog({"warehouse": W}).get_table("db.t")``, then
    ``new_read_builder(options)`` (``scan.snapshot-id`` / ``scan.tag-name`` and ``--option``
    go in as options), ``with_projection``, ``with_include_row_kind`` (a leading ``rowkind``
    column), ``new_scan().plan().splits()``, ``new_read().read(splits)`` -> pyarrow batches.
    The Paimon types used to print the values come from the table's schema file (read with
    pypaimon, which can read every schema). Unlike pypaimon it reads tables that Java Paimon
    0.9 wrote, including MULTISET, INT96 timestamps, INT32/INT64 decimals, aggregation and
    partial-update tables (with sequence groups) and deletion vectors. Limitations seen:
    merged primary-key rows come back as ``+I`` with ``--with-row-kind`` where Java and
    pypaimon keep ``+U``; ORC ``CHAR(n)`` values written by Java come back padded with spaces
    to n (as with pypaimon); pypaimon-rust 0.4.0 documents no time travel in its Python
    binding, but the scan options above work. It is a reader only here (its write API is not
    used).

Known differences to the Java judge (see tests/interop/README.md):
    * FLOAT/DOUBLE are laid out like Java's Float/Double.toString (1.0, 1.0E10, 1.0E-5, "NaN")
      with the digits JDK 17 prints: the shortest that read back to the value, except for
      integral values below 2^63, where JDK 17 keeps more digits (2.82879384806159008E17) and
      pyjudge does the same (PYJUDGE_JAVA_FLOATS=shortest for a JDK 19+ judge). About 1 in
      10^4 random bit patterns still differ (JDK 17 prints 1e23 as 9.999999999999999E22); both
      strings read back to the same double, so compare parsed numbers, not text.
    * A JSON number -0.0 is written as 0.0 (the Java judge reads numbers as BigDecimal); the
      string "-0.0" keeps the sign in both.
    * pypaimon 2.1.0 cannot read tables into which Java Paimon 0.9 committed data (manifests
      without ``_VALUE_STATS_COLS``), has no MULTISET and refuses sequence groups.
"""

import base64
import datetime
import decimal
import json
import logging
import math
import os
import re
import struct
import sys
import warnings

ROW_KIND_COLUMN = "_ROW_KIND"
ROW_KINDS = ("+I", "-U", "+U", "-D")


class JudgeError(Exception):
    """A user-facing error: printed as one line, exit code 1."""


# --------------------------------------------------------------------------- type strings


def _matching_close(s, open_index):
    depth = 0
    quote = None
    for i in range(open_index, len(s)):
        c = s[i]
        if quote is not None:
            if c == quote:
                quote = None
            continue
        if c in "'`\"":
            quote = c
        elif c in "<(":
            depth += 1
        elif c in ">)":
            depth -= 1
            if depth == 0:
                return i
    raise JudgeError("unbalanced brackets in type '%s'" % s)


def _split_top_level(s):
    parts = []
    depth = 0
    quote = None
    start = 0
    for i, c in enumerate(s):
        if quote is not None:
            if c == quote:
                quote = None
            continue
        if c in "'`\"":
            quote = c
        elif c in "<(":
            depth += 1
        elif c in ">)":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts if p.strip()]


def _nullability(rest, text):
    r = " ".join(rest.split()).upper()
    if r in ("", "NULL"):
        return True
    if r == "NOT NULL":
        return False
    raise JudgeError("unexpected '%s' in type '%s'" % (rest.strip(), text))


MAX_LENGTH = 2147483647


def normalize_atomic(text):
    """Returns (canonical type string as Java writes it, nullable) for an atomic type."""
    s = " ".join(text.strip().split())
    upper = s.upper()
    nullable = True
    if upper.endswith(" NOT NULL"):
        nullable = False
        s = s[: -len(" NOT NULL")].strip()
    elif upper.endswith(" NULL"):
        s = s[: -len(" NULL")].strip()
    u = s.upper()
    m = re.fullmatch(r"([A-Z_]+(?: PRECISION)?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?(.*)", u)
    if not m:
        raise JudgeError("cannot parse type '%s'" % text)
    name, p1, p2, tail = m.group(1), m.group(2), m.group(3), m.group(4).strip()
    p1 = int(p1) if p1 is not None else None
    p2 = int(p2) if p2 is not None else None

    def plain(canonical):
        if p1 is not None or tail:
            raise JudgeError("cannot parse type '%s'" % text)
        return canonical

    if name == "BOOLEAN":
        result = plain("BOOLEAN")
    elif name == "TINYINT":
        result = plain("TINYINT")
    elif name == "SMALLINT":
        result = plain("SMALLINT")
    elif name in ("INT", "INTEGER"):
        result = plain("INT")
    elif name == "BIGINT":
        result = plain("BIGINT")
    elif name == "FLOAT":
        result = plain("FLOAT")
    elif name in ("DOUBLE", "DOUBLE PRECISION"):
        result = plain("DOUBLE")
    elif name in ("DECIMAL", "DEC", "NUMERIC") and not tail:
        precision = 10 if p1 is None else p1
        scale = 0 if p2 is None else p2
        if not 1 <= precision <= 38 or not 0 <= scale <= precision:
            raise JudgeError("cannot parse type '%s': bad precision or scale" % text)
        result = "DECIMAL(%d, %d)" % (precision, scale)
    elif name in ("CHAR", "CHARACTER") and p2 is None and not tail:
        result = "CHAR(%d)" % (1 if p1 is None else p1)
    elif name == "VARCHAR" and p2 is None and not tail:
        n = 1 if p1 is None else p1
        result = "STRING" if n == MAX_LENGTH else "VARCHAR(%d)" % n
    elif name == "STRING":
        result = plain("STRING")
    elif name == "BINARY" and p2 is None and not tail:
        result = "BINARY(%d)" % (1 if p1 is None else p1)
    elif name == "VARBINARY" and p2 is None and not tail:
        n = 1 if p1 is None else p1
        result = "BYTES" if n == MAX_LENGTH else "VARBINARY(%d)" % n
    elif name == "BYTES":
        result = plain("BYTES")
    elif name == "DATE":
        result = plain("DATE")
    elif name in ("TIME", "TIMESTAMP", "TIMESTAMP_LTZ") and p2 is None:
        precision = (0 if name == "TIME" else 6) if p1 is None else p1
        if not 0 <= precision <= 9:
            raise JudgeError("cannot parse type '%s': precision must be 0 to 9" % text)
        ltz = name == "TIMESTAMP_LTZ"
        if tail == "WITH LOCAL TIME ZONE" and name == "TIMESTAMP":
            ltz = True
        elif tail not in ("", "WITHOUT TIME ZONE") or (ltz and tail):
            raise JudgeError("cannot parse type '%s'" % text)
        if name == "TIME":
            result = "TIME(%d)" % precision
        elif ltz:
            result = "TIMESTAMP(%d) WITH LOCAL TIME ZONE" % precision
        else:
            result = "TIMESTAMP(%d)" % precision
    else:
        raise JudgeError("cannot parse type '%s'" % text)
    return result, nullable


def parse_type(text):
    """Parses a type string into a pypaimon DataType (field ids are assigned later)."""
    from pypaimon.schema.data_types import (ArrayType, AtomicType, MapType,
                                            MultisetType)
    s = text.strip()
    m = re.match(r"[A-Za-z0-9_]*", s)
    head = m.group(0).upper()
    j = m.end()
    while j < len(s) and s[j].isspace():
        j += 1
    if head in ("ARRAY", "MAP", "MULTISET", "ROW") and j < len(s) and s[j] in "<(":
        end = _matching_close(s, j)
        parts = _split_top_level(s[j + 1:end])
        nullable = _nullability(s[end + 1:], text)
        expected = {"ARRAY": 1, "MULTISET": 1, "MAP": 2}.get(head)
        if expected is not None and len(parts) != expected:
            raise JudgeError("expected %d type argument(s) in '%s'" % (expected, text))
        if head == "ARRAY":
            return ArrayType(nullable, parse_type(parts[0]))
        if head == "MULTISET":
            return MultisetType(nullable, parse_type(parts[0]))
        if head == "MAP":
            return MapType(nullable, parse_type(parts[0]), parse_type(parts[1]))
        return _parse_row(parts, text, nullable)
    canonical, nullable = normalize_atomic(s)
    return AtomicType(canonical, nullable)


def _parse_row(parts, text, nullable):
    from pypaimon.schema.data_types import DataField, RowType
    fields = []
    for k, p in enumerate(parts):
        if p[0] in "`\"":
            quote = p[0]
            name_chars = []
            i = 1
            while True:
                if i >= len(p):
                    raise JudgeError("unterminated field name in '%s'" % text)
                if p[i] == quote:
                    if i + 1 < len(p) and p[i + 1] == quote:
                        name_chars.append(quote)
                        i += 2
                        continue
                    break
                name_chars.append(p[i])
                i += 1
            name = "".join(name_chars)
            rest = p[i + 1:]
        else:
            name = p.split()[0]
            rest = p[len(name):]
        if not name or not rest.strip():
            raise JudgeError("ROW fields must be 'name TYPE' in '%s'" % text)
        comment = None
        m = re.fullmatch(r"(?is)(.*\S)\s+COMMENT\s+'((?:[^']|'')*)'\s*", rest)
        if m:
            rest = m.group(1)
            comment = m.group(2).replace("''", "'")
        fields.append(DataField(k, name, parse_type(rest), comment))
    return RowType(nullable, fields)


def assign_field_ids(fields):
    """Field ids as Java Paimon assigns them: top level 0..n-1, then nested, children first."""
    from pypaimon.schema.data_types import (AtomicInteger, DataField,
                                            reassign_field_id)
    counter = AtomicInteger(len(fields) - 1)
    result = []
    for index, field in enumerate(fields):
        new_type = reassign_field_id(field.type, counter)
        result.append(DataField(index, field.name, new_type, field.description))
    return result


# --------------------------------------------------------------------------- atomic type facts


def atomic_root(data_type):
    """(ROOT, precision, scale) of an AtomicType; ROOT as in Java's DataTypeRoot, shortened."""
    text = data_type.type.upper()
    m = re.fullmatch(r"([A-Z_]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*(.*)", text)
    if not m:
        raise JudgeError("unsupported type %s" % data_type.type)
    name, p1, p2, tail = m.group(1), m.group(2), m.group(3), m.group(4)
    p1 = int(p1) if p1 is not None else None
    p2 = int(p2) if p2 is not None else None
    if name == "INTEGER":
        name = "INT"
    if name == "TIMESTAMP" and "LOCAL TIME ZONE" in tail:
        name = "TIMESTAMP_LTZ"
    if name in ("STRING", "VARCHAR", "CHAR"):
        return "STRING", p1, None
    if name in ("BYTES", "VARBINARY", "BINARY"):
        return "BINARY", p1, None
    if name == "DECIMAL":
        return "DECIMAL", 10 if p1 is None else p1, 0 if p2 is None else p2
    if name == "TIME":
        return "TIME", 0 if p1 is None else p1, None
    if name in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        return name, 6 if p1 is None else p1, None
    return name, p1, p2


INT_RANGES = {
    "TINYINT": (-(1 << 7), (1 << 7) - 1),
    "SMALLINT": (-(1 << 15), (1 << 15) - 1),
    "INT": (-(1 << 31), (1 << 31) - 1),
    "BIGINT": (-(1 << 63), (1 << 63) - 1),
}

EPOCH = datetime.datetime(1970, 1, 1)
EPOCH_DATE = datetime.date(1970, 1, 1)
NANOS_PER_DAY = 86400 * 10 ** 9


def type_sql(data_type):
    return str(data_type)


# --------------------------------------------------------------------------- JSON -> arrow values


def bad(where, data_type, value, expected):
    shown = json.dumps(value, default=str, ensure_ascii=False)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return JudgeError("%s: expected %s for %s, got %s" % (where, expected, type_sql(data_type), shown))


def _text(v, data_type, where):
    if not isinstance(v, str):
        raise bad(where, data_type, v, "a JSON string")
    return v


def _integral(v, data_type, where, root):
    if isinstance(v, bool):
        raise bad(where, data_type, v, "an integer")
    if isinstance(v, int):
        n = v
    elif isinstance(v, str) and re.fullmatch(r"[+-]?\d+", v.strip()):
        n = int(v.strip())
    else:
        raise bad(where, data_type, v, "an integer")
    low, high = INT_RANGES[root]
    if not low <= n <= high:
        raise bad(where, data_type, v, "an integer in range")
    return n


def _floating(v, data_type, where, root):
    if isinstance(v, bool):
        raise bad(where, data_type, v, "a number")
    if isinstance(v, (int, decimal.Decimal)):
        # The Java judge reads JSON numbers as BigDecimal: no negative zero.
        x = float(v)
        if x == 0.0:
            x = 0.0
    elif isinstance(v, str):
        special = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
        if v in special:
            x = special[v]
        else:
            try:
                x = float(v.strip())
            except ValueError:
                raise bad(where, data_type, v, "a number") from None
    else:
        raise bad(where, data_type, v, "a number")
    if root == "FLOAT":
        x = _to_float32(x)
    return x


FLOAT_MAX = struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0]


def _to_float32(x):
    """Rounds a double to the nearest float (like Java's (float) cast)."""
    if math.isfinite(x) and abs(x) > FLOAT_MAX:
        # Halfway to 2^128 and beyond rounds to infinity (ties to even).
        if abs(x) < FLOAT_MAX + 2.0 ** 103:
            return math.copysign(FLOAT_MAX, x)
        return math.copysign(math.inf, x)
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _decimal(v, data_type, where, precision, scale):
    if isinstance(v, bool):
        raise bad(where, data_type, v, "a decimal string")
    try:
        if isinstance(v, (int, decimal.Decimal)):
            d = decimal.Decimal(v)
        elif isinstance(v, str):
            d = decimal.Decimal(v.strip())
        else:
            raise decimal.InvalidOperation()
        if not d.is_finite():
            raise decimal.InvalidOperation()
        ctx = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
        d = d.quantize(decimal.Decimal(1).scaleb(-scale), context=ctx)
    except decimal.InvalidOperation:
        raise bad(where, data_type, v, "a decimal string") from None
    if len(d.as_tuple().digits) > precision and d != 0:
        raise bad(where, data_type, v, "a value that fits")
    if d == 0:
        d = abs(d)
    return d


def _parse_fraction(fraction):
    """'.123' -> nanoseconds."""
    if not fraction:
        return 0
    digits = fraction[1:]
    if not 1 <= len(digits) <= 9:
        raise ValueError("fraction")
    return int(digits.ljust(9, "0"))


def _time_millis(v, data_type, where):
    s = _text(v, data_type, where)
    m = re.fullmatch(r"(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?", s)
    try:
        if not m:
            raise ValueError(s)
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h > 23 or mi > 59 or sec > 59:
            raise ValueError(s)
        nanos = _parse_fraction(m.group(4))
    except ValueError:
        raise bad(where, data_type, v, "'HH:MM:SS[.fff]'") from None
    return ((h * 60 + mi) * 60 + sec) * 1000 + nanos // 1_000_000


def _date_days(text):
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text)
    if not m:
        raise ValueError(text)
    d = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return (d - EPOCH_DATE).days


def _local_datetime_nanos(text):
    """ISO local date-time ('T' or ' ' separator, 0-9 fraction digits) or a bare date."""
    s = text.strip()
    if len(s) == 10:
        return _date_days(s) * NANOS_PER_DAY
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?", s)
    if not m:
        raise ValueError(text)
    h, mi, sec = int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
    if h > 23 or mi > 59 or sec > 59:
        raise ValueError(text)
    seconds = _date_days(m.group(1)) * 86400 + (h * 60 + mi) * 60 + sec
    return seconds * 10 ** 9 + _parse_fraction(m.group(5))


def _timestamp_nanos(v, data_type, where, ltz):
    s = _text(v, data_type, where).strip()
    try:
        if ltz:
            m = re.fullmatch(r"(.*?)(Z|[+-]\d\d:?\d\d)", s)
            if m:
                offset = m.group(2)
                offset_nanos = 0
                if offset != "Z":
                    sign = -1 if offset[0] == "-" else 1
                    digits = offset[1:].replace(":", "")
                    offset_nanos = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 10 ** 9
                if len(m.group(1).strip()) == 10:
                    raise ValueError(s)
                return _local_datetime_nanos(m.group(1)) - offset_nanos
        return _local_datetime_nanos(s)
    except ValueError:
        expected = "'YYYY-MM-DD HH:MM:SS[.fffffffff]'"
        if ltz:
            expected = "'YYYY-MM-DD HH:MM:SS[.f...]' (UTC) or with Z/offset"
        raise bad(where, data_type, v, expected) from None


UNIT_NANOS = {"s": 10 ** 9, "ms": 10 ** 6, "us": 10 ** 3, "ns": 1}


def to_arrow_value(v, data_type, arrow_type, where):
    """Converts one JSON value (parsed with Decimal floats) to what pyarrow takes for arrow_type."""
    from pypaimon.schema.data_types import (ArrayType, MapType, MultisetType,
                                            RowType)
    if v is None:
        if not data_type.nullable:
            raise JudgeError("%s: null in a NOT NULL field of type %s" % (where, type_sql(data_type)))
        return None
    if isinstance(data_type, ArrayType):
        if not isinstance(v, list):
            raise bad(where, data_type, v, "a JSON array")
        element_arrow = arrow_type.value_type
        return [to_arrow_value(item, data_type.element, element_arrow, "%s[%d]" % (where, i))
                for i, item in enumerate(v)]
    if isinstance(data_type, (MapType, MultisetType)):
        if isinstance(data_type, MapType):
            key_type, value_type = data_type.key, data_type.value
        else:
            raise JudgeError("%s: MULTISET is not supported by pypaimon 2.1.0" % where)
        return _to_arrow_map(v, data_type, key_type, value_type, arrow_type, where)
    if isinstance(data_type, RowType):
        fields = data_type.fields
        if isinstance(v, list):
            if len(v) != len(fields):
                raise bad(where, data_type, v, "%d values" % len(fields))
            values = v
        elif isinstance(v, dict):
            names = [f.name for f in fields]
            for key in v:
                if key not in names:
                    raise JudgeError("%s: unknown nested field '%s'" % (where, key))
            values = [v.get(f.name) for f in fields]
        else:
            raise bad(where, data_type, v, "a JSON object")
        return {f.name: to_arrow_value(value, f.type, arrow_type.field(i).type,
                                       "%s.%s" % (where, f.name))
                for i, (f, value) in enumerate(zip(fields, values))}
    root, p1, p2 = atomic_root(data_type)
    if root == "STRING":
        return _text(v, data_type, where)
    if root == "BOOLEAN":
        if isinstance(v, bool):
            return v
        if v in ("true", "false"):
            return v == "true"
        raise bad(where, data_type, v, "true or false")
    if root == "BINARY":
        s = _text(v, data_type, where)
        try:
            stripped = s.rstrip("=")
            return base64.b64decode(stripped + "=" * (-len(stripped) % 4), validate=True)
        except ValueError:
            raise bad(where, data_type, v, "a base64 string") from None
    if root == "DECIMAL":
        return _decimal(v, data_type, where, p1, p2)
    if root in INT_RANGES:
        return _integral(v, data_type, where, root)
    if root in ("FLOAT", "DOUBLE"):
        return _floating(v, data_type, where, root)
    if root == "DATE":
        try:
            return EPOCH_DATE + datetime.timedelta(days=_date_days(_text(v, data_type, where)))
        except (ValueError, OverflowError):
            raise bad(where, data_type, v, "'YYYY-MM-DD'") from None
    if root == "TIME":
        millis = _time_millis(v, data_type, where)
        if arrow_type.unit == "ms":
            return millis
        return millis * (1000 if arrow_type.unit == "us" else 1_000_000)
    if root in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        nanos = _timestamp_nanos(v, data_type, where, root == "TIMESTAMP_LTZ")
        return nanos // UNIT_NANOS[arrow_type.unit]
    raise JudgeError("%s: type %s is not supported by pyjudge" % (where, type_sql(data_type)))


def _to_arrow_map(v, data_type, key_type, value_type, arrow_type, where):
    key_arrow, value_arrow = arrow_type.key_type, arrow_type.item_type
    pairs = []
    if isinstance(v, dict):
        for key, value in v.items():
            w = "%s{%s}" % (where, key)
            pairs.append((to_arrow_value(key, key_type, key_arrow, w),
                          to_arrow_value(value, value_type, value_arrow, w)))
    elif isinstance(v, list):
        for i, pair in enumerate(v):
            w = "%s[%d]" % (where, i)
            if not isinstance(pair, list) or len(pair) != 2:
                raise bad(w, data_type, pair, "a [key, value] pair")
            pairs.append((to_arrow_value(pair[0], key_type, key_arrow, w),
                          to_arrow_value(pair[1], value_type, value_arrow, w)))
    else:
        raise bad(where, data_type, v, "a JSON object or an array of [key, value] pairs")
    # Like a Java map: a repeated key keeps its first position and its last value.
    merged = {}
    for key, value in pairs:
        merged[_hashable(key)] = (key, value) if _hashable(key) not in merged else (
            merged[_hashable(key)][0], value)
    return list(merged.values())


def _hashable(value):
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


# --------------------------------------------------------------------------- values -> JSON text


class Raw:
    """A JSON token printed as is (numbers in Java's notation)."""

    def __init__(self, text):
        self.text = text


def _significant_digits(text):
    digits = "".join(str(d) for d in decimal.Decimal(text).as_tuple().digits)
    return digits.strip("0") or "0"


def _shortest_digits(x, single):
    """(digits, exponent of the first digit): the shortest decimal that reads back to x."""
    if single:
        text = None
        for length in range(1, 10):
            candidate = "%.*e" % (length - 1, x)
            if _to_float32(float(candidate)) == x:
                text = candidate
                break
    else:
        text = repr(x)
    if len(_significant_digits(text)) == 1:
        # Java also considers two digits when one would do, and takes the one closer to x:
        # Double.MIN_VALUE is 4.9E-324, not 5.0E-324.
        text = "%.1e" % x
    _, digit_tuple, exponent = decimal.Decimal(text).as_tuple()
    digits = "".join(str(d) for d in digit_tuple)
    return digits, len(digits) - 1 + exponent


def _jdk17_integer_digits(x, single):
    """JDK 17 prints integral values below 2^63 from their exact integer value, keeping as
    many digits as the power of two beyond the significand allows (FloatingDecimal's integer
    fast path), so it is not always the shortest form: 2.82879384806159E17 prints as
    2.82879384806159008E17, the float 2.285692E9 as 2.2856919E9. Returns None for other values.
    """
    if single:
        bits = struct.unpack("<I", struct.pack("<f", x))[0]
        biased, fraction, width, bias = (bits >> 23) & 0xFF, bits & ((1 << 23) - 1), 24, 127
    else:
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        biased, fraction, width, bias = (bits >> 52) & 0x7FF, bits & ((1 << 52) - 1), 53, 1023
    if biased == 0:
        return None  # subnormal
    bin_exp = biased - bias
    significand = fraction | (1 << (width - 1))
    trailing_zeros = (significand & -significand).bit_length() - 1
    significant_bits = width - trailing_zeros
    if not 0 <= bin_exp <= 62 or significant_bits - bin_exp - 1 > 0:
        return None  # not an integer below 2^63
    value = significand << (bin_exp - width + 1) if bin_exp >= width - 1 \
        else significand >> (width - 1 - bin_exp)
    insignificant = 0
    if bin_exp > width and bin_exp - width - 1 > 1:
        insignificant = int((bin_exp - width - 1) * math.log10(2))
    if insignificant:
        pow10 = 10 ** insignificant
        value, residue = divmod(value, pow10)
        if residue >= pow10 // 2:
            value += 1
    digits = str(value)
    return digits, len(digits) - 1 + insignificant


def java_float_text(x, single):
    """Float.toString / Double.toString of x as the JDK that runs the Java judge prints it.

    The digits are the shortest that read back to x (Java's specification, exact on JDK 19+);
    with PYJUDGE_JAVA_FLOATS unset or "17", integral values below 2^63 follow JDK 17's
    integer path (see _jdk17_integer_digits). JDK 17 still differs in rare cases (about 1 in
    10^4 random bit patterns: 1e23 prints as 9.999999999999999E22, 2e23 as
    1.9999999999999998E23, some floats near 1E25 end one lower); both forms read back to
    the same value.
    """
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    result = None
    if os.environ.get("PYJUDGE_JAVA_FLOATS", "17") == "17":
        result = _jdk17_integer_digits(abs(x), single)
    digits, sci = result if result is not None else _shortest_digits(abs(x), single)
    digits = digits.rstrip("0") or "0"
    prefix = "-" if x < 0 else ""
    if 1e-3 <= abs(x) < 1e7:
        if sci >= 0:
            integer = digits[:sci + 1].ljust(sci + 1, "0")
            fraction = digits[sci + 1:] or "0"
        else:
            integer = "0"
            fraction = "0" * (-sci - 1) + digits
        return "%s%s.%s" % (prefix, integer, fraction)
    return "%s%s.%sE%d" % (prefix, digits[0], digits[1:] or "0", sci)


def _epoch_nanos(value):
    """Nanoseconds since the epoch of a datetime/pandas Timestamp as pyarrow returns them."""
    if hasattr(value, "nanosecond") and hasattr(value, "value"):
        return int(value.value)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 10 ** 9 + delta.microseconds * 1000


def _fraction(nanos, precision):
    if precision <= 0:
        return ""
    return "." + ("%09d" % nanos)[:precision]


def _format_time_of_day(nanos_of_day, precision):
    seconds, nanos = divmod(nanos_of_day, 10 ** 9)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "%02d:%02d:%02d%s" % (h, m, s, _fraction(nanos, precision))


def _format_date(days):
    d = EPOCH_DATE + datetime.timedelta(days=days)
    return d.isoformat()


def to_json_value(value, data_type):
    """A Python value from pyarrow -> JSON-ready value (Raw for floats) by the Paimon type."""
    from pypaimon.schema.data_types import (ArrayType, MapType, MultisetType,
                                            RowType)
    if value is None:
        return None
    if isinstance(data_type, ArrayType):
        return [to_json_value(item, data_type.element) for item in value]
    if isinstance(data_type, (MapType, MultisetType)):
        if isinstance(data_type, MapType):
            key_type, value_type = data_type.key, data_type.value
        else:
            from pypaimon.schema.data_types import AtomicType
            key_type, value_type = data_type.element, AtomicType("INT")
        pairs = list(value.items()) if isinstance(value, dict) else list(value)
        if isinstance(key_type, RowType) or atomic_root_or_none(key_type) != "STRING":
            return [[to_json_value(k, key_type), to_json_value(v, value_type)] for k, v in pairs]
        return {("null" if k is None else k): to_json_value(v, value_type) for k, v in pairs}
    if isinstance(data_type, RowType):
        if isinstance(value, dict):
            return {f.name: to_json_value(value.get(f.name), f.type) for f in data_type.fields}
        return {f.name: to_json_value(v, f.type) for f, v in zip(data_type.fields, value)}
    root, p1, p2 = atomic_root(data_type)
    if root == "STRING":
        return value
    if root == "BOOLEAN":
        return bool(value)
    if root == "BINARY":
        return base64.b64encode(bytes(value)).decode("ascii")
    if root == "DECIMAL":
        d = decimal.Decimal(value)
        d = d.quantize(decimal.Decimal(1).scaleb(-p2), context=decimal.Context(prec=200))
        if d == 0:
            d = abs(d)
        return "{:f}".format(d)
    if root in INT_RANGES:
        return int(value)
    if root in ("FLOAT", "DOUBLE"):
        x = float(value)
        text = java_float_text(x, root == "FLOAT")
        return Raw(text) if math.isfinite(x) else text
    if root == "DATE":
        if isinstance(value, int):
            return _format_date(value)
        return value.isoformat()
    if root == "TIME":
        if isinstance(value, int):
            nanos = value * 1_000_000
        else:
            nanos = ((value.hour * 60 + value.minute) * 60 + value.second) * 10 ** 9 \
                + value.microsecond * 1000
        # Paimon keeps milliseconds.
        nanos -= nanos % 1_000_000
        return _format_time_of_day(nanos, p1)
    if root in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        nanos = _epoch_nanos(value)
        days, nanos_of_day = divmod(nanos, NANOS_PER_DAY)
        return "%s %s" % (_format_date(days), _format_time_of_day(nanos_of_day, p1))
    return str(value)


def atomic_root_or_none(data_type):
    from pypaimon.schema.data_types import AtomicType
    if isinstance(data_type, AtomicType):
        return atomic_root(data_type)[0]
    return None


def _escape_json_string(s):
    """Jackson's escaping: \\" \\\\ \\b \\t \\n \\f \\r, other controls as \\u00XX, rest as is."""
    out = ['"']
    for c in s:
        code = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif code < 0x20:
            short = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(code)
            out.append(short if short else "\\u%04X" % code)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def dump_json(value):
    """Compact JSON like Jackson's JsonNode.toString()."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _escape_json_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(_escape_json_string(str(k)) + ":" + dump_json(v)
                              for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dump_json(v) for v in value) + "]"
    raise TypeError("cannot print %r" % (value,))


def java_sort_key(line):
    """Java's String.compareTo order: UTF-16 code units."""
    return line.encode("utf-16-be", "surrogatepass")


# --------------------------------------------------------------------------- catalog helpers


def catalog(warehouse):
    from pypaimon import CatalogFactory
    location = warehouse
    if "://" not in location:
        location = os.path.abspath(location)
    return CatalogFactory.create({"warehouse": location})


def split_identifier(name):
    parts = name.split(".")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise JudgeError("table must be given as DB.TABLE, got '%s'" % name)
    return parts[0], parts[1]


def get_table(cat, name):
    from pypaimon.catalog.catalog_exception import (DatabaseNotExistException,
                                                    TableNotExistException)
    split_identifier(name)
    try:
        return cat.get_table(name)
    except (TableNotExistException, DatabaseNotExistException):
        raise JudgeError("table %s does not exist" % name) from None


def dynamic_options(option_args):
    result = {}
    for kv in option_args or []:
        if "=" not in kv or kv.index("=") == 0:
            raise JudgeError("--option expects KEY=VALUE, got '%s'" % kv)
        key, value = kv.split("=", 1)
        result[key] = value
    return result


def table_fields(table):
    return table.table_schema.fields


# --------------------------------------------------------------------------- create


def cmd_create(args):
    from pypaimon.catalog.catalog_exception import TableAlreadyExistException
    from pypaimon.schema.data_types import DataField
    from pypaimon.schema.schema import Schema
    try:
        with open(args.spec, "rb") as f:
            spec = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        raise JudgeError("cannot read SPEC %s: %s" % (args.spec, e)) from None
    if not isinstance(spec, dict):
        raise JudgeError("SPEC must be a JSON object")
    known = {"columns", "primaryKeys", "primary_keys", "partitionKeys", "partition_keys",
             "options", "comment"}
    for key in spec:
        if key not in known:
            raise JudgeError("SPEC: unknown field '%s'" % key)
    columns = spec.get("columns")
    if not isinstance(columns, list) or not columns:
        raise JudgeError("SPEC: 'columns' must be a non-empty array")
    fields = []
    for column in columns:
        name = column.get("name") if isinstance(column, dict) else None
        type_text = column.get("type") if isinstance(column, dict) else None
        if not isinstance(name, str) or not isinstance(type_text, str):
            raise JudgeError("SPEC: every column needs string 'name' and 'type'")
        try:
            data_type = parse_type(type_text)
        except JudgeError as e:
            raise JudgeError("SPEC: column %s: %s" % (name, e)) from None
        comment = column.get("comment")
        fields.append(DataField(0, name, data_type, None if comment is None else str(comment)))
    fields = assign_field_ids(fields)

    def string_list(key, alt_key):
        value = spec.get(key) if key in spec else spec.get(alt_key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise JudgeError("SPEC: '%s' must be an array of column names" % key)
        return [str(v) for v in value]

    options = {}
    raw_options = spec.get("options")
    if raw_options is not None:
        if not isinstance(raw_options, dict):
            raise JudgeError("SPEC: 'options' must be an object")
        for key, value in raw_options.items():
            if isinstance(value, str):
                options[key] = value
            elif isinstance(value, bool):
                options[key] = "true" if value else "false"
            else:
                options[key] = dump_json(value) if not isinstance(value, decimal.Decimal) else str(value)
    comment = spec.get("comment")
    schema = Schema(fields=fields,
                    partition_keys=string_list("partitionKeys", "partition_keys"),
                    primary_keys=string_list("primaryKeys", "primary_keys"),
                    options=options,
                    comment=None if comment is None else str(comment))
    db, _ = split_identifier(args.table)
    cat = catalog(args.warehouse)
    cat.create_database(db, True)
    try:
        cat.create_table(args.table, schema, args.if_not_exists)
    except TableAlreadyExistException:
        raise JudgeError("table %s already exists" % args.table) from None


# --------------------------------------------------------------------------- write


class _RowKindPatch:
    """Makes pypaimon's row_kinds() answer one kind for every row of the current write call."""

    def __init__(self):
        import pypaimon.write.row_kind as row_kind_module
        self.module = row_kind_module
        self.original = row_kind_module.row_kinds
        self.kind = 0

    def __enter__(self):
        def row_kinds(options, data):
            return [self.kind] * data.num_rows
        self.module.row_kinds = row_kinds
        return self

    def __exit__(self, *exc):
        self.module.row_kinds = self.original
        return False


def _read_input_lines(path):
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise JudgeError("cannot read %s: %s" % (path, e)) from None
    # Lines end at \n, \r or \r\n, as in Java's readLine; str.splitlines() would also split
    # at U+2028 and friends, which JSON strings may hold unescaped.
    return re.split(r"\r\n|\r|\n", data.decode("utf-8"))


def _partition_spec(text, table):
    """'k=v,...' -> {k: value typed like the partition column}."""
    from pypaimon.schema.data_types import PyarrowFieldParser
    spec = {}
    if not text.strip():
        return spec
    fields = {f.name: f for f in table.table_schema.fields}
    for part in text.split(","):
        if "=" not in part or part.index("=") == 0:
            raise JudgeError("--overwrite expects k=v,..., got '%s'" % text)
        key, value = (s.strip() for s in part.split("=", 1))
        if key not in table.partition_keys:
            raise JudgeError("--overwrite: '%s' is not a partition key" % key)
        field = fields[key]
        arrow_type = PyarrowFieldParser.from_paimon_type(field.type)
        spec[key] = to_arrow_value(value, field.type, arrow_type, "--overwrite " + key)
    return spec


def cmd_write(args):
    import pyarrow as pa
    from pypaimon.schema.data_types import PyarrowFieldParser
    cat = catalog(args.warehouse)
    table = get_table(cat, args.table)
    options = dynamic_options(args.option)
    if options:
        table = table.copy(options)
    fields = table_fields(table)
    names = [f.name for f in fields]
    kind_field = args.row_kind_field
    if kind_field is not None and kind_field in names:
        raise JudgeError("--row-kind-field %s is a column of the table" % kind_field)
    arrow_schema = PyarrowFieldParser.from_paimon_schema(fields)
    source = "stdin" if args.input == "-" else args.input

    rows = []  # (kind, [value per column])
    for line_no, line in enumerate(_read_input_lines(args.input), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_float=decimal.Decimal)
        except ValueError as e:
            raise JudgeError("%s line %d: not JSON: %s" % (source, line_no, e)) from None
        try:
            if not isinstance(obj, dict):
                raise JudgeError("each line must be a JSON object")
            for key in obj:
                if key != kind_field and key not in names:
                    raise JudgeError("unknown column '%s'" % key)
            # Like the Java judge: convert every column first, check NOT NULL afterwards.
            values = [None if obj.get(f.name) is None else
                      to_arrow_value(obj[f.name], f.type, arrow_schema.field(i).type, f.name)
                      for i, f in enumerate(fields)]
            for f, value in zip(fields, values):
                if value is None and not f.type.nullable:
                    raise JudgeError("Cannot write null to non-null column(%s)" % f.name)
            kind = "+I"
            if kind_field is not None and obj.get(kind_field) is not None:
                kind = obj[kind_field]
                if kind not in ROW_KINDS:
                    raise JudgeError("row kind must be one of +I, -U, +U, -D, got '%s'" % kind)
        except JudgeError as e:
            raise JudgeError("%s line %d: %s" % (source, line_no, e)) from None
        rows.append((kind, values))

    raw_options = table.options.options.to_map()
    ignore_delete = str(raw_options.get("ignore-delete", "false")).lower() == "true"
    if ignore_delete:
        rows = [r for r in rows if r[0] in ("+I", "+U")]
    if not table.is_primary_key_table:
        for kind, _ in rows:
            if kind in ("-U", "-D"):
                raise JudgeError("append table: cannot write row kind %s (configure 'ignore-delete'"
                                 " to drop retractions)" % kind)

    builder = table.new_batch_write_builder()
    if args.overwrite is not None:
        builder.overwrite(_partition_spec(args.overwrite, table))
    if not rows:
        return
    # Consecutive rows of one kind go into one write call.
    runs = []
    for kind, values in rows:
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(values)
        else:
            runs.append((kind, [values]))
    write = builder.new_write()
    commit = builder.new_commit()
    try:
        with _RowKindPatch() as patch:
            for kind, run in runs:
                columns = [pa.array([r[i] for r in run], type=arrow_schema.field(i).type)
                           for i in range(len(fields))]
                patch.kind = ROW_KINDS.index(kind)
                write.write_arrow(pa.Table.from_arrays(columns, schema=arrow_schema))
            messages = write.prepare_commit()
        commit.commit(messages)
    finally:
        write.close()
        commit.close()


# --------------------------------------------------------------------------- read


def _projected_fields(fields, projection):
    if projection is None:
        return list(fields), None
    names = [n.strip() for n in projection.split(",") if n.strip()]
    by_name = {f.name: f for f in fields}
    for n in names:
        if n not in by_name:
            raise JudgeError("--projection: unknown column '%s'" % n)
    return [by_name[n] for n in names], names


def _time_travel_options(args, table):
    options = dynamic_options(args.option)
    if args.snapshot is not None and args.tag is not None:
        raise JudgeError("read: give --snapshot or --tag, not both")
    if args.snapshot is not None:
        try:
            snapshot_id = int(args.snapshot.strip())
        except ValueError:
            raise JudgeError("--snapshot must be an integer, got '%s'" % args.snapshot) from None
        if table.snapshot_manager().get_snapshot_by_id(snapshot_id) is None:
            raise JudgeError("snapshot %d does not exist" % snapshot_id)
        options["scan.snapshot-id"] = str(snapshot_id)
    if args.tag is not None:
        if not table.tag_manager().tag_exists(args.tag):
            raise JudgeError("tag '%s' does not exist" % args.tag)
        options["scan.tag-name"] = args.tag
    return options


def _print_rows(arrow_table, fields, kind_column, args):
    lines = []
    if arrow_table is not None and arrow_table.num_rows > 0:
        columns = [arrow_table.column(f.name).to_pylist() for f in fields]
        kinds = arrow_table.column(kind_column).to_pylist() if kind_column else None
        for i in range(arrow_table.num_rows):
            obj = {}
            if kinds is not None:
                obj[ROW_KIND_COLUMN] = kinds[i]
            for f, column in zip(fields, columns):
                obj[f.name] = to_json_value(column[i], f.type)
            lines.append(dump_json(obj))
    if args.sort:
        lines.sort(key=java_sort_key)
    out = sys.stdout
    for line in lines:
        out.write(line)
        out.write("\n")


def cmd_read(args):
    cat = catalog(args.warehouse)
    table = get_table(cat, args.table)
    options = _time_travel_options(args, table)
    if options:
        table = table.copy(options)
    fields, names = _projected_fields(table_fields(table), args.projection)
    if args.with_row_kind and any(f.name == ROW_KIND_COLUMN for f in fields):
        raise JudgeError("table has a column named %s" % ROW_KIND_COLUMN)
    builder = table.new_read_builder()
    if names is not None:
        builder = builder.with_projection(names)
    read = builder.new_read()
    read.include_row_kind = bool(args.with_row_kind)
    splits = builder.new_scan().plan().splits()
    arrow_table = read.to_arrow(splits)
    from pypaimon.read.table_read import ROW_KIND_COLUMN as PY_ROW_KIND
    _print_rows(arrow_table, fields, PY_ROW_KIND if args.with_row_kind else None, args)


def cmd_rust_read(args):
    import pyarrow as pa
    from pypaimon_rust.datafusion import PaimonCatalog
    cat = catalog(args.warehouse)
    table = get_table(cat, args.table)
    options = _time_travel_options(args, table)
    if options:
        table = table.copy(options)
    fields, names = _projected_fields(table_fields(table), args.projection)
    if args.with_row_kind and any(f.name == ROW_KIND_COLUMN for f in fields):
        raise JudgeError("table has a column named %s" % ROW_KIND_COLUMN)
    location = args.warehouse if "://" in args.warehouse else os.path.abspath(args.warehouse)
    rust_table = PaimonCatalog({"warehouse": location}).get_table(args.table)
    builder = rust_table.new_read_builder(options or None)
    if names is not None:
        builder = builder.with_projection(names)
    if args.with_row_kind:
        builder = builder.with_include_row_kind(True)
    splits = builder.new_scan().plan().splits()
    batches = [b for b in builder.new_read().read(splits) if b.num_rows > 0]
    arrow_table = pa.Table.from_batches(batches) if batches else None
    _print_rows(arrow_table, fields, "rowkind" if args.with_row_kind else None, args)


# --------------------------------------------------------------------------- main


def _parser():
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            raise JudgeError(message)

    parser = Parser(prog="pyjudge", add_help=True)
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    sub.required = True

    create = sub.add_parser("create")
    create.add_argument("warehouse")
    create.add_argument("table")
    create.add_argument("spec")
    create.add_argument("--if-not-exists", action="store_true")

    write = sub.add_parser("write")
    write.add_argument("warehouse")
    write.add_argument("table")
    write.add_argument("input")
    write.add_argument("--row-kind-field")
    write.add_argument("--overwrite")
    write.add_argument("--option", action="append")

    for name in ("read", "rust-read"):
        read = sub.add_parser(name)
        read.add_argument("warehouse")
        read.add_argument("table")
        read.add_argument("--snapshot")
        read.add_argument("--tag")
        read.add_argument("--projection")
        read.add_argument("--with-row-kind", action="store_true")
        read.add_argument("--sort", action="store_true")
        read.add_argument("--option", action="append")
    return parser


def _describe(error):
    if isinstance(error, JudgeError):
        message = str(error)
    else:
        parts = []
        seen = set()
        e = error
        while e is not None and id(e) not in seen:
            seen.add(id(e))
            parts.append("%s: %s" % (type(e).__name__, e))
            e = e.__cause__ or e.__context__
        message = "; caused by ".join(parts)
    return " ".join(message.split())


def main(argv):
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    sys.stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False, newline="\n")
    commands = {"create": cmd_create, "write": cmd_write, "read": cmd_read,
                "rust-read": cmd_rust_read}
    try:
        args = _parser().parse_args(argv)
        commands[args.command](args)
        sys.stdout.flush()
        return 0
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0
    except BaseException as e:  # noqa: B902 - every failure becomes one line
        sys.stdout.flush()
        sys.stderr.write("pyjudge: %s\n" % _describe(e))
        if os.environ.get("PYJUDGE_DEBUG"):
            import traceback
            traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
