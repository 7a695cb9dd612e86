//! Users with their loyalty card, roles and the user ↔ role link table.

use crate::checks::{index, one_of};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::Name, 100))
                    .col(
                        string_len(Users::Status, 16)
                            .default("active")
                            .check(one_of(Users::Status, &["active", "inactive"])),
                    )
                    .col(string_len_uniq(Users::CardNumber, 32))
                    .col(
                        big_integer(Users::PointsBalance)
                            .default(0)
                            .check(Expr::col(Users::PointsBalance).gte(0)),
                    )
                    .col(string_len(Users::Tier, 16).default("bronze").check(one_of(
                        Users::Tier,
                        &["bronze", "silver", "gold", "platinum"],
                    )))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(Users::Table, "users", &[Users::CreatedAt]))
            .await?;
        manager
            .create_index(index(Users::Table, "users", &[Users::Name]))
            .await?;
        manager
            .create_index(index(Users::Table, "users", &[Users::Status]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(pk_auto(Roles::Id))
                    .col(string_len_uniq(Roles::Name, 32))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserRoles::Table)
                    .col(integer(UserRoles::UserId))
                    .col(integer(UserRoles::RoleId))
                    .primary_key(
                        Index::create()
                            .col(UserRoles::UserId)
                            .col(UserRoles::RoleId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-user_roles-user_id")
                            .from(UserRoles::Table, UserRoles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-user_roles-role_id")
                            .from(UserRoles::Table, UserRoles::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The primary key (user_id, role_id) serves lookups by user; this one serves by role.
        manager
            .create_index(index(UserRoles::Table, "user_roles", &[UserRoles::RoleId]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UserRoles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Roles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
pub enum Users {
    Table,
    Id,
    Email,
    Name,
    Status,
    CardNumber,
    PointsBalance,
    Tier,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Roles {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden, Clone)]
enum UserRoles {
    Table,
    UserId,
    RoleId,
}
