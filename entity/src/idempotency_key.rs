//! `idempotency_keys`: what a client's named attempt did, and the answer it was given.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// Whose key it is: `user:<id>`, or `anonymous`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// The client's `Idempotency-Key`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 (hex) of the request body the key was first used with.
    pub request_hash: String,
    /// What the write made or changed: the mutation's field and the row ids it answers with.
    pub outcome: String,
    /// The response body sent, once it was.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
