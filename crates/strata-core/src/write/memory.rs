//! The write buffer budget of one `TableWrite` (`write-buffer-size`), shared by all of its
//! primary-key bucket writers as Paimon shares one memory pool per writer task.
//!
//! Each bucket writer reports its buffer's size after adding rows. When the total exceeds the
//! budget, a writer holding at least its fair share spills (or flushes) its own buffer, so the
//! total stays near the budget however many buckets are open.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Shared accounting of buffered bytes.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: usize,
    used: AtomicUsize,
    writers: AtomicUsize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        MemoryBudget {
            limit: limit.max(1),
            used: AtomicUsize::new(0),
            writers: AtomicUsize::new(0),
        }
    }

    /// The budget.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Registers a writer.
    pub fn join(&self) {
        self.writers.fetch_add(1, Ordering::Relaxed);
    }

    /// Unregisters a writer holding `held` bytes.
    pub fn leave(&self, held: usize) {
        self.writers.fetch_sub(1, Ordering::Relaxed);
        self.used.fetch_sub(
            held.min(self.used.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
    }

    /// Reports a writer's new usage (was `old`, now `new`); returns whether this writer should
    /// release its memory now.
    pub fn update(&self, old: usize, new: usize) -> bool {
        if new >= old {
            self.used.fetch_add(new - old, Ordering::Relaxed);
        } else {
            self.used.fetch_sub(
                (old - new).min(self.used.load(Ordering::Relaxed)),
                Ordering::Relaxed,
            );
        }
        let used = self.used.load(Ordering::Relaxed);
        let writers = self.writers.load(Ordering::Relaxed).max(1);
        used > self.limit && new.saturating_mul(writers) >= used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_biggest_writer_releases_first() {
        let b = MemoryBudget::new(100);
        b.join();
        b.join();
        assert!(!b.update(0, 60));
        // total 110 > 100: the writer holding 50 of 110 is below the average, the 60 one not
        assert!(!b.update(0, 50));
        assert!(b.update(60, 61));
        b.leave(61);
        assert!(!b.update(50, 50));
    }
}
