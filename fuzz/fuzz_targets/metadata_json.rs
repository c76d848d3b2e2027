//! Snapshot, schema and consumer JSON and the LATEST/EARLIEST hints: any text gives a value or
//! an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_spec::snapshot::parse_hint;
use strata_spec::{Consumer, Snapshot, TableSchema};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = Snapshot::from_json(text) {
        let _ = Snapshot::from_json(&s.to_json());
    }
    if let Ok(s) = TableSchema::from_json(text) {
        let _ = TableSchema::from_json(&s.to_json());
    }
    let _ = Consumer::from_json(text);
    let _ = parse_hint(text);
});
