//! Manifest decoding (manifest files, manifest lists, index manifests; Avro containers): any
//! bytes give entries or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_spec::manifest::{decode_index_manifest, decode_manifest, decode_manifest_list};

fuzz_target!(|data: &[u8]| {
    let _ = decode_manifest(data);
    let _ = decode_manifest_list(data);
    let _ = decode_index_manifest(data);
});
