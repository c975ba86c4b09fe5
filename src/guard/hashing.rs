//! Password-hash work (argon2id, ~19 MiB and tens of milliseconds each) kept
//! off the async runtime and bounded: it runs on `concurrency` dedicated
//! threads, holding no database connection, and at most `queue` more checks
//! wait. Past that the caller is told to come back later (503 with
//! Retry-After), so a flood of guesses can neither grow memory without bound
//! nor starve every other request of CPU. Dedicated threads matter for memory
//! too: the allocator keeps a freed 19 MiB block per thread that hashed, so
//! hashing on the shared blocking pool's many threads left ~1 GB resident
//! after a flood (measured, BENCHMARKS.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::crypto::{dummy_password_hash, verify_password};

/// Too many password checks are running or waiting.
#[derive(Debug, thiserror::Error)]
#[error("too many password checks in progress; try again shortly")]
pub struct Busy;

/// What a person is told when their check could not be taken on now.
pub const BUSY_MESSAGE: &str =
    "Too many sign-ins are being checked right now. Try again in a few seconds.";

impl Busy {
    /// The page for a browser whose check could not be taken on now.
    pub fn page(&self, tenant_name: &str) -> crate::pages::PageError {
        crate::pages::PageError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            tenant_name,
            "Busy",
            BUSY_MESSAGE,
        )
    }
}

pub struct PasswordHasher {
    threads: Option<rayon::ThreadPool>,
    /// Running plus waiting checks; a slot is given back when its work is
    /// done, not when its caller gives up, so abandoned requests cannot
    /// queue work without bound.
    admitted: Arc<AtomicUsize>,
    capacity: usize,
}

/// Gives the admission slot back however the work ends.
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordHasher {
    /// `concurrency` 0 admits nothing (every check is `Busy`).
    pub fn new(concurrency: usize, queue: usize) -> PasswordHasher {
        let threads = (concurrency > 0)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(concurrency)
                    .thread_name(|i| format!("portico-hash-{i}"))
                    .build()
                    .ok()
            })
            .flatten();
        PasswordHasher {
            capacity: if threads.is_some() {
                concurrency + queue
            } else {
                0
            },
            threads,
            admitted: Arc::new(AtomicUsize::new(0)),
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
        let admission = Admission(self.admitted.clone());
        let threads = self.threads.as_ref().ok_or(Busy)?;
        let (done, result) = tokio::sync::oneshot::channel();
        threads.spawn(move || {
            // A panic must not take the pool (rayon aborts on one) or the
            // slot with it; the caller then hears nothing and gets `Busy`.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            // The slot is free before the caller hears back; the caller may
            // have given up, and the work is done either way.
            drop(admission);
            if let Ok(result) = result {
                let _ = done.send(result);
            }
        });
        result.await.map_err(|_| Busy)
    }

    /// An argon2id hash of `secret` (a passcode), made on the hashing threads.
    pub async fn hash(&self, secret: String) -> Result<anyhow::Result<String>, Busy> {
        self.run(move || crate::crypto::hash_password(&secret))
            .await
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
