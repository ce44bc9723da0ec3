//! Database access for both backends: embedded SQLite and PostgreSQL.
//!
//! egov keeps one SQL text for both databases wherever the dialects agree (both accept `$1`
//! placeholders, `RETURNING`, `ON CONFLICT`), and switches on [`Backend`] where they do not. Rather
//! than `sqlx::Any` (which loses types and emits `?` placeholders that PostgreSQL rejects), a [`Db`]
//! wraps one typed pool and binds our own small [`Value`] type to either backend.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Column, PgPool, Postgres, Row as _, Sqlite, SqlitePool, TypeInfo};
use sqlx::{Transaction, ValueRef};

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database error with its cause; callers map it to an internal error at the edge.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("column {column}: {problem}")]
    Decode { column: String, problem: String },
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    BadUrl,
}

impl DbError {
    /// True when the error is a unique or primary-key violation.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

mod value;
pub use value::{FromValue, Row, Value};

/// A pool of connections to one database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    /// The key that seals audit entries (from configuration, never from the database).
    audit_key: Option<crate::audit_key::AuditKey>,
    /// Writes this node has made through the pool (see [`Db::writes`]).
    writes: Arc<AtomicU64>,
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Embedded migration histories, one per backend, with the same version numbers.
pub static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
pub static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// Connect to `sqlite://PATH` (created if missing) or `postgres://...`.
    pub async fn connect(url: &str, max_connections: u32) -> DbResult<Db> {
        if url.starts_with("sqlite:") {
            // Create the database's directory (e.g. ./data) and file readable by this user only:
            // they hold password hashes, sessions and sealed second-factor secrets.
            if let Some(path) = url
                .strip_prefix("sqlite://")
                .map(|p| p.split('?').next().unwrap_or(p))
                && !path.contains(":memory:")
                && !url.contains("mode=memory")
            {
                restrict_sqlite_files(std::path::Path::new(path))?;
            }
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // A 64 MiB page cache per connection instead of SQLite's 2 MiB: bulk imports and
                // roll-ups touch far more pages than that (allocated as used, not up front).
                .pragma("cache_size", "-65536");
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(if in_memory { 1 } else { max_connections.max(2) })
                .connect_with(opts)
                .await?;
            Ok(Db {
                pool: Pool::Sqlite(pool),
                audit_key: None,
                writes: Arc::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?.application_name("egov");
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db {
                pool: Pool::Postgres(pool),
                audit_key: None,
                writes: Arc::default(),
            })
        } else {
            Err(DbError::BadUrl)
        }
    }

    /// The same pool, sealing audit entries with `key` (HMAC-SHA256) from now on.
    pub fn with_audit_key(mut self, key: Option<crate::audit_key::AuditKey>) -> Db {
        self.audit_key = key;
        self
    }

    /// The configured audit key, if any.
    pub fn audit_key(&self) -> Option<&crate::audit_key::AuditKey> {
        self.audit_key.as_ref()
    }

    /// How many writes this node has made: committed transactions and statements run with
    /// [`Db::execute`], counted when they finish. A read cache that saw the same count before
    /// computing a result knows no write of this node has happened since (other nodes announce
    /// theirs through `live`).
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// The PostgreSQL pool, for what needs the driver itself (LISTEN in `live`).
    pub(crate) fn pg_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Postgres(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.pool {
            Pool::Sqlite(_) => &SQLITE_MIGRATIONS,
            Pool::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Apply every migration not yet applied.
    pub async fn migrate(&self) -> DbResult<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// (applied, known) migration counts: the database is current when they are equal.
    pub async fn migration_status(&self) -> DbResult<(usize, usize)> {
        let known = self.migrator().iter().count();
        let applied = self
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM _sqlx_migrations WHERE success",
                crate::params![],
            )
            .await
            .map(|r| r.and_then(|r| r.get::<i64>("n").ok()).unwrap_or(0))
            .unwrap_or(0);
        Ok((applied as usize, known))
    }

    /// (size, idle) of the connection pool, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
            Pool::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Begin a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so that a transaction that
    /// reads before it writes never fails to upgrade its lock.
    pub async fn begin(&self) -> DbResult<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            audit_key: self.audit_key.clone(),
            writes: self.writes.clone(),
        })
    }

    /// Has [`Db::close`] been called (background loops stop and give their connections back)?
    pub fn is_closed(&self) -> bool {
        match &self.pool {
            Pool::Sqlite(p) => p.is_closed(),
            Pool::Postgres(p) => p.is_closed(),
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    pub async fn execute(&self, sql: impl Into<Sql>, params: Vec<Value>) -> DbResult<u64> {
        let sql = sql.into();
        let n = match &self.pool {
            Pool::Sqlite(p) => bind_sqlite(sql, params).execute(p).await?.rows_affected(),
            Pool::Postgres(p) => bind_pg(sql, params).execute(p).await?.rows_affected(),
        };
        if n > 0 {
            self.writes.fetch_add(1, Ordering::AcqRel);
        }
        Ok(n)
    }

    pub async fn fetch_all(&self, sql: impl Into<Sql>, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let sql = sql.into();
        match &self.pool {
            Pool::Sqlite(p) => rows_sqlite(bind_sqlite(sql, params).fetch_all(p).await?),
            Pool::Postgres(p) => rows_pg(bind_pg(sql, params).fetch_all(p).await?),
        }
    }

    pub async fn fetch_optional(
        &self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Option<Row>> {
        Ok(self.fetch_all(sql, params).await?.into_iter().next())
    }

    pub async fn fetch_one(&self, sql: impl Into<Sql>, params: Vec<Value>) -> DbResult<Row> {
        self.fetch_optional(sql, params)
            .await?
            .ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
    }

    /// Run a script of several statements (no parameters), e.g. a test fixture.
    pub async fn execute_script(&self, script: &str) -> DbResult<()> {
        let s = AssertSqlSafe(script.to_owned());
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::raw_sql(s).execute(p).await?;
            }
            Pool::Postgres(p) => {
                sqlx::raw_sql(s).execute(p).await?;
            }
        }
        Ok(())
    }
}

/// Create a SQLite database's missing directories with mode 0700 and its file with mode 0600,
/// and take away group and other access from an existing file and its `-wal` and `-shm` files
/// (SQLite creates those with the mode of the database file).
fn restrict_sqlite_files(path: &std::path::Path) -> DbResult<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir).map_err(|e| DbError::Sqlx(e.into()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| DbError::Sqlx(e.into()))?;
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm", "-journal"] {
        use std::os::unix::fs::PermissionsExt;
        let file = format!("{}{suffix}", path.display());
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.permissions().mode() & 0o077 != 0
        {
            let mode = meta.permissions().mode() & 0o700;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))
                .map_err(|e| DbError::Sqlx(e.into()))?;
        }
    }
    Ok(())
}

impl Backend {
    /// Render a statement built with `sea-query` in this backend's dialect (`?` placeholders for
    /// SQLite, `$N` for PostgreSQL) with its values as bound parameters. Dynamic statements — an
    /// `IN` list, a multi-row `VALUES`, optional filters — are built this way rather than by
    /// gluing text; fixed statements stay plain `&'static str` literals.
    pub fn build<S: sea_query::QueryStatementWriter>(
        self,
        stmt: &S,
    ) -> DbResult<(Sql, Vec<Value>)> {
        let (text, values) = match self {
            Backend::Sqlite => stmt.build_any(&sea_query::SqliteQueryBuilder),
            Backend::Postgres => stmt.build_any(&sea_query::PostgresQueryBuilder),
        };
        let params = values
            .into_iter()
            .map(from_sea_value)
            .collect::<DbResult<Vec<_>>>()?;
        Ok((Sql::trusted(text), params))
    }
}

/// A bound value as `sea-query` takes it (for rows built in code: `values_panic(row.map(Into::into))`).
impl From<Value> for sea_query::Value {
    fn from(v: Value) -> sea_query::Value {
        use sea_query::Value as S;
        match v {
            Value::Int(v) => S::BigInt(v),
            Value::Real(v) => S::Double(v),
            Value::Text(v) => S::String(v),
            Value::Bool(v) => S::Bool(v),
            Value::Bytes(v) => S::Bytes(v),
        }
    }
}

fn from_sea_value(v: sea_query::Value) -> DbResult<Value> {
    use sea_query::Value as S;
    let wide = |v: Option<u64>| -> DbResult<Value> {
        v.map(i64::try_from)
            .transpose()
            .map(Value::Int)
            .map_err(|_| DbError::Decode {
                column: "parameter".into(),
                problem: "unsigned value above i64::MAX".into(),
            })
    };
    Ok(match v {
        S::Bool(v) => Value::Bool(v),
        S::TinyInt(v) => Value::Int(v.map(i64::from)),
        S::SmallInt(v) => Value::Int(v.map(i64::from)),
        S::Int(v) => Value::Int(v.map(i64::from)),
        S::BigInt(v) => Value::Int(v),
        S::TinyUnsigned(v) => Value::Int(v.map(i64::from)),
        S::SmallUnsigned(v) => Value::Int(v.map(i64::from)),
        S::Unsigned(v) => Value::Int(v.map(i64::from)),
        S::BigUnsigned(v) => wide(v)?,
        S::Float(v) => Value::Real(v.map(f64::from)),
        S::Double(v) => Value::Real(v),
        S::String(v) => Value::Text(v),
        S::Char(v) => Value::Text(v.map(String::from)),
        S::Bytes(v) => Value::Bytes(v),
        other => {
            return Err(DbError::Decode {
                column: "parameter".into(),
                problem: format!("unsupported sea-query value {other:?}"),
            });
        }
    })
}

/// Typed reads: `#[derive(sqlx::FromRow)]` structs decoded straight from the driver's rows, for
/// either backend (the column types must decode on both: `i64`, `f64`, `String`, `bool`,
/// `Vec<u8>` and their `Option`s).
pub trait FromRows:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> FromRows for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

macro_rules! typed_binder {
    ($name:ident, $db:ty) => {
        fn $name<T>(
            sql: Sql,
            params: Vec<Value>,
        ) -> sqlx::query::QueryAs<'static, $db, T, <$db as sqlx::Database>::Arguments>
        where
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row>,
        {
            let cached = !sql.per_call;
            let mut q = sqlx::query_as::<_, T>(sql.text);
            for p in params {
                q = match p {
                    Value::Int(v) => q.bind(v),
                    Value::Real(v) => q.bind(v),
                    Value::Text(v) => q.bind(v),
                    Value::Bool(v) => q.bind(v),
                    Value::Bytes(v) => q.bind(v),
                };
            }
            q.persistent(cached)
        }
    };
}
typed_binder!(bind_sqlite_as, Sqlite);
typed_binder!(bind_pg_as, Postgres);

impl Db {
    /// [`Db::fetch_all`] decoded into `T` (`#[derive(sqlx::FromRow)]`).
    pub async fn fetch_all_as<T: FromRows>(
        &self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Vec<T>> {
        let sql = sql.into();
        Ok(match &self.pool {
            Pool::Sqlite(p) => bind_sqlite_as(sql, params).fetch_all(p).await?,
            Pool::Postgres(p) => bind_pg_as(sql, params).fetch_all(p).await?,
        })
    }

    /// [`Db::fetch_optional`] decoded into `T`.
    pub async fn fetch_optional_as<T: FromRows>(
        &self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Option<T>> {
        let sql = sql.into();
        Ok(match &self.pool {
            Pool::Sqlite(p) => bind_sqlite_as(sql, params).fetch_optional(p).await?,
            Pool::Postgres(p) => bind_pg_as(sql, params).fetch_optional(p).await?,
        })
    }
}

impl Tx {
    /// [`Tx::fetch_all`] decoded into `T` (`#[derive(sqlx::FromRow)]`).
    pub async fn fetch_all_as<T: FromRows>(
        &mut self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Vec<T>> {
        let sql = sql.into();
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => bind_sqlite_as(sql, params).fetch_all(&mut **t).await?,
            TxInner::Postgres(t) => bind_pg_as(sql, params).fetch_all(&mut **t).await?,
        })
    }

    /// [`Tx::fetch_optional`] decoded into `T`.
    pub async fn fetch_optional_as<T: FromRows>(
        &mut self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Option<T>> {
        let sql = sql.into();
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => bind_sqlite_as(sql, params).fetch_optional(&mut **t).await?,
            TxInner::Postgres(t) => bind_pg_as(sql, params).fetch_optional(&mut **t).await?,
        })
    }
}

/// SQL text: a `&'static str` literal, or a string built at run time from trusted fragments only
/// (never from user input: values always travel as bound parameters).
pub struct Sql {
    text: sqlx::SqlStr,
    /// PostgreSQL: plan at each call with its values ([`Sql::planned_per_call`]).
    per_call: bool,
}

impl From<&'static str> for Sql {
    fn from(s: &'static str) -> Self {
        Sql {
            text: sqlx::SqlSafeStr::into_sql_str(s),
            per_call: false,
        }
    }
}

impl Sql {
    /// SQL assembled at run time from fixed fragments chosen by code (filters, dialect switches).
    pub fn trusted(s: String) -> Self {
        Sql {
            text: sqlx::SqlSafeStr::into_sql_str(AssertSqlSafe(s)),
            per_call: false,
        }
    }

    /// On PostgreSQL, planned for each call with that call's values instead of from a cached
    /// plan. After five calls of a prepared statement PostgreSQL may switch to a generic plan,
    /// made without the values; for a key lookup that is right, but for a long `IN` list over a
    /// large table it can be several times slower (a national roll-up over 60 months: 27.3 ms
    /// against 7.5 ms, docs/benchmarks.md). Costs a parse and a plan per call. SQLite plans each
    /// statement once either way; there the flag does nothing.
    pub fn planned_per_call(mut self) -> Self {
        self.per_call = true;
        self
    }
}

/// A transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    inner: TxInner,
    audit_key: Option<crate::audit_key::AuditKey>,
    writes: Arc<AtomicU64>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// The key that seals audit entries appended in this transaction.
    pub fn audit_key(&self) -> Option<&crate::audit_key::AuditKey> {
        self.audit_key.as_ref()
    }

    pub async fn commit(self) -> DbResult<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        self.writes.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    pub async fn execute(&mut self, sql: impl Into<Sql>, params: Vec<Value>) -> DbResult<u64> {
        let sql = sql.into();
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => bind_sqlite(sql, params)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            TxInner::Postgres(t) => bind_pg(sql, params)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all(
        &mut self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Vec<Row>> {
        let sql = sql.into();
        match &mut self.inner {
            TxInner::Sqlite(t) => rows_sqlite(bind_sqlite(sql, params).fetch_all(&mut **t).await?),
            TxInner::Postgres(t) => rows_pg(bind_pg(sql, params).fetch_all(&mut **t).await?),
        }
    }

    pub async fn fetch_optional(
        &mut self,
        sql: impl Into<Sql>,
        params: Vec<Value>,
    ) -> DbResult<Option<Row>> {
        Ok(self.fetch_all(sql, params).await?.into_iter().next())
    }

    pub async fn fetch_one(&mut self, sql: impl Into<Sql>, params: Vec<Value>) -> DbResult<Row> {
        self.fetch_optional(sql, params)
            .await?
            .ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
    }
}

macro_rules! binder {
    ($name:ident, $db:ty) => {
        fn $name(
            sql: Sql,
            params: Vec<Value>,
        ) -> sqlx::query::Query<'static, $db, <$db as sqlx::Database>::Arguments> {
            let mut q = sqlx::query(sql.text);
            for p in params {
                q = match p {
                    Value::Int(v) => q.bind(v),
                    Value::Real(v) => q.bind(v),
                    Value::Text(v) => q.bind(v),
                    Value::Bool(v) => q.bind(v),
                    Value::Bytes(v) => q.bind(v),
                };
            }
            q
        }
    };
}
binder!(bind_sqlite_plain, Sqlite);
binder!(bind_pg_cached, Postgres);

fn bind_pg(
    sql: Sql,
    params: Vec<Value>,
) -> sqlx::query::Query<'static, Postgres, <Postgres as sqlx::Database>::Arguments> {
    // Not persistent: sqlx sends it as PostgreSQL's unnamed statement, planned at each bind.
    let cached = !sql.per_call;
    bind_pg_cached(sql, params).persistent(cached)
}

fn bind_sqlite(
    sql: Sql,
    params: Vec<Value>,
) -> sqlx::query::Query<'static, Sqlite, <Sqlite as sqlx::Database>::Arguments> {
    bind_sqlite_plain(sql, params)
}

fn column_names<R: sqlx::Row>(row: &R) -> std::sync::Arc<[String]> {
    row.columns().iter().map(|c| c.name().to_owned()).collect()
}

fn rows_sqlite(rows: Vec<SqliteRow>) -> DbResult<Vec<Row>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let columns = column_names(first);
    rows.iter()
        .map(|r| {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let raw = r.try_get_raw(i)?;
                let v = if raw.is_null() {
                    Value::Text(None)
                } else {
                    match raw.type_info().name() {
                        "INTEGER" | "INT" | "BIGINT" | "BOOLEAN" => Value::Int(Some(r.try_get(i)?)),
                        "REAL" | "FLOAT" | "DOUBLE" => Value::Real(Some(r.try_get(i)?)),
                        "BLOB" => Value::Bytes(Some(r.try_get(i)?)),
                        _ => Value::Text(Some(r.try_get(i)?)),
                    }
                };
                values.push(v);
            }
            Ok(Row {
                columns: columns.clone(),
                values,
            })
        })
        .collect()
}

fn rows_pg(rows: Vec<PgRow>) -> DbResult<Vec<Row>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let columns = column_names(first);
    rows.iter()
        .map(|r| {
            let mut values = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let raw = r.try_get_raw(i)?;
                let ty = raw.type_info().name().to_owned();
                let null = raw.is_null();
                let v = match ty.as_str() {
                    "INT8" => Value::Int(r.try_get(i)?),
                    "INT4" => Value::Int(r.try_get::<Option<i32>, _>(i)?.map(i64::from)),
                    "INT2" => Value::Int(r.try_get::<Option<i16>, _>(i)?.map(i64::from)),
                    "FLOAT8" => Value::Real(r.try_get(i)?),
                    "FLOAT4" => Value::Real(r.try_get::<Option<f32>, _>(i)?.map(f64::from)),
                    "BOOL" => Value::Bool(r.try_get(i)?),
                    "BYTEA" => Value::Bytes(r.try_get(i)?),
                    "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(r.try_get(i)?),
                    other if null => {
                        let _ = other;
                        Value::Text(None)
                    }
                    other => {
                        return Err(DbError::Decode {
                            column: columns[i].clone(),
                            problem: format!("unsupported PostgreSQL type {other}"),
                        });
                    }
                };
                values.push(v);
            }
            Ok(Row {
                columns: columns.clone(),
                values,
            })
        })
        .collect()
}

/// Milliseconds since the Unix epoch: how egov stores instants on both backends.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests;
