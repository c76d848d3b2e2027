//! The byte-level unions of the bitmap and sketch aggregates, each one step of Java Paimon
//! 0.9's `agg(accumulator, input)` (both non-null) on serialized values:
//!
//! * `rbm32` (`FieldRoaringBitmap32Agg`): both values are RoaringBitmap portable images
//!   (the RoaringFormatSpec format Java's `RoaringBitmap.serialize` writes); the result is
//!   `acc | input`, run-optimized (`runOptimize`), in the same format.
//! * `hll_sketch` (`FieldHllSketchAgg` → `HllSketchUtil.union`): `Union.heapify(input)` (a
//!   union whose `lgMaxK` is the input's `lgK`), updated with `HllSketch.heapify(acc)`; the
//!   result is `getResult(HLL_4).toCompactByteArray()`.
//! * `theta_sketch` (`FieldThetaSketchAgg` → `ThetaSketch.union`): a default union (nominal
//!   entries 4096, seed 9001) of `acc` then `input`; the result is the ordered compact
//!   sketch (`getResult().toByteArray()`, serial version 3).
//!
//! This file depends only on the format crates (`roaring`, `datasketches`) so that it can be
//! checked on its own against Java's output. Checked so against the classes in Java Paimon
//! 0.9's bundle (RoaringBitmap, datasketches-java 4.2.0) on thousands of random chains of
//! unions: identical bytes, except that when HLL sketches of different `lgK` meet, the HIP
//! accumulator of an out-of-order result (a field no reader uses once that flag is set) can
//! differ. Theta values must be compact images (what Paimon writes), not updatable ones.
//!
//! `rbm64` is in [`rbm64`](super::rbm64): Java Paimon 0.9's `RoaringBitmap64` writes
//! `Roaring64Bitmap.serialize` of RoaringBitmap 1.0, a dump of its adaptive radix tree that
//! depends on the order of insertions, which that module models itself.

use datasketches::hll::{HllSketch, HllType, HllUnion};
use datasketches::theta::{CompactThetaSketch, ThetaUnionBuilder};
use roaring::RoaringBitmap;

/// A 32-bit roaring bitmap from its portable image.
pub(crate) fn rbm32_read(bytes: &[u8]) -> Result<RoaringBitmap, String> {
    RoaringBitmap::deserialize_from(bytes).map_err(|e| format!("not a 32-bit roaring bitmap: {e}"))
}

/// A bitmap as Java stores it: run-optimized, then the portable image.
pub(crate) fn rbm32_finish(mut bitmap: RoaringBitmap) -> Result<Vec<u8>, String> {
    bitmap.optimize();
    let mut out = Vec::with_capacity(bitmap.serialized_size());
    bitmap
        .serialize_into(&mut out)
        .map_err(|e| format!("writing a 32-bit roaring bitmap: {e}"))?;
    Ok(out)
}

/// One `hll_sketch` step, as `HllSketchUtil.union(acc, input)`.
///
/// Three details make the bytes those of Java:
/// * a compact SET image is laid out as Java's `heapify` lays it out (coupons inserted in image
///   order into a table that starts at 2^5 slots and doubles past 3/4 load), because the union
///   copies that table and the result lists coupons in table order;
/// * the out-of-order flag of an HLL-mode image is cleared before reading so that the HIP
///   accumulator is carried (and incremented by coupon merges) as Java carries it, and Java's
///   flag is set on the result afterwards;
/// * when both sides are in HLL mode Java keeps the input's (now meaningless) HIP accumulator,
///   where the crate writes zero.
pub(crate) fn hll_union(acc: &[u8], input: &[u8]) -> Result<Vec<u8>, String> {
    let acc_head = HllHead::of(acc)?;
    let input_head = HllHead::of(input)?;
    let acc_sketch = hll_read(acc, &acc_head)?;
    let input_sketch = hll_read(input, &input_head)?;
    let mut union =
        HllUnion::new(input_sketch.lg_config_k()).map_err(|e| format!("HLL union: {e}"))?;
    union.update(&input_sketch);
    union.update(&acc_sketch);
    let mut out = union.to_sketch(HllType::Hll4).serialize();
    if out.len() >= HLL4_AUX_COUNT && out[HLL_MODE_BYTE] & 3 == HLL_MODE_HLL {
        let both = input_head.hll && acc_head.hll;
        let out_of_order = both
            || (input_head.hll && input_head.out_of_order)
            || (acc_head.hll && acc_head.out_of_order);
        if out_of_order {
            out[HLL_FLAGS_BYTE] |= HLL_OUT_OF_ORDER;
        } else {
            out[HLL_FLAGS_BYTE] &= !HLL_OUT_OF_ORDER;
        }
        // An HLL_4 image names the size of Java's exception table (`lgArr`), which starts at
        // `LG_AUX_ARR_INTS[lgK]` slots and doubles past 3/4 load.
        let aux = out
            .get(HLL4_AUX_COUNT..HLL4_AUX_COUNT + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_le_bytes);
        if out[HLL_MODE_BYTE] >> 2 & 3 == 0 && aux > 0 {
            let mut lg = LG_AUX_ARR_INTS
                .get(usize::from(out[3]))
                .copied()
                .unwrap_or(0);
            while 4 * u64::from(aux) > 3 * (1u64 << lg) {
                lg += 1;
            }
            out[4] = lg;
        }
    }
    Ok(out)
}

const HLL_FLAGS_BYTE: usize = 5;
const HLL_MODE_BYTE: usize = 7;
const HLL_COMPACT: u8 = 8;
const HLL_OUT_OF_ORDER: u8 = 16;
const HLL_MODE_SET: u8 = 1;
const HLL_MODE_HLL: u8 = 2;
/// Java's `HllUtil.LG_AUX_ARR_INTS`, by `lgK`.
const LG_AUX_ARR_INTS: [u8; 22] = [
    0, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, 13,
];
const HLL4_AUX_COUNT: usize = 36;
const HLL_SET_COUPONS: usize = 12;

/// What the union needs from an HLL image's preamble.
struct HllHead {
    hll: bool,
    set: bool,
    compact: bool,
    out_of_order: bool,
    lg_k: u8,
}

impl HllHead {
    fn of(bytes: &[u8]) -> Result<HllHead, String> {
        if bytes.len() < 8 {
            return Err(format!("not an HLL sketch: {} bytes", bytes.len()));
        }
        let mode = bytes[HLL_MODE_BYTE] & 3;
        let flags = bytes[HLL_FLAGS_BYTE];
        Ok(HllHead {
            hll: mode == HLL_MODE_HLL,
            set: mode == HLL_MODE_SET,
            compact: flags & HLL_COMPACT != 0,
            out_of_order: flags & HLL_OUT_OF_ORDER != 0,
            lg_k: bytes[3],
        })
    }
}

/// Reads an HLL image the way `HllSketch.heapify` leaves it (see [`hll_union`]).
fn hll_read(bytes: &[u8], head: &HllHead) -> Result<HllSketch, String> {
    let read = |b: &[u8]| HllSketch::deserialize(b).map_err(|e| format!("not an HLL sketch: {e}"));
    if head.hll && head.out_of_order {
        let mut in_order = bytes.to_vec();
        in_order[HLL_FLAGS_BYTE] &= !HLL_OUT_OF_ORDER;
        return read(&in_order);
    }
    if head.set && head.compact {
        if let Some(image) = java_set_image(bytes, head.lg_k) {
            return read(&image);
        }
    }
    read(bytes)
}

/// An updatable SET image holding the coupons of a compact one in Java's table layout, or
/// `None` when the image is malformed (the crate then reports it).
fn java_set_image(bytes: &[u8], lg_k: u8) -> Option<Vec<u8>> {
    let count = u32::from_le_bytes(bytes.get(8..12)?.try_into().ok()?) as usize;
    let coupons =
        bytes.get(HLL_SET_COUPONS..HLL_SET_COUPONS.checked_add(count.checked_mul(4)?)?)?;
    let max_lg = u32::from(lg_k).checked_sub(3)?;
    let mut lg = 5u32;
    let mut table = vec![0u32; 1 << lg];
    let mut len = 0usize;
    for c in coupons.chunks_exact(4) {
        let coupon = u32::from_le_bytes(c.try_into().ok()?);
        if coupon == 0 || !set_insert(&mut table, lg, coupon)? {
            continue;
        }
        len += 1;
        if 4 * len > 3 * table.len() && lg < max_lg {
            lg += 1;
            let mut grown = vec![0u32; 1 << lg];
            for &old in table.iter().filter(|&&c| c != 0) {
                set_insert(&mut grown, lg, old)?;
            }
            table = grown;
        }
    }
    let mut image = Vec::with_capacity(HLL_SET_COUPONS + 4 * table.len());
    image.extend_from_slice(&bytes[..8]);
    image[4] = u8::try_from(lg).ok()?;
    image[HLL_FLAGS_BYTE] &= !HLL_COMPACT;
    image.extend_from_slice(&u32::try_from(len).ok()?.to_le_bytes());
    for c in &table {
        image.extend_from_slice(&c.to_le_bytes());
    }
    Some(image)
}

/// Java's `CouponHashSet` insertion (open addressing, odd stride from the key's high bits):
/// `Some(true)` when added, `Some(false)` when present, `None` when the table is full.
fn set_insert(table: &mut [u32], lg: u32, coupon: u32) -> Option<bool> {
    let mask = table.len() - 1;
    let start = coupon as usize & mask;
    let stride = (((coupon & 0x03FF_FFFF) >> lg) | 1) as usize;
    let mut probe = start;
    loop {
        match table[probe] {
            0 => {
                table[probe] = coupon;
                return Some(true);
            }
            c if c == coupon => return Some(false),
            _ => {}
        }
        probe = (probe + stride) & mask;
        if probe == start {
            return None;
        }
    }
}

/// One `theta_sketch` step, as `ThetaSketch.union(acc, input)`.
pub(crate) fn theta_union(acc: &[u8], input: &[u8]) -> Result<Vec<u8>, String> {
    let read = |bytes: &[u8]| {
        CompactThetaSketch::deserialize(bytes)
            .map_err(|e| format!("not a compact Theta sketch: {e}"))
    };
    let (acc, input) = (read(acc)?, read(input)?);
    let mut union = ThetaUnionBuilder::default()
        .build()
        .map_err(|e| format!("Theta union: {e}"))?;
    union
        .update(&acc)
        .map_err(|e| format!("Theta union: {e}"))?;
    union
        .update(&input)
        .map_err(|e| format!("Theta union: {e}"))?;
    let mut out = union.to_sketch(true).serialize();
    // datasketches-java 4 writes the sampling probability p (always 1.0 for a union result) in
    // the upper half of the second preamble long, and flags a single-item sketch as such.
    match out.first() {
        Some(1) if out.len() == 16 => out[THETA_FLAGS_BYTE] |= THETA_SINGLE_ITEM,
        Some(2..) if out.len() >= 16 => out[12..16].copy_from_slice(&1.0f32.to_le_bytes()),
        _ => {}
    }
    Ok(out)
}

const THETA_FLAGS_BYTE: usize = 5;
const THETA_SINGLE_ITEM: u8 = 0x20;
