//! Integration tests of strata-core (one test binary: linking is the expensive part).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod commit_protocol;
mod common;
mod expire;
mod fixtures;
mod interop;
mod interop_lifecycle;
mod lifecycle;
mod pk;
mod roundtrip;
mod sketch_interop;
mod stream;
mod stream_model;
