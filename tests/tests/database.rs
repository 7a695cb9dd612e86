//! Connection settings and migrations.

use service::ops::database;
use tests::{Backend, TestApp, db_config, spawn_app};

#[tokio::test]
async fn every_sqlite_connection_has_our_pragmas() {
    let app = spawn_app(Backend::Sqlite).await;
    // A brand-new pool, so the connection checked has just been opened.
    let fresh = database::connect(&db_config(&app.database_url))
        .await
        .unwrap()
        .db;
    for pool in [&app.db, &fresh] {
        let get = |name: &'static str| async move {
            database::sqlite_pragma(pool, name).await.unwrap().unwrap()
        };
        assert_eq!(get("journal_mode").await, "wal");
        assert_eq!(get("foreign_keys").await, "1");
        assert_eq!(get("busy_timeout").await, "5000");
        // 1 = NORMAL (2 would be FULL, sqlx's default).
        assert_eq!(get("synchronous").await, "1");
    }
}

async fn migrations_go_down_and_up(app: TestApp) {
    let status = database::migration_status(&app.db).await.unwrap();
    assert!(
        status.len() >= 4 && status.iter().all(|m| m.applied),
        "{status:?}"
    );
    database::migrate_down(&db_config(&app.database_url), 1)
        .await
        .unwrap();
    let status = database::migration_status(&app.db).await.unwrap();
    assert!(!status.last().unwrap().applied);
    let applied = service::ops::migrate::up(&db_config(&app.database_url), None)
        .await
        .unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].name, status.last().unwrap().name);
    assert!(
        service::ops::migrate::up(&db_config(&app.database_url), None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn concurrent_start_ups_migrate_once(app: TestApp) {
    // Roll everything back, then let four "instances" migrate at once.
    let total = database::migration_status(&app.db).await.unwrap().len();
    database::migrate_down(&db_config(&app.database_url), total as u32)
        .await
        .unwrap();
    let config = db_config(&app.database_url);
    let runs = (0..4).map(|_| {
        let config = config.clone();
        tokio::spawn(async move { service::ops::migrate::up(&config, None).await })
    });
    let mut applied = 0;
    for run in runs {
        applied += run.await.unwrap().expect("no instance fails").len();
    }
    assert_eq!(applied, total, "each migration applied exactly once");
}

async fn constraints_hold_in_the_database(app: TestApp) {
    use sea_orm::ConnectionTrait;
    app.create_user("ada@example.com", "Ada").await;
    // Straight SQL, bypassing the service rules: the database itself must refuse.
    for sql in [
        "UPDATE users SET points_balance = -1",
        "UPDATE users SET status = 'banned'",
        "UPDATE users SET tier = 'diamond'",
        "INSERT INTO products (sku, slug, name, category, price_cents, stock, created_at, updated_at) \
         VALUES ('x', 'x', 'x', 'x', 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO products (sku, slug, name, category, price_cents, stock, created_at, updated_at) \
         VALUES ('y', 'y', 'y', 'y', 100, -1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO posts (author_id, title, content, status, created_at, updated_at) \
         VALUES (999, 't', 'c', 'draft', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    ] {
        assert!(
            app.db.execute_unprepared(sql).await.is_err(),
            "accepted: {sql}"
        );
    }
}

tests::both_backends!(
    migrations_go_down_and_up,
    concurrent_start_ups_migrate_once,
    constraints_hold_in_the_database
);

mod broken {
    use migration::{DbErr, MigrationTrait, MigratorTrait, SchemaManager};
    use sea_orm::ConnectionTrait;

    /// Creates a table and fills it, then fails: none of it may remain.
    pub struct Migration;

    impl migration::MigrationName for Migration {
        fn name(&self) -> &str {
            "m20991231_000001_broken_on_purpose"
        }
    }

    #[migration::async_trait::async_trait]
    impl MigrationTrait for Migration {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            let db = manager.get_connection();
            db.execute_unprepared("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
                .await?;
            db.execute_unprepared("INSERT INTO half_done (id) VALUES (1)")
                .await?;
            db.execute_unprepared("UPDATE users SET name = 'changed'")
                .await?;
            db.execute_unprepared("THIS IS NOT SQL").await?;
            Ok(())
        }
    }

    /// Every real migration, then the broken one.
    pub struct Migrator;

    #[migration::async_trait::async_trait]
    impl MigratorTrait for Migrator {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            let mut all = migration::Migrator::migrations();
            all.push(Box::new(Migration));
            all
        }
    }
}

async fn a_failed_migration_changes_nothing(app: TestApp) {
    app.create_user("ada@example.com", "Ada").await;
    let before = service::ops::backup::export(&app.db)
        .await
        .unwrap()
        .fingerprint();
    let pre = tempfile::tempdir().unwrap();
    let err = service::ops::migrate::up_with::<broken::Migrator>(
        &db_config(&app.database_url),
        Some(pre.path()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("m20991231_000001_broken_on_purpose"),
        "names the migration: {err}"
    );
    assert!(err.contains("failed"), "{err}");
    assert_eq!(
        service::ops::backup::export(&app.db)
            .await
            .unwrap()
            .fingerprint(),
        before,
        "data unchanged"
    );
    let status = database::migration_status(&app.db).await.unwrap();
    assert!(status.iter().all(|m| m.applied), "no migration recorded");
    use sea_orm::ConnectionTrait;
    assert!(
        app.db
            .execute_unprepared("SELECT * FROM half_done")
            .await
            .is_err(),
        "no table left behind"
    );
    let written: Vec<_> = std::fs::read_dir(pre.path()).unwrap().collect();
    assert_eq!(written.len(), 1, "a pre-migration backup was taken first");
    if app.backend == Backend::Postgres {
        let path = written[0].as_ref().unwrap().path();
        let dump: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let emails: Vec<&str> = dump["tables"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|u| u["email"].as_str())
            .collect();
        assert!(emails.contains(&"ada@example.com"), "{emails:?}");
    }
}

tests::both_backends!(a_failed_migration_changes_nothing);

async fn check_reports_a_healthy_database(app: TestApp) {
    use service::ops::check::{Status, database};
    let findings = database(&app.db, true).await.unwrap();
    let failed: Vec<_> = findings.iter().filter(|f| f.status != Status::Ok).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let names: Vec<&str> = findings.iter().map(|f| f.check.as_str()).collect();
    assert!(
        names.contains(&"connectivity") && names.contains(&"migrations"),
        "{names:?}"
    );
    if app.backend == Backend::Postgres {
        assert!(names.contains(&"constraints"), "{names:?}");
    } else {
        assert!(
            names.contains(&"integrity_check") && names.contains(&"journal_mode"),
            "{names:?}"
        );
    }
}

tests::both_backends!(check_reports_a_healthy_database);
