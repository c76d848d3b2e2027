//! A short, seeded smoke run of every decoder on random and mutated bytes (the fuzz targets in
//! `fuzz/` run the same decoders for minutes under libFuzzer). Each decoder gets 20,000 inputs:
//! half random, half real Java/pypaimon files from `testdata/fixtures` with random byte flips,
//! insertions, deletions and truncations. Decoding must return a value or an error, never panic.
//!
//! `STRATA_SEED=N` replays a run (the seed is printed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use strata_spec::manifest::{decode_index_manifest, decode_manifest, decode_manifest_list};
use strata_spec::snapshot::parse_hint;
use strata_spec::{binary_row, Consumer, DataType, Snapshot, TableSchema};

const INPUTS: usize = 20_000;

/// xorshift64*: no dependency, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn seed() -> u64 {
    let s = std::env::var("STRATA_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_2026);
    eprintln!("seed: {s} (replay with STRATA_SEED={s})");
    s | 1
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/fixtures")
}

fn collect(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<Vec<u8>>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, keep, out);
        } else if keep(&p) {
            out.push(std::fs::read(&p).unwrap());
        }
    }
}

fn corpus(keep: &dyn Fn(&Path) -> bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    collect(&fixtures(), keep, &mut out);
    assert!(!out.is_empty(), "no fixture files matched");
    out
}

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(5) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(v.len() + 1);
                let n = rng.below(8) + 1;
                let extra = rng.bytes(n);
                v.splice(i..i, extra);
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                let n = rng.below(v.len() - i).min(16) + 1;
                v.drain(i..(i + n).min(v.len()));
            }
            _ => {
                let keep = rng.below(v.len() + 1);
                v.truncate(keep);
            }
        }
    }
    v
}

/// Runs `decode` on INPUTS inputs; returns how many decoded without error.
fn run(name: &str, corpus: &[Vec<u8>], decode: &dyn Fn(&[u8]) -> bool) -> usize {
    let mut rng = Rng(seed() ^ name.len() as u64);
    let mut ok = 0;
    for i in 0..INPUTS {
        let input = if i % 2 == 0 {
            let len = rng.below(256);
            rng.bytes(len)
        } else {
            let pick = rng.below(corpus.len());
            mutate(&mut rng, &corpus[pick])
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode(&input)));
        match outcome {
            Ok(true) => ok += 1,
            Ok(false) => {}
            Err(_) => panic!(
                "{name} panicked on input #{i} ({} bytes): {:02x?}",
                input.len(),
                &input[..input.len().min(64)]
            ),
        }
    }
    eprintln!("{name}: {INPUTS} inputs, {ok} decoded, none panicked");
    ok
}

#[test]
fn manifest_decoders_never_panic() {
    let files = corpus(&|p| p.to_string_lossy().contains("/manifest/"));
    // Unmutated fixtures decode: the corpus is real.
    assert!(files
        .iter()
        .any(|f| decode_manifest(f).is_ok() || decode_manifest_list(f).is_ok()));
    run("manifest decoders", &files, &|b| {
        let a = decode_manifest(b).is_ok();
        let l = decode_manifest_list(b).is_ok();
        let i = decode_index_manifest(b).is_ok();
        a || l || i
    });
}

#[test]
fn snapshot_and_schema_json_never_panic() {
    let files = corpus(&|p| {
        let s = p.to_string_lossy();
        s.contains("/snapshot/snapshot-") || s.contains("/schema/schema-")
    });
    let decoded = run("snapshot/schema JSON", &files, &|b| {
        let text = String::from_utf8_lossy(b);
        let s = Snapshot::from_json(&text).is_ok();
        let t = TableSchema::from_json(&text).is_ok();
        let _ = Consumer::from_json(&text);
        let _ = parse_hint(&text);
        s || t
    });
    assert!(decoded > 0, "some mutated files still decode");
}

#[test]
fn binary_row_decoding_never_panics() {
    let palette: Vec<DataType> = [
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
    ]
    .iter()
    .map(|t| DataType::parse(t).unwrap())
    .collect();
    let vectors: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("binary_row_vectors.json")).unwrap())
            .unwrap();
    let rows: Vec<Vec<u8>> = vectors["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["manifest_bytes_hex"].as_str())
        .map(|h| {
            (0..h.len() / 2)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    run("BinaryRow", &rows, &|b| {
        let Some((&selector, rest)) = b.split_first() else {
            return false;
        };
        let n = (selector & 0x3) as usize + 1;
        let types: Vec<DataType> = (0..n)
            .map(|i| palette[((selector as usize >> 2) + i * 5) % palette.len()].clone())
            .collect();
        let a = binary_row::deserialize(&types, rest).is_ok();
        let _ = binary_row::deserialize(&types, b);
        let _ = binary_row::decode(&types, rest);
        a
    });
}
