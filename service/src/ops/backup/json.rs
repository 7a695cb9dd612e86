//! Logical backups: every table as JSON rows in primary-key order, with the schema version,
//! row counts and a SHA-256 per table, written and read the same way on SQLite and PostgreSQL.

use super::BackupError;
use crate::{Error, Result, domain::clock, store::db};
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{order, order_item, point_transaction, post, product, role, user, user_role};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Value;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ColumnType, ConnectionTrait,
    DatabaseBackend, DatabaseConnection, EntityTrait, IdenStatic, Iterable, ModelTrait,
    PrimaryKeyToColumn, QueryOrder, Statement,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The backup file format's own version.
pub const FORMAT_VERSION: u32 = 1;

/// A whole database, table by table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Dump {
    pub format: String,
    pub format_version: u32,
    /// The newest migration applied to the source database.
    pub schema_version: String,
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`.
    pub source: String,
    pub tables: Vec<TableDump>,
}

/// One table.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub row_count: u64,
    /// SHA-256 of the rows as canonical JSON, hex.
    pub checksum: String,
    pub rows: Vec<Vec<serde_json::Value>>,
}

impl Dump {
    /// Checks every table's row count and checksum.
    pub fn verify(&self) -> Result<()> {
        if self.format != "shopgraph-backup" || self.format_version > FORMAT_VERSION {
            return Err(BackupError::UnknownFormat {
                format: self.format.clone(),
                version: self.format_version,
            }
            .into());
        }
        for table in &self.tables {
            if table.rows.len() as u64 != table.row_count {
                return Err(BackupError::RowCount {
                    table: table.name.clone(),
                    rows: table.rows.len() as u64,
                    header: table.row_count,
                }
                .into());
            }
            if checksum(&table.rows)? != table.checksum {
                return Err(BackupError::Checksum {
                    table: table.name.clone(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Per-table (name, rows, checksum): what two copies of the same data agree on.
    pub fn fingerprint(&self) -> Vec<(String, u64, String)> {
        self.tables
            .iter()
            .map(|t| (t.name.clone(), t.row_count, t.checksum.clone()))
            .collect()
    }
}

fn checksum(rows: &[Vec<serde_json::Value>]) -> Result<String> {
    let canonical = serde_json::to_vec(rows).map_err(BackupError::Encode)?;
    Ok(hex::encode(Sha256::digest(canonical)))
}

/// A value as canonical JSON: integers, strings, booleans, timestamps as RFC 3339 UTC with
/// microseconds, NULL as null — the same whichever database it came from.
fn to_json(value: Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Bool(Some(b)) => J::from(b),
        Value::TinyInt(Some(i)) => J::from(i),
        Value::SmallInt(Some(i)) => J::from(i),
        Value::Int(Some(i)) => J::from(i),
        Value::BigInt(Some(i)) => J::from(i),
        Value::String(Some(s)) => J::from(s),
        Value::ChronoDateTimeUtc(Some(t)) => {
            J::from(t.to_rfc3339_opts(SecondsFormat::Micros, true))
        }
        _ => J::Null,
    }
}

/// The JSON of a column back into a value of its type.
fn from_json(json: &serde_json::Value, column_type: &ColumnType, column: &str) -> Result<Value> {
    let bad = || BackupError::BadValue {
        column: column.to_owned(),
        value: json.to_string(),
    };
    if json.is_null() {
        return Ok(match column_type {
            ColumnType::Integer => Value::Int(None),
            ColumnType::BigInteger => Value::BigInt(None),
            ColumnType::TimestampWithTimeZone => Value::ChronoDateTimeUtc(None),
            _ => Value::String(None),
        });
    }
    Ok(match column_type {
        ColumnType::Integer => Value::Int(Some(
            json.as_i64()
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(bad)?,
        )),
        ColumnType::BigInteger => Value::BigInt(Some(json.as_i64().ok_or_else(bad)?)),
        ColumnType::TimestampWithTimeZone => {
            let text = json.as_str().ok_or_else(bad)?;
            let at = DateTime::parse_from_rfc3339(text)
                .map_err(|_| bad())?
                .with_timezone(&Utc);
            Value::ChronoDateTimeUtc(Some(at))
        }
        _ => Value::String(Some(json.as_str().ok_or_else(bad)?.to_owned())),
    })
}

async fn export_table<E>(db: &impl ConnectionTrait) -> Result<TableDump>
where
    E: EntityTrait,
    E::Model: ModelTrait<Entity = E>,
{
    let mut select = E::find();
    for key in E::PrimaryKey::iter() {
        select = select.order_by_asc(key.into_column());
    }
    let models = select.all(db).await?;
    let columns: Vec<E::Column> = E::Column::iter().collect();
    let rows: Vec<Vec<serde_json::Value>> = models
        .iter()
        .map(|m| columns.iter().map(|c| to_json(m.get(*c))).collect())
        .collect();
    Ok(TableDump {
        name: E::default().table_name().to_owned(),
        columns: columns.iter().map(|c| c.as_str().to_owned()).collect(),
        row_count: rows.len() as u64,
        checksum: checksum(&rows)?,
        rows,
    })
}

/// Reads every table. Run it inside one read transaction for a consistent copy on a live
/// database (PostgreSQL: REPEATABLE READ snapshot; SQLite: one read transaction).
#[tracing::instrument(skip(db))]
pub async fn export(db: &DatabaseConnection) -> Result<Dump> {
    use sea_orm::{AccessMode, IsolationLevel, TransactionTrait};
    // One snapshot of the whole database: REPEATABLE READ on PostgreSQL; on SQLite (WAL) any
    // transaction reads one snapshot from its first read on.
    let txn = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    };
    let tables = vec![
        export_table::<user::Entity>(&txn).await?,
        export_table::<role::Entity>(&txn).await?,
        export_table::<user_role::Entity>(&txn).await?,
        export_table::<post::Entity>(&txn).await?,
        export_table::<product::Entity>(&txn).await?,
        export_table::<order::Entity>(&txn).await?,
        export_table::<order_item::Entity>(&txn).await?,
        export_table::<point_transaction::Entity>(&txn).await?,
    ];
    txn.commit().await?;
    let schema_version = db::migration_status(db)
        .await?
        .into_iter()
        .rfind(|m| m.applied)
        .map(|m| m.name)
        .unwrap_or_default();
    Ok(Dump {
        format: "shopgraph-backup".into(),
        format_version: FORMAT_VERSION,
        schema_version,
        created_at: clock::now(),
        source: match db.get_database_backend() {
            DatabaseBackend::Postgres => "postgres".into(),
            _ => "sqlite".into(),
        },
        tables,
    })
}

async fn import_table<E>(txn: &impl ConnectionTrait, table: Option<&TableDump>) -> Result<()>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let Some(table) = table else { return Ok(()) };
    let columns: Vec<(usize, E::Column)> = table
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            E::Column::iter()
                .find(|c| c.as_str() == name)
                .map(|c| (i, c))
        })
        .collect();
    for chunk in table.rows.chunks(500) {
        let mut models = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut model = E::ActiveModel::default();
            for (i, column) in &columns {
                let json = row.get(*i).unwrap_or(&serde_json::Value::Null);
                model.set(
                    *column,
                    from_json(json, column.def().get_column_type(), column.as_str())?,
                );
            }
            models.push(model);
        }
        if !models.is_empty() {
            E::insert_many(models).exec_without_returning(txn).await?;
        }
    }
    Ok(())
}

/// The tables in the order rows may be inserted (parents first).
const TABLE_ORDER: [&str; 8] = [
    "users",
    "roles",
    "user_roles",
    "posts",
    "products",
    "orders",
    "order_items",
    "point_transactions",
];

/// Replaces every row with the dump's, in one transaction: tables are emptied children first
/// and filled parents first, auto-increment sequences are set past the restored ids (so the next
/// insert never collides), and foreign keys are checked before the commit. A dump of a schema
/// newer than this binary knows is refused.
#[tracing::instrument(skip(db, dump))]
pub async fn import(db: &DatabaseConnection, dump: &Dump) -> Result<()> {
    dump.verify()?;
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if !dump.schema_version.is_empty() && !known.contains(&dump.schema_version) {
        return Err(BackupError::NewerSchema {
            schema: dump.schema_version.clone(),
        }
        .into());
    }
    let table = |name: &str| dump.tables.iter().find(|t| t.name == name);
    let backend = db.get_database_backend();
    let txn = db::begin_write(db).await?;
    for name in TABLE_ORDER.iter().rev() {
        txn.execute_raw(Statement::from_string(
            backend,
            format!("DELETE FROM {name}"),
        ))
        .await?;
    }
    // A table the dump lacks (an older backup) stays empty.
    let get = |name: &str| table(name);
    import_table::<user::Entity>(&txn, get("users")).await?;
    import_table::<role::Entity>(&txn, get("roles")).await?;
    import_table::<user_role::Entity>(&txn, get("user_roles")).await?;
    import_table::<post::Entity>(&txn, get("posts")).await?;
    import_table::<product::Entity>(&txn, get("products")).await?;
    import_table::<order::Entity>(&txn, get("orders")).await?;
    import_table::<order_item::Entity>(&txn, get("order_items")).await?;
    import_table::<point_transaction::Entity>(&txn, get("point_transactions")).await?;
    db::reset_sequences(&txn).await?;
    if backend == DatabaseBackend::Sqlite {
        let broken = txn
            .query_all_raw(Statement::from_string(backend, "PRAGMA foreign_key_check"))
            .await?;
        if !broken.is_empty() {
            return Err(BackupError::BrokenForeignKeys { rows: broken.len() }.into());
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Writes a dump as JSON.
pub(super) fn write(dump: &Dump, path: &Path) -> Result<()> {
    let io = |err| Error::io("write", path, err);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut out, dump).map_err(|e| {
        if e.is_io() {
            // The file's own error, as the writer met it.
            io(e.into())
        } else {
            BackupError::Encode(e).into()
        }
    })?;
    // Dropping a BufWriter flushes it but swallows the error: a disk that fills on the last
    // buffer would leave a cut-off file that looks whole.
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)
}

/// Reads a dump written by [`write`].
pub(super) fn read(path: &Path) -> Result<Dump> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| BackupError::Unreadable(e).into())
}
