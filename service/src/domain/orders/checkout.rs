//! The checkout: where orders wait while others are being written, so that everything that
//! queued up meanwhile is written together as one group (see `place`).
//!
//! SQLite admits one writer at a time, and an order's time holding the lock is mostly round
//! trips to the connection's thread (nine per transaction), not work. A group pays those round
//! trips once. An order that arrives when nobody is writing is written at once, alone, so a
//! quiet shop waits for nothing.

use super::place::{self, Placed, ToPlace};
use crate::domain::access::Viewer;
use crate::domain::events::EventBus;
use crate::domain::idempotency::Attempt;
use crate::{Error, Result, store::db};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// Largest quantity of one product in one order.
pub const MAX_QUANTITY: i32 = 1000;
/// Most lines one order may have.
pub const MAX_LINES: usize = 100;

/// One requested line of a new order.
#[derive(Clone, Copy, Debug)]
pub struct NewLine {
    pub product_id: i32,
    pub quantity: i32,
}

/// Input for a new order.
#[derive(Clone, Debug)]
pub struct NewOrder {
    /// The caller when omitted; only admins order for others.
    pub customer_id: Option<i32>,
    pub items: Vec<NewLine>,
}

/// Checks quantities and merges repeated products into one line, ordered by product id (the
/// order in which lines are checked, so a short product is reported the same way every time,
/// and written).
pub fn merge_lines(lines: &[NewLine]) -> Result<BTreeMap<i32, i32>> {
    if lines.is_empty() {
        return Err(Error::invalid("items", "an order needs at least one item"));
    }
    if lines.len() > MAX_LINES {
        return Err(Error::invalid(
            "items",
            format!("an order has at most {MAX_LINES} lines"),
        ));
    }
    let mut merged: BTreeMap<i32, i32> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return Err(Error::invalid(
                format!("items[{i}].quantity"),
                format!("must be between 1 and {MAX_QUANTITY}"),
            ));
        }
        let total = merged.entry(line.product_id).or_default();
        *total += line.quantity;
        if *total > MAX_QUANTITY {
            return Err(Error::invalid(
                format!("items[{i}].quantity"),
                format!("at most {MAX_QUANTITY} of one product per order"),
            ));
        }
    }
    Ok(merged)
}

/// Most orders written in one group.
const MAX_GROUP_ORDERS: usize = 64;
/// Most order lines written in one group (keeps every statement's bound values far below
/// SQLite's limit). An order with more lines than this is written alone.
const MAX_GROUP_LINES: usize = 1_000;

/// Places orders. Clones share one queue; the server keeps one per database.
#[derive(Clone)]
pub struct Checkout(Arc<Desk>);

struct Desk {
    db: DatabaseConnection,
    events: EventBus,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Waiting>,
    /// A task is writing groups; it takes whatever is waiting before it stops.
    writing: bool,
}

/// An order waiting to be written, and where its outcome goes.
struct Waiting {
    customer_id: i32,
    lines: BTreeMap<i32, i32>,
    attempt: Option<Attempt>,
    reply: oneshot::Sender<Result<Placed>>,
}

impl Checkout {
    /// A checkout writing to `db` and announcing new orders on `events`.
    pub fn new(db: DatabaseConnection, events: EventBus) -> Self {
        Self(Arc::new(Desk {
            db,
            events,
            queue: Mutex::default(),
        }))
    }

    /// Places an order, all or nothing: prices come from the catalog, stock is taken without
    /// ever selling a unit twice, the points it earns are credited. The `Created` event is
    /// published after the commit. Orders written in one group still succeed or fail each on
    /// its own, exactly as if they had been placed one after the other. With an `attempt`, the
    /// key is recorded with the order, in its transaction.
    #[tracing::instrument(skip(self, viewer, input, attempt), fields(customer_id = ?input.customer_id))]
    pub async fn create(
        &self,
        viewer: &Viewer,
        input: NewOrder,
        attempt: Option<&Attempt>,
    ) -> Result<Placed> {
        let customer_id = viewer.acting_for(input.customer_id)?;
        let lines = merge_lines(&input.items)?;
        let (reply, outcome) = oneshot::channel();
        let start_writing = {
            let mut queue = self.0.lock();
            queue.waiting.push_back(Waiting {
                customer_id,
                lines,
                attempt: attempt.cloned(),
                reply,
            });
            !std::mem::replace(&mut queue.writing, true)
        };
        if start_writing {
            // A task of its own: a caller that hangs up mid-write must not cancel the orders
            // of everyone else in its group.
            tokio::spawn(Shift(self.0.clone()).work());
        }
        outcome.await.unwrap_or_else(|_| {
            Err(Error::Invariant {
                what: "the checkout stopped before the order was written",
            })
        })
    }
}

/// A group's write returned fewer outcomes than it had orders.
fn lost_answer() -> Error {
    Error::Invariant {
        what: "an order of the group got no outcome",
    }
}

impl Desk {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next group: the longest-waiting orders, up to the group's limits.
    fn next_group(&self) -> Vec<Waiting> {
        let mut queue = self.lock();
        let mut group = Vec::new();
        let mut lines = 0;
        while let Some(next) = queue.waiting.front() {
            let full = group.len() == MAX_GROUP_ORDERS
                || (!group.is_empty() && lines + next.lines.len() > MAX_GROUP_LINES);
            if full {
                break;
            }
            lines += next.lines.len();
            group.extend(queue.waiting.pop_front());
        }
        if group.is_empty() {
            queue.writing = false;
        }
        group
    }

    /// Writes one group and answers each of its orders.
    async fn write(&self, group: Vec<Waiting>) {
        let orders: Vec<ToPlace<'_>> = group
            .iter()
            .map(|w| ToPlace {
                customer_id: w.customer_id,
                lines: &w.lines,
                attempt: w.attempt.as_ref(),
            })
            .collect();
        let outcomes = match db::with_retries(|| place::group(&self.db, &self.events, &orders))
            .await
        {
            Ok(outcomes) => outcomes,
            Err(err) if err.is_unavailable() => {
                // The database turned the whole group away (no room, lost connection): the
                // same answer for each order, rather than trying each alone against it. The
                // outcome of a commit that may have happened is never tried again.
                orders
                    .iter()
                    .map(|_| Err(err.again().unwrap_or_else(lost_answer)))
                    .collect()
            }
            Err(err) if orders.len() > 1 => {
                // The transaction failed as a whole (another process changed a stock or
                // removed a customer meanwhile, say): each order alone, so that whatever
                // failed fails only its own order.
                tracing::info!(error = %err, orders = orders.len(), "a group of orders failed; placing them one by one");
                let mut outcomes = Vec::with_capacity(orders.len());
                for one in orders.chunks(1) {
                    let alone =
                        db::with_retries(|| place::group(&self.db, &self.events, one)).await;
                    outcomes.push(alone.and_then(|mut outcome| {
                        outcome.pop().unwrap_or_else(|| Err(lost_answer()))
                    }));
                }
                outcomes
            }
            Err(err) => vec![Err(err)],
        };
        drop(orders);
        for (waiting, outcome) in group.into_iter().zip(outcomes) {
            // Nobody to tell when the caller has hung up; the order stands all the same.
            let _ = waiting.reply.send(outcome);
        }
    }
}

/// The task that writes groups until nobody waits.
struct Shift(Arc<Desk>);

impl Shift {
    async fn work(self) {
        loop {
            let group = self.0.next_group();
            if group.is_empty() {
                return;
            }
            self.0.write(group).await;
        }
    }
}

impl Drop for Shift {
    /// After a panic mid-write, the waiting orders are answered with an error (their senders
    /// are dropped) and the next order starts a new task, instead of everyone waiting forever.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.lock();
            queue.waiting.clear();
            queue.writing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_products_merge_into_one_line() {
        let lines = [
            NewLine {
                product_id: 2,
                quantity: 1,
            },
            NewLine {
                product_id: 1,
                quantity: 3,
            },
            NewLine {
                product_id: 2,
                quantity: 4,
            },
        ];
        let merged = merge_lines(&lines).unwrap();
        assert_eq!(merged.into_iter().collect::<Vec<_>>(), vec![(1, 3), (2, 5)]);
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(merge_lines(&[]).is_err());
        assert!(
            merge_lines(&[NewLine {
                product_id: 1,
                quantity: 0
            }])
            .is_err()
        );
        assert!(
            merge_lines(&[NewLine {
                product_id: 1,
                quantity: 1001
            }])
            .is_err()
        );
        let split = [
            NewLine {
                product_id: 1,
                quantity: 600,
            },
            NewLine {
                product_id: 1,
                quantity: 600,
            },
        ];
        assert!(merge_lines(&split).is_err());
    }
}
