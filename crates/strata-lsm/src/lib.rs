//! # strata-lsm — one bucket of a primary-key table
//!
//! Pure logic over Arrow batches in the key-value layout of spec §7.3; knows nothing of
//! snapshots, manifests or storage (the caller in `strata-core` reads and writes files):
//!
//! ```text
//! rows + row kinds ─▶ WriteBuffer (sort by key, seq; merge same keys; spill to local disk)
//!                  ─▶ drain(): one sorted run  ─▶ (core writes level-0 files)
//! Levels (files per level) ─▶ CompactStrategy::pick ─▶ CompactUnit ─▶ plan_rewrite (upgrade / rewrite)
//! sorted runs (streams) ─▶ merge_runs (k-way merge + MergeFunction) ─▶ merged batches
//! files ─▶ interval_partition ─▶ sections of non-overlapping sorted runs
//! ```
//!
//! Key comparisons use Arrow's row format (`arrow-row`): keys are encoded once per batch and
//! compared as bytes; output rows are gathered by index (`interleave` / `take`), never one
//! object per value.
//!
//! Modules: [`kv`] (the layout), [`merge`] (engines and aggregate functions), [`merge_sort`]
//! (k-way merge of runs), [`buffer`] (write buffer; its in-memory sort lives in `sort`, its
//! Arrow IPC spill files in `spill`), [`levels`], [`interval`] and [`compact`] (pure planning).
//!
//! Reference: Paimon's `mergetree` package (`MergeTreeWriter`, `SortBufferWriteBuffer`,
//! `Levels`, `UniversalCompaction`, `IntervalPartition`, `MergeFunction`s), 0.9.
#![cfg_attr(test, allow(clippy::unwrap_used))]
#![warn(missing_docs)]

pub mod buffer;
pub mod compact;
pub mod error;
pub mod interval;
pub mod kv;
pub mod levels;
pub mod merge;
pub mod merge_sort;
mod sort;
mod spill;
#[cfg(test)]
mod testutil;

pub use error::{Error, Result};
pub use kv::KvSchema;
