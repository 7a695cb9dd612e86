//! Exactly-once writes for clients that name their attempts (the `Idempotency-Key` header).
//!
//! A write that carries an [`Attempt`] records it, with what it made or changed (its
//! [`Outcome`]), in its own transaction: the key is spent exactly when the write commits,
//! whatever happens after. The response sent for it is stored afterwards, in batches, and a
//! repeat of the same request gets it back byte for byte. A repeat that finds the key
//! committed but no response stored (the server stopped in between) is answered again from
//! the outcome, without writing.
//!
//! Within one process, a repeat that arrives while its first attempt runs waits for it
//! ([`Keys::claim`]). Across processes (several servers on one PostgreSQL) the table's primary
//! key makes the second write fail, and its request is told the key is in use.

use crate::domain::access::Viewer;
use crate::domain::clock;
use crate::{Error, Result, store::db};
use entity::idempotency_key;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    SqlErr,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// Longest key accepted, in bytes (the header's value: visible ASCII and spaces).
pub const KEY_MAX_BYTES: usize = 255;
/// How long keys are kept unless configured otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The scope of keys sent without a token.
const ANONYMOUS: &str = "anonymous";
/// Most answers stored by one statement (five bound values each, far below SQLite's limit).
const MAX_ANSWERS_PER_WRITE: usize = 256;

/// A client's named attempt at a write: whose key it is, the key, and the request it came with.
#[derive(Clone, Debug)]
pub struct Attempt {
    scope: String,
    key: String,
    request_hash: String,
    /// Set once the write that recorded this attempt committed.
    committed: Arc<AtomicBool>,
    /// Set when another process had already recorded the same key.
    clashed: Arc<AtomicBool>,
}

impl Attempt {
    /// `key` as sent by `viewer` with a request whose body is `body`. A key must be 1 to 255
    /// characters of visible ASCII or spaces.
    pub fn new(viewer: &Viewer, key: &str, body: &[u8]) -> Result<Self> {
        let printable = key.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        if key.trim().is_empty() || key.len() > KEY_MAX_BYTES || !printable {
            return Err(Error::invalid(
                "Idempotency-Key",
                format!("must be 1 to {KEY_MAX_BYTES} visible ASCII characters"),
            ));
        }
        let scope = match viewer.user_id {
            Some(id) => format!("user:{id}"),
            None => ANONYMOUS.to_owned(),
        };
        Ok(Self {
            scope,
            key: key.to_owned(),
            request_hash: hex::encode(Sha256::digest(body)),
            committed: Arc::default(),
            clashed: Arc::default(),
        })
    }

    /// Whether the key was sent without a token (such keys serve sign-up and sign-in only).
    pub fn is_anonymous(&self) -> bool {
        self.scope == ANONYMOUS
    }

    /// Whether the write that recorded this attempt has committed.
    pub fn committed(&self) -> bool {
        self.committed.load(Ordering::Acquire)
    }

    /// Whether the write failed because another process had recorded the same key first.
    pub fn clashed(&self) -> bool {
        self.clashed.load(Ordering::Acquire)
    }

    pub(crate) fn mark_committed(&self) {
        self.committed.store(true, Ordering::Release);
    }

    fn id(&self) -> (String, String) {
        (self.scope.clone(), self.key.clone())
    }
}

/// What a write made or changed: the ids its answer is read from, in the order the mutation
/// that wrote it gives them meaning (an order; a transfer's sender and receiver; a user).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome(pub Vec<i32>);

impl Outcome {
    fn encode(&self) -> String {
        let ids: Vec<String> = self.0.iter().map(i32::to_string).collect();
        ids.join(",")
    }

    fn decode(text: &str) -> Result<Self> {
        text.split(',')
            .filter(|id| !id.is_empty())
            .map(str::parse)
            .collect::<std::result::Result<Vec<i32>, _>>()
            .map(Self)
            .map_err(|_| Error::Invariant {
                what: "an idempotency key's outcome is not a list of ids",
            })
    }

    /// The `n`th id.
    pub fn id(&self, n: usize) -> Result<i32> {
        self.0.get(n).copied().ok_or(Error::Invariant {
            what: "an idempotency key's outcome has fewer ids than its mutation gives",
        })
    }
}

/// Records `attempts` with their outcomes, in the caller's write transaction.
pub(crate) async fn record(
    txn: &impl ConnectionTrait,
    attempts: &[(&Attempt, Outcome)],
) -> Result<()> {
    if attempts.is_empty() {
        return Ok(());
    }
    let now = clock::now();
    let rows = attempts
        .iter()
        .map(|(attempt, outcome)| idempotency_key::ActiveModel {
            scope: Set(attempt.scope.clone()),
            key: Set(attempt.key.clone()),
            request_hash: Set(attempt.request_hash.clone()),
            outcome: Set(outcome.encode()),
            response: Set(None),
            created_at: Set(now),
        });
    match idempotency_key::Entity::insert_many(rows).exec(txn).await {
        Ok(_) => Ok(()),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            for (attempt, _) in attempts {
                attempt.clashed.store(true, Ordering::Release);
            }
            Err(Error::conflict(
                "Idempotency-Key",
                "this Idempotency-Key is being used by another request",
            ))
        }
        Err(err) => Err(err.into()),
    }
}

/// Records `attempt`, if there is one, as having made or changed `ids`, and commits `txn`.
pub(crate) async fn commit(
    txn: db::WriteTxn,
    attempt: Option<&Attempt>,
    ids: &[i32],
) -> Result<()> {
    if let Some(attempt) = attempt {
        record(&txn, &[(attempt, Outcome(ids.to_vec()))]).await?;
    }
    txn.commit().await?;
    if let Some(attempt) = attempt {
        attempt.mark_committed();
    }
    Ok(())
}

/// Records `attempt` for a request that writes nothing else (a sign-in), in a transaction of
/// its own.
pub async fn record_alone(
    db: &DatabaseConnection,
    attempt: &Attempt,
    outcome: Outcome,
) -> Result<()> {
    let txn = db::begin_write(db).await?;
    record(&txn, &[(attempt, outcome)]).await?;
    txn.commit().await?;
    attempt.mark_committed();
    Ok(())
}

/// Deletes keys older than `ttl`; returns how many.
pub async fn prune(db: &DatabaseConnection, ttl: Duration) -> Result<u64> {
    let cutoff = cutoff(ttl)?;
    let txn = db::begin_write(db).await?;
    let gone = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(gone.rows_affected)
}

fn cutoff(ttl: Duration) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|ttl| clock::now().checked_sub_signed(ttl))
        .ok_or_else(|| Error::invalid("idempotencyTtl", "is too long"))
}

/// The keys this process's requests hold, each with what its holder is up to.
type Flights = HashMap<(String, String), Arc<watch::Sender<State>>>;

/// What the request that first used a key is up to, as repeats see it.
#[derive(Clone, Debug)]
enum State {
    Running,
    /// It ended without writing: a repeat runs as if it were first.
    Failed,
    /// It wrote and was answered with `response`.
    Answered {
        request_hash: String,
        response: Arc<str>,
    },
}

/// The keys this process is answering, and the answers it has not stored yet.
#[derive(Clone)]
pub struct Keys(Arc<Desk>);

struct Desk {
    db: DatabaseConnection,
    ttl: Duration,
    flights: Mutex<Flights>,
    answers: Mutex<Answers>,
}

#[derive(Default)]
struct Answers {
    waiting: Vec<Answer>,
    /// A task is storing answers; it takes whatever waits before it stops.
    writing: bool,
}

struct Answer {
    id: (String, String),
    response: Arc<str>,
    flight: Arc<watch::Sender<State>>,
}

/// What to do with a request that carries an idempotency key.
pub enum Claim {
    /// The key is new: run the request, then hand its response to [`Hold::finish`].
    Fresh(Hold),
    /// The same request was answered before: its response, byte for byte.
    Replay(Arc<str>),
    /// The same request wrote and committed, but its response was lost (the server stopped
    /// in between): answer again from `Outcome` without writing, then [`Hold::finish`].
    Recover(Hold, Outcome),
    /// The key was first used with a different request.
    Reused,
    /// The first request with this key is still running.
    Busy,
}

/// This process's hold on a key while its request runs. Dropped without [`Hold::finish`],
/// the key is free again for a repeat to run.
pub struct Hold {
    keys: Keys,
    id: (String, String),
    request_hash: String,
    flight: Arc<watch::Sender<State>>,
    finished: bool,
}

impl Keys {
    /// Keys of `db`, each kept for `ttl`.
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Self {
        Self(Arc::new(Desk {
            db,
            ttl,
            flights: Mutex::default(),
            answers: Mutex::default(),
        }))
    }

    /// How long keys are kept.
    pub fn ttl(&self) -> Duration {
        self.0.ttl
    }

    /// What to do with `attempt`: waits up to `wait` for a request of this process that
    /// holds the same key.
    pub async fn claim(&self, attempt: &Attempt, wait: Duration) -> Result<Claim> {
        let deadline = tokio::time::Instant::now() + wait;
        // A holder that fails frees the key for one of its waiters; each round is one of those.
        for _ in 0..8 {
            let held = {
                let mut flights = self.0.lock_flights();
                match flights.get(&attempt.id()) {
                    Some(flight) => Err(flight.clone()),
                    None => {
                        let flight = Arc::new(watch::Sender::new(State::Running));
                        flights.insert(attempt.id(), flight.clone());
                        Ok(Hold {
                            keys: self.clone(),
                            id: attempt.id(),
                            request_hash: attempt.request_hash.clone(),
                            flight,
                            finished: false,
                        })
                    }
                }
            };
            let flight = match held {
                Ok(hold) => return self.look_up(attempt, hold).await,
                Err(flight) => flight,
            };
            let mut seen = flight.subscribe();
            let ended = tokio::time::timeout_at(
                deadline,
                seen.wait_for(|state| !matches!(state, State::Running)),
            )
            .await;
            match ended {
                Err(_) => return Ok(Claim::Busy),
                // The holder went away: try again.
                Ok(Err(_)) => continue,
                Ok(Ok(state)) => match &*state {
                    State::Answered {
                        request_hash,
                        response,
                    } => {
                        return Ok(if *request_hash == attempt.request_hash {
                            Claim::Replay(response.clone())
                        } else {
                            Claim::Reused
                        });
                    }
                    State::Failed | State::Running => continue,
                },
            }
        }
        Ok(Claim::Busy)
    }

    /// What the database remembers of `attempt`, for the request holding `hold`.
    async fn look_up(&self, attempt: &Attempt, hold: Hold) -> Result<Claim> {
        let found = idempotency_key::Entity::find_by_id(attempt.id())
            .one(&self.0.db)
            .await?;
        let Some(found) = found else {
            return Ok(Claim::Fresh(hold));
        };
        if found.created_at < cutoff(self.0.ttl)? {
            // Expired and not pruned yet: the key is new again.
            let txn = db::begin_write(&self.0.db).await?;
            idempotency_key::Entity::delete_by_id(attempt.id())
                .exec(&txn)
                .await?;
            txn.commit().await?;
            return Ok(Claim::Fresh(hold));
        }
        if found.request_hash != attempt.request_hash {
            return Ok(Claim::Reused);
        }
        Ok(match found.response {
            Some(response) => Claim::Replay(response.into()),
            None => Claim::Recover(hold, Outcome::decode(&found.outcome)?),
        })
    }

    /// Stores answers until none wait, one statement per batch.
    async fn store_answers(self) {
        loop {
            let batch: Vec<Answer> = {
                let mut answers = self.0.lock_answers();
                if answers.waiting.is_empty() {
                    answers.writing = false;
                    return;
                }
                let take = answers.waiting.len().min(MAX_ANSWERS_PER_WRITE);
                answers.waiting.drain(..take).collect()
            };
            if let Err(err) = store(&self.0.db, &batch).await {
                // The keys stay committed with their writes; a repeat answers from the outcome.
                tracing::warn!(error = %err, answers = batch.len(), "idempotency answers were not stored");
            }
            let mut flights = self.0.lock_flights();
            for answer in batch {
                if flights
                    .get(&answer.id)
                    .is_some_and(|f| Arc::ptr_eq(f, &answer.flight))
                {
                    flights.remove(&answer.id);
                }
            }
        }
    }
}

/// `UPDATE idempotency_keys SET response = CASE … END WHERE (scope, key) IN …`.
async fn store(db: &DatabaseConnection, batch: &[Answer]) -> Result<()> {
    use idempotency_key::Column;
    let one = |answer: &Answer| {
        Condition::all()
            .add(Column::Scope.eq(answer.id.0.as_str()))
            .add(Column::Key.eq(answer.id.1.as_str()))
    };
    let case = batch.iter().fold(CaseStatement::new(), |case, answer| {
        case.case(one(answer), Expr::val(answer.response.as_ref()))
    });
    let which = batch
        .iter()
        .fold(Condition::any(), |any, answer| any.add(one(answer)));
    let txn = db::begin_write(db).await?;
    idempotency_key::Entity::update_many()
        .col_expr(
            Column::Response,
            case.finally(Expr::col(Column::Response)).into(),
        )
        .filter(which)
        .filter(Column::Response.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

impl Desk {
    fn lock_flights(&self) -> MutexGuard<'_, Flights> {
        self.flights.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_answers(&self) -> MutexGuard<'_, Answers> {
        self.answers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Hold {
    /// The request ended with `response`; `wrote` says whether its write committed (the key
    /// is then spent, and `response` is what every repeat gets).
    pub fn finish(mut self, wrote: bool, response: &[u8]) {
        self.finished = true;
        if !wrote {
            self.release();
            return;
        }
        let response: Arc<str> = String::from_utf8_lossy(response).into();
        self.flight.send_replace(State::Answered {
            request_hash: self.request_hash.clone(),
            response: response.clone(),
        });
        let start = {
            let mut answers = self.keys.0.lock_answers();
            answers.waiting.push(Answer {
                id: self.id.clone(),
                response,
                flight: self.flight.clone(),
            });
            !std::mem::replace(&mut answers.writing, true)
        };
        if start {
            tokio::spawn(self.keys.clone().store_answers());
        }
    }

    /// Frees the key: the next repeat runs as if it were first.
    fn release(&self) {
        self.flight.send_replace(State::Failed);
        let mut flights = self.keys.0.lock_flights();
        if flights
            .get(&self.id)
            .is_some_and(|f| Arc::ptr_eq(f, &self.flight))
        {
            flights.remove(&self.id);
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if !self.finished {
            self.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_within_bounds() {
        let viewer = Viewer::user(7, false);
        assert!(Attempt::new(&viewer, "order-2026-12-06-0001", b"{}").is_ok());
        assert!(Attempt::new(&viewer, "", b"{}").is_err());
        assert!(Attempt::new(&viewer, "   ", b"{}").is_err());
        assert!(Attempt::new(&viewer, "naïve", b"{}").is_err());
        assert!(Attempt::new(&viewer, "tab\there", b"{}").is_err());
        assert!(Attempt::new(&viewer, &"k".repeat(KEY_MAX_BYTES), b"{}").is_ok());
        assert!(Attempt::new(&viewer, &"k".repeat(KEY_MAX_BYTES + 1), b"{}").is_err());
    }

    #[test]
    fn keys_are_scoped_to_the_caller_and_bound_to_the_body() {
        let ada = Attempt::new(&Viewer::user(1, false), "k", b"{}").unwrap();
        let bob = Attempt::new(&Viewer::user(2, false), "k", b"{}").unwrap();
        let anonymous = Attempt::new(&Viewer::ANONYMOUS, "k", b"{}").unwrap();
        assert_ne!(ada.id(), bob.id());
        assert!(anonymous.is_anonymous() && !ada.is_anonymous());
        let other_body = Attempt::new(&Viewer::user(1, false), "k", b"{ }").unwrap();
        assert_eq!(ada.id(), other_body.id());
        assert_ne!(ada.request_hash, other_body.request_hash);
    }

    #[test]
    fn outcomes_read_back_as_written() {
        for ids in [vec![], vec![1], vec![3, 4]] {
            let outcome = Outcome(ids);
            assert_eq!(Outcome::decode(&outcome.encode()).unwrap(), outcome);
        }
        assert!(Outcome::decode("1,x").is_err());
        assert!(Outcome(vec![5]).id(1).is_err());
    }
}
