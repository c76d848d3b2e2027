//! Integration tests of strata-datafusion (one test binary: DataFusion links once).
#![allow(clippy::unwrap_used)]

mod bench_plan;
mod interop;
mod plans;
mod slt;
