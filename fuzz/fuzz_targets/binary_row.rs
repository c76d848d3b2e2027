//! BinaryRow decoding: the first byte picks the field types, the rest is a serialized row
//! (4-byte arity prefix, null bits, fixed part, variable part). Decoding must return a value or
//! an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_spec::binary_row;
use strata_spec::DataType;

const PALETTE: &[&str] = &[
    "INT",
    "BIGINT",
    "STRING",
    "BOOLEAN",
    "DOUBLE",
    "DECIMAL(10, 2)",
    "DECIMAL(38, 10)",
    "TIMESTAMP(3)",
    "TIMESTAMP(9)",
    "BYTES",
    "DATE",
    "ARRAY<INT>",
    "MAP<STRING, BIGINT>",
    "ROW<a INT, b STRING>",
    "TINYINT",
    "FLOAT",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let n = (selector & 0x3) as usize + 1;
    let types: Vec<DataType> = (0..n)
        .map(|i| {
            let pick = (selector as usize >> 2).wrapping_add(i * 5) % PALETTE.len();
            DataType::parse(PALETTE[pick]).expect("palette types parse")
        })
        .collect();
    let _ = binary_row::deserialize(&types, rest);
    let _ = binary_row::decode(&types, rest);
});
