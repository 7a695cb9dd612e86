//! Runs a request's DataLoader batches inside the request's own task.
//!
//! async-graphql's DataLoader gathers keys for `delay` and then fetches them in a spawned task.
//! On a multi-threaded runtime that task can start on another thread while the resolvers of a
//! long list are still adding keys (a debug build under load needs well over 1 ms for 50
//! items), and the batch splits into several statements: we measured 8 statements instead of
//! 3 for 50 users with their posts and authors. Here the batch futures are handed to the
//! request's own task instead, and only run once the request has gone as far as it can, so
//! every key asked for in one step of the request lands in one batch, however fast or slow the
//! machine is, and no time is spent waiting for a timer.

use async_graphql::futures_util::future::BoxFuture;
use async_graphql::futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use tokio::sync::mpsc;

/// Where loaders send their batch futures.
#[derive(Clone)]
pub enum BatchSpawner {
    /// To the request's own task (HTTP requests). If the request is gone, the batch is
    /// dropped with it.
    Request(mpsc::UnboundedSender<BoxFuture<'static, ()>>),
    /// To the runtime as tasks of their own (subscription events, which have no request).
    Runtime,
}

impl BatchSpawner {
    /// Hands a batch over.
    pub fn spawn(&self, batch: BoxFuture<'static, ()>) {
        match self {
            Self::Request(tx) => {
                let _ = tx.send(batch);
            }
            Self::Runtime => {
                tokio::spawn(batch);
            }
        }
    }
}

/// Receives the batches of one request; [`BatchQueue::drive`] runs them.
pub struct BatchQueue(mpsc::UnboundedReceiver<BoxFuture<'static, ()>>);

/// A spawner for a request's loaders and the queue that runs what they spawn.
pub fn batch_channel() -> (BatchSpawner, BatchQueue) {
    let (tx, rx) = mpsc::unbounded_channel();
    (BatchSpawner::Request(tx), BatchQueue(rx))
}

impl BatchQueue {
    /// Polls `request` and, once it can go no further, the batches it started.
    ///
    /// "No further" means the request returned `Pending` without waking itself: list fields
    /// resolve their items through `FuturesUnordered`, which yields part-way through a long
    /// list, and starting a batch at that point would split it.
    pub async fn drive<F: Future>(mut self, request: F) -> F::Output {
        let mut request = pin!(request);
        let mut batches = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            let mut yields = 0;
            // One probe per wake-up of the task; a late wake through it only costs a re-poll.
            let probe = Arc::new(SelfWake {
                woken: AtomicBool::new(false),
                task: cx.waker().clone(),
            });
            let waker = Waker::from(probe.clone());
            loop {
                probe.woken.store(false, Ordering::Release);
                if let Poll::Ready(out) = request.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return Poll::Ready(out);
                }
                // Bounded, so a request that keeps yielding still lets other tasks run.
                if probe.woken.load(Ordering::Acquire) && yields < MAX_YIELDS {
                    yields += 1;
                    continue;
                }
                while let Poll::Ready(Some(batch)) = self.0.poll_recv(cx) {
                    batches.push(batch);
                }
                let mut finished = false;
                while let Poll::Ready(Some(())) = batches.poll_next_unpin(cx) {
                    finished = true;
                }
                // A finished batch has woken resolvers: poll the request again at once.
                if !finished {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
}

/// How many times in a row a request may yield and be polled again at once.
const MAX_YIELDS: u32 = 1024;

/// A waker that remembers being woken, then wakes the task.
struct SelfWake {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

#[cfg(test)]
mod tests {
    use super::{BatchSpawner, batch_channel};
    use async_graphql::futures_util::future::join_all;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};
    use tokio::sync::watch;

    /// A loader reduced to its batching: keys wait in `pending` until the batch the first of
    /// them started takes them all (only that key's resolver waits for it). Unlike a
    /// DataLoader's, its batch is ready on its first poll, with no timer, so when it runs is
    /// `drive`'s choice alone.
    #[derive(Default)]
    struct Batches {
        pending: Mutex<Vec<u32>>,
        sizes: Mutex<Vec<usize>>,
    }

    impl Batches {
        async fn load(self: &Arc<Self>, key: u32, spawner: &BatchSpawner) {
            let (done, mut finished) = watch::channel(false);
            let first = {
                let mut pending = self.pending.lock().expect("not poisoned");
                pending.push(key);
                pending.len() == 1
            };
            if first {
                let batches = self.clone();
                spawner.spawn(Box::pin(async move {
                    let keys = std::mem::take(&mut *batches.pending.lock().expect("not poisoned"));
                    batches.sizes.lock().expect("not poisoned").push(keys.len());
                    let _ = done.send(true);
                }));
                let _ = finished.wait_for(|done| *done).await;
            }
        }
    }

    /// Yields `times` times, waking its task at once each time, as a long list does part-way
    /// through its items.
    struct Yield(u32);

    impl Future for Yield {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 == 0 {
                return Poll::Ready(());
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_asked_for_in_one_step_land_in_one_batch() {
        let batches = Arc::new(Batches::default());
        let (spawner, queue) = batch_channel();
        // Resolvers reach their load after different numbers of yields: a batch run at the
        // first yield would hold a third of the keys.
        let loads = (0..60u32).map(|key| {
            let (batches, spawner) = (&batches, &spawner);
            async move {
                Yield(key % 3).await;
                batches.load(key, spawner).await;
            }
        });
        queue.drive(join_all(loads)).await;
        assert_eq!(*batches.sizes.lock().expect("not poisoned"), [60]);
    }
}
