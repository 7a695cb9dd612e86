//! The one source of "now" for rows we write.

use chrono::{DateTime, SubsecRound, Utc};

/// The current UTC time, truncated to microseconds.
///
/// PostgreSQL keeps microseconds; truncating here makes a value read back from either backend
/// equal to the one we wrote, which keyset cursors rely on.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
