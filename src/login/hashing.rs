//! Password-hash work (argon2id, ~19 MiB and tens of milliseconds each) kept
//! off the async runtime and bounded: at most `concurrency` hashes run at once
//! on the blocking pool, holding no database connection, and at most `queue`
//! more wait. Past that the caller is told to come back later (503 with
//! Retry-After), so a flood of guesses can neither grow memory without bound
//! nor starve every other request of CPU.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use crate::crypto::{dummy_password_hash, verify_password};

/// Too many password checks are running or waiting.
#[derive(Debug, thiserror::Error)]
#[error("too many password checks in progress; try again shortly")]
pub struct Busy;

pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Running plus waiting checks.
    admitted: AtomicUsize,
    capacity: usize,
}

/// Gives the admission slot back however the check ends.
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordHasher {
    pub fn new(concurrency: usize, queue: usize) -> PasswordHasher {
        PasswordHasher {
            permits: Arc::new(Semaphore::new(concurrency)),
            admitted: AtomicUsize::new(0),
            capacity: concurrency + queue,
        }
    }

    /// Runs `work` on the blocking pool once a permit is free, or answers
    /// `Busy` at once when the queue is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Busy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        let _admission = Admission(&self.admitted);
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        // The permit goes with the work: a caller that gives up does not free
        // it while the hash still runs.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|_| Busy)
    }

    /// Verifies `password` against `stored`; with no stored hash (unknown
    /// account, or none set) a dummy hash is checked so timing does not tell.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, Busy> {
        self.run(move || match stored {
            Some(hash) => verify_password(&password, &hash),
            None => {
                verify_password(&password, dummy_password_hash());
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_queue_callers_are_told_to_come_back() {
        let hasher = Arc::new(PasswordHasher::new(1, 1));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        let first = {
            let hasher = hasher.clone();
            tokio::spawn(async move {
                hasher
                    .run(move || {
                        let _ = started.send(());
                        wait.recv().ok();
                    })
                    .await
            })
        };
        running.await.unwrap();
        // One more may wait for the permit...
        let second = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.run(|| 2).await })
        };
        while hasher.admitted.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        // ...the next is refused at once.
        assert!(hasher.run(|| 3).await.is_err());
        release.send(()).unwrap();
        assert!(first.await.unwrap().is_ok());
        assert_eq!(second.await.unwrap().unwrap(), 2);
        // Capacity comes back once the work is done.
        assert_eq!(hasher.run(|| 4).await.unwrap(), 4);
        assert_eq!(hasher.admitted.load(Ordering::Acquire), 0);
    }
}
