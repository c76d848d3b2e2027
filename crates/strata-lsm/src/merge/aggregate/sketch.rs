//! Bitmap and sketch aggregates over VARBINARY columns: `rbm32` (32-bit RoaringBitmap),
//! `rbm64` (Java's 64-bit `Roaring64Bitmap` layout, see [`rbm64`]), `hll_sketch` (Apache
//! DataSketches HLL) and `theta_sketch` (DataSketches Theta). Each value is a serialized bitmap
//! or sketch; `agg(acc, v)` is the union, done one pair at a time as Java Paimon 0.9 does so
//! that the stored bytes are the ones Java writes (see [`sketch_union`]). A
//! null value leaves the state unchanged, and the first non-null value is taken as it is. None
//! of them retracts.
//!
//! [`sketch_union`]: super::sketch_union
//! [`rbm64`]: super::rbm64

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, BinaryArray};
use roaring::RoaringBitmap;

use super::rbm64::rbm64_union;
use super::sketch_union::{hll_union, rbm32_finish, rbm32_read, theta_union};
use super::{FieldAgg, Merged, Op, Ops};
use crate::error::{Error, Result};

/// Which union a [`Sketch`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SketchKind {
    /// `rbm32`: OR of 32-bit roaring bitmaps.
    Rbm32,
    /// `rbm64`: OR of 64-bit roaring bitmaps in Java's `Roaring64Bitmap` layout.
    Rbm64,
    /// `hll_sketch`: union of HLL sketches (result HLL_4, compact).
    Hll,
    /// `theta_sketch`: union of Theta sketches (result compact, ordered).
    Theta,
}

/// One byte-level union step of [`super::sketch_union`]: `agg(older, newer)`.
type Union = fn(&[u8], &[u8]) -> std::result::Result<Vec<u8>, String>;

/// A bitmap or sketch aggregate bound to one field.
#[derive(Debug, Clone)]
pub(crate) struct Sketch {
    pub kind: SketchKind,
    pub field: String,
}

/// The state of one group: a value taken as it is, or (rbm32) a bitmap being OR-ed.
enum State<'a> {
    Bytes(Cow<'a, [u8]>),
    Bitmap(RoaringBitmap),
}

impl Sketch {
    fn corrupt(&self, e: String) -> Error {
        Error::Merge(format!(
            "aggregate function '{}' of field '{}': {e}",
            self.name(),
            self.field
        ))
    }

    /// Folds `v` into the state; `older` says that `v` is older than the state.
    fn step<'a>(&self, acc: Option<State<'a>>, v: &'a [u8], older: bool) -> Result<State<'a>> {
        let Some(acc) = acc else {
            return Ok(State::Bytes(Cow::Borrowed(v)));
        };
        // `agg(older, newer)`, byte to byte as Java
        let union: Union = match self.kind {
            SketchKind::Rbm32 => return self.rbm32_step(acc, v, older),
            SketchKind::Rbm64 => rbm64_union,
            SketchKind::Hll => hll_union,
            SketchKind::Theta => theta_union,
        };
        let acc = match acc {
            State::Bytes(b) => b,
            State::Bitmap(b) => Cow::Owned(rbm32_finish(b).map_err(|e| self.corrupt(e))?),
        };
        let merged = if older {
            union(v, &acc)
        } else {
            union(&acc, v)
        };
        Ok(State::Bytes(Cow::Owned(
            merged.map_err(|e| self.corrupt(e))?,
        )))
    }

    /// The `rbm32` step. The bitmap is kept between steps and written once: a run-optimized
    /// bitmap reads back with the same containers, so the bytes are those of a write and a
    /// re-read per step, as Java does.
    fn rbm32_step<'a>(&self, acc: State<'a>, v: &[u8], older: bool) -> Result<State<'a>> {
        let acc = match acc {
            State::Bitmap(b) => b,
            State::Bytes(b) => rbm32_read(&b).map_err(|e| self.corrupt(e))?,
        };
        let v = rbm32_read(v).map_err(|e| self.corrupt(e))?;
        // Java's `agg(a, b)` is `a.or(b)`: keep the operand order
        let (mut bitmap, other) = if older { (v, acc) } else { (acc, v) };
        bitmap |= other;
        bitmap.optimize();
        Ok(State::Bitmap(bitmap))
    }
}

impl FieldAgg for Sketch {
    fn name(&self) -> &'static str {
        match self.kind {
            SketchKind::Rbm32 => "rbm32",
            SketchKind::Rbm64 => "rbm64",
            SketchKind::Hll => "hll_sketch",
            SketchKind::Theta => "theta_sketch",
        }
    }

    fn retracts(&self) -> bool {
        false
    }

    fn eval(&self, col: &Merged<'_>, ops: &Ops) -> Result<ArrayRef> {
        let gathered = col.gather()?;
        let array = gathered.as_binary::<i32>();
        let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(ops.groups());
        for group in ops.iter() {
            let mut acc: Option<State<'_>> = None;
            for &(op, row) in group {
                let v = col.present(row).map(|r| array.value(r));
                acc = match (op, v) {
                    (Op::Set, v) => v.map(|v| State::Bytes(Cow::Borrowed(v))),
                    (Op::Retract, _) | (_, None) => acc,
                    (Op::Agg, Some(v)) => Some(self.step(acc, v, false)?),
                    (Op::AggOld, Some(v)) => Some(self.step(acc, v, true)?),
                };
            }
            out.push(match acc {
                None => None,
                Some(State::Bytes(b)) => Some(b.into_owned()),
                Some(State::Bitmap(b)) => Some(rbm32_finish(b).map_err(|e| self.corrupt(e))?),
            });
        }
        Ok(Arc::new(BinaryArray::from_iter(out)))
    }
}
