//! A user read with only some columns.

use chrono::{DateTime, Utc};
use entity::{Tier, UserStatus, user};

partial_row! {
    /// A user as a lookup read them: the id, and each other column that was asked for (`None`
    /// means not read, never a value). It never holds the password hash.
    pub struct UserRow of user {
        always { id: i32 = Id }
        /// A column of a user that a lookup may leave out. There is none for the password
        /// hash: a partial read never fetches it.
        optional UserColumn {
            email: String = Email,
            name: String = Name,
            status: UserStatus = Status,
            card_number: String = CardNumber,
            points_balance: i64 = PointsBalance,
            tier: Tier = Tier,
            lifetime_points: i64 = LifetimePoints,
            created_at: DateTime<Utc> = CreatedAt,
            updated_at: DateTime<Utc> = UpdatedAt,
        }
    }
}
