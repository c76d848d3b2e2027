//! Runs an async storage call from one of DataFusion's synchronous catalog methods
//! (`schema_names`, `table_names`, `table_exist`, `register_schema`, …).
//!
//! The future runs on a short-lived thread with its own current-thread runtime, so it neither
//! blocks a worker of the caller's runtime nor needs one (it works from plain threads, from
//! inside `block_on` and from multi-threaded runtimes alike).

use std::future::Future;

/// Runs `fut` to completion on a helper thread and returns its output.
pub fn run<F, T>(fut: F) -> std::io::Result<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handle = std::thread::Builder::new()
        .name("strata-catalog".into())
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(fut))
        })?;
    handle
        .join()
        .map_err(|_| std::io::Error::other("catalog helper thread panicked"))?
}
