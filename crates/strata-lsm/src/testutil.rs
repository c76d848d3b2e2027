//! Test helpers: seeds (`STRATA_SEED` replays a run) and proptest settings derived from them.

use proptest::test_runner::{Config, RngSeed};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// The seed of this test run: `STRATA_SEED` if set, else random; printed so a failure can be
/// replayed.
pub(crate) fn seed(test: &str) -> u64 {
    let seed = std::env::var("STRATA_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("{test}: seed {seed} (replay with STRATA_SEED={seed})");
    seed
}

#[allow(dead_code)]
/// A seeded random generator for `test`.
pub(crate) fn rng(test: &str) -> StdRng {
    StdRng::seed_from_u64(seed(test))
}

/// Proptest settings with a fixed seed (printed), no failure files.
pub(crate) fn proptest_config() -> Config {
    Config {
        cases: 64,
        rng_seed: RngSeed::Fixed(seed("proptest")),
        failure_persistence: None,
        ..Config::default()
    }
}
