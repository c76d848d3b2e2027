//! The BinaryRow and bucket-hash vectors of the fixture corpus, each confirmed against
//! pypaimon's serializer and placement.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use strata_spec::binary_row::{self, BinaryRowBuilder};
use strata_spec::datum::parse_literal;
use strata_spec::hash::{bucket_of_hash, hash_binary_row};
use strata_spec::{DataType, Datum};

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/fixtures")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn datums(types: &[DataType], values: &[Value]) -> Vec<Datum> {
    types
        .iter()
        .zip(values)
        .map(|(t, v)| match v {
            Value::Null => Datum::Null,
            Value::String(s) => parse_literal(t, s).unwrap(),
            other => parse_literal(t, &other.to_string()).unwrap(),
        })
        .collect()
}

fn types_of(v: &Value) -> Vec<DataType> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| DataType::parse(t.as_str().unwrap()).unwrap())
        .collect()
}

#[test]
fn binary_row_vectors_encode_and_decode() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("binary_row_vectors.json")).unwrap(),
    )
    .unwrap();
    for row in doc["rows"].as_array().unwrap() {
        let types = types_of(&row["types"]);
        let values = datums(&types, row["values"].as_array().unwrap());
        let got = binary_row::serialize(&types, &values, false).unwrap();
        assert_eq!(
            hex(&got),
            row["manifest_bytes_hex"].as_str().unwrap(),
            "{row}"
        );
        assert_eq!(binary_row::deserialize(&types, &got).unwrap(), values);
    }
    for row in doc["java_null_layout"].as_array().unwrap() {
        let types = types_of(&row["types"]);
        let values = datums(&types, row["values"].as_array().unwrap());
        let java = binary_row::serialize(&types, &values, true).unwrap();
        assert_eq!(hex(&java), row["manifest_bytes_hex"].as_str().unwrap());
        let py = binary_row::serialize(&types, &values, false).unwrap();
        assert_eq!(hex(&py), row["pypaimon_bytes_hex"].as_str().unwrap());
        // both decode to the same values
        assert_eq!(binary_row::deserialize(&types, &java).unwrap(), values);
        assert_eq!(binary_row::deserialize(&types, &py).unwrap(), values);
    }
}

#[test]
fn bucket_hash_vectors() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("bucket_hash_vectors.json")).unwrap(),
    )
    .unwrap();
    for v in doc["vectors"].as_array().unwrap() {
        let types = types_of(&v["key_types"]);
        let values = datums(&types, v["key_values"].as_array().unwrap());
        let mut b = BinaryRowBuilder::new(types.len());
        for (i, (t, d)) in types.iter().zip(&values).enumerate() {
            b.set_datum(i, t, d, false).unwrap();
        }
        assert_eq!(
            hex(b.as_bytes()),
            v["binary_row_hex"].as_str().unwrap(),
            "{v}"
        );
        let h = hash_binary_row(b.as_bytes());
        assert_eq!(h as i64, v["hash"].as_i64().unwrap(), "{v}");
        assert_eq!(bucket_of_hash(h, 4) as i64, v["bucket_4"].as_i64().unwrap());
        assert_eq!(bucket_of_hash(h, 7) as i64, v["bucket_7"].as_i64().unwrap());
    }
}
