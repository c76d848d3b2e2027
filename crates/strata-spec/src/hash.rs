//! Paimon's bucket hash (spec §6.3): MurmurHash3 x86_32 with seed 42 over the BinaryRow of the
//! bucket key, then `abs(hash % buckets)` with Java's truncating remainder.
//!
//! `hash_bytes` also reproduces Java's non-standard tail handling (each of the last 1–3 bytes
//! sign-extended and mixed as a full word), which matters only for unaligned input; BinaryRows
//! are always 8-byte aligned.
//!
//! Reference: `org.apache.paimon.utils.MurmurHashUtils`, `KeyAndBucketExtractor#bucket`.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;
const SEED: u32 = 42;

fn mix_k1(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

fn mix_h1(h: u32, k: u32) -> u32 {
    (h ^ k)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn fmix(mut h: u32, len: usize) -> u32 {
    h ^= len as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Java's `MurmurHashUtils.hashUnsafeBytes` with seed 42, as a signed 32-bit value.
pub fn hash_bytes(data: &[u8]) -> i32 {
    let aligned = data.len() - data.len() % 4;
    let mut h = SEED;
    for c in data[..aligned].chunks_exact(4) {
        h = mix_h1(h, mix_k1(u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
    }
    for &b in &data[aligned..] {
        h = mix_h1(h, mix_k1(b as i8 as i32 as u32));
    }
    fmix(h, data.len()) as i32
}

/// The hash of a bare BinaryRow (no arity prefix), as `BinaryRow#hashCode` computes it.
pub fn hash_binary_row(row: &[u8]) -> i32 {
    hash_bytes(row)
}

/// `Math.abs(hash % num_buckets)` exactly as Java evaluates it.
pub fn bucket_of_hash(hash: i32, num_buckets: i32) -> i32 {
    if num_buckets <= 0 {
        return 0;
    }
    (hash % num_buckets).abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_values() {
        let cases: [(&str, u32); 7] = [
            ("", 142_593_372),
            ("a", 1_485_273_170),
            ("ab", 4_197_913_979),
            ("abc", 1_322_437_556),
            ("abcd", 3_898_664_396),
            ("abcde", 814_637_928),
            ("hello world", 2_766_131_202),
        ];
        for (s, want) in cases {
            assert_eq!(hash_bytes(s.as_bytes()) as u32, want, "{s:?}");
        }
    }

    #[test]
    fn java_remainder_semantics() {
        assert_eq!(bucket_of_hash(-1_873_221_036, 4), 0);
        assert_eq!(bucket_of_hash(-1_062_190_142, 7), 6);
        assert_eq!(bucket_of_hash(i32::MIN, 7), 2);
    }
}
