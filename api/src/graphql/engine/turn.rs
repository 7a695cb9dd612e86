//! A request's turn to execute. The server runs a bounded number of GraphQL requests at once
//! (`--max-concurrent-requests`): each running request holds its whole result tree, so the
//! bound caps memory, and past a few per core more at once only interleave. A request that is
//! merely waiting (an order queued at the checkout for the database's one writer) needs
//! neither CPU nor much memory, so it hands its turn back meanwhile: otherwise a few queued
//! orders would hold every turn, and the orders behind them could not even join the queue to
//! be written in the same group. A semaphore rather than tower's `ConcurrencyLimit`, whose
//! permit lasts the whole request and cannot be handed back meanwhile.

use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One request's turn; put in the request's data so resolvers can find it.
pub struct Turn {
    turns: Arc<Semaphore>,
    held: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Turn {
    /// A turn of `turns`, not yet taken.
    pub fn new(turns: Arc<Semaphore>) -> Self {
        Self {
            turns,
            held: Mutex::new(None),
        }
    }

    /// Waits for the turn and holds it until [`Turn::finish`] or [`Turn::wait_aside`].
    pub async fn take(&self) {
        let permit = self.turns.clone().acquire_owned().await.ok();
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = permit;
    }

    /// Gives the turn back for the rest of the request.
    pub fn finish(&self) {
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// Runs `wait` without holding a turn, then takes one again to go on executing.
    pub async fn wait_aside<F: Future>(&self, wait: F) -> F::Output {
        let had_turn = self
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .is_some();
        let out = wait.await;
        if had_turn {
            self.take().await;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Turn;
    use async_graphql::futures_util::FutureExt;
    use std::pin::pin;
    use std::sync::Arc;
    use tokio::sync::Semaphore;

    #[tokio::test]
    async fn a_turn_given_back_is_taken_again_before_going_on() {
        let turns = Arc::new(Semaphore::new(1));
        let (waiting, other) = (Turn::new(turns.clone()), Turn::new(turns.clone()));
        waiting.take().await;
        // While it waits aside, another request takes the only turn...
        let mut going_on = pin!(waiting.wait_aside(async {
            other.take().await;
            "waited"
        }));
        // ...so it may not go on until that one finishes.
        assert!(going_on.as_mut().now_or_never().is_none());
        other.finish();
        assert_eq!(going_on.await, "waited");
        assert_eq!(turns.available_permits(), 0, "held again");
        waiting.finish();
        assert_eq!(turns.available_permits(), 1);
    }

    #[tokio::test]
    async fn waiting_aside_without_a_turn_takes_none() {
        let turns = Arc::new(Semaphore::new(1));
        let turn = Turn::new(turns.clone());
        assert_eq!(turn.wait_aside(async { 7 }).await, 7);
        assert_eq!(turns.available_permits(), 1);
    }
}
