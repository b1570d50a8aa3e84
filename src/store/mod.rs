//! Persistence: Postgres via sqlx (the only place sqlx is used), migrations, and the worker's queries.
//!
//! Schema `rwf` (see `migrations/`): immutable template versions, workflows (CAS on `lock_version`,
//! `next_wake_at` indexed), the per-task ledger, per-edge dependencies, the gate ledger, attempts with
//! idempotency keys and fenced leases, artifacts, approvals and human-only decisions, the append-only
//! event log and the notifications feed. Every query is a runtime `sqlx::query`, so building needs no
//! database.

mod admin;
mod calendar;
mod clock;
mod deliveries;
pub mod delivery;
mod edit;
mod error;
mod events;
mod feed;
mod feed_reads;
mod followers;
mod glue;
mod heartbeat;
mod hook_host;
mod human;
mod inbox;
mod input_requests;
mod recover;
mod sessions;
mod signals;
pub mod snapshot;
mod templates;
mod tokens;
pub mod worker;
mod workflows;

pub use admin::url_with_database;
pub use calendar::CalendarFeed;
pub use clock::Clock;
pub use deliveries::DeliveryRow;
pub use edit::{Built, EditOptions, EditResult, TemplateVersion};
pub use error::{Result, StoreError};
pub use events::{EventRow, Follower, NotificationRow};
pub use feed::{Change, ChangeListener, FeedCursor};
pub use heartbeat::STALE_AFTER;
pub use hook_host::{HookProvider, RhaiHooks};
pub use inbox::InboxItem;
pub use input_requests::InputRequest;
pub use sessions::{NewSession, SessionAuth};
pub use signals::SignalReceipt;
pub use tokens::{token_hash, Authenticated, PrincipalKind, TokenRow};
pub use workflows::{LifecycleVerb, NewWorkflow, TaskRow, WorkflowRow};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// `pg_notify` channel carrying wake hints (payload: a workflow id, or empty for "look").
pub const WAKE_CHANNEL: &str = "rwf_wake";
/// `pg_notify` channel carrying new events (payload: workflow id), for `rwf log --follow` and the
/// server's live streams; sent only while one follows (`followers`).
pub const EVENT_CHANNEL: &str = "rwf_events";

use std::sync::Arc;

/// The cause of a failed first connection, in words, with where it was tried.
fn unreachable(where_: &str, e: &sqlx::Error) -> String {
    use std::io::ErrorKind;
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => format!("connection refused at {where_}"),
            ErrorKind::NotFound => format!("no such socket or host: {where_} ({io})"),
            _ => format!("cannot reach {where_}: {io}"),
        },
        other => format!("{where_}: {other}"),
    }
}

/// How long the first connection may take before a database command gives up and says so.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("src/store/migrations");

/// A handle on the database: a pool plus the clock every decision reads.
#[derive(Clone)]
pub struct Store {
    pool: PgPool,
    clock: Clock,
    /// Who is in which approver scope (rwf.toml's people directory); empty by default.
    directory: Arc<dyn crate::engine::Membership + Send + Sync>,
    /// The surface people act through, recorded with their decisions (see `with_via`).
    via: Option<&'static str>,
}

pub(crate) type Tx<'a> = Transaction<'a, Postgres>;

impl Store {
    /// Connects (a small pool) without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, 8).await
    }

    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)
            .map_err(StoreError::Db)?
            .application_name("rwf");
        // One direct connection first, within CONNECT_TIMEOUT: the pool retries a refused connection
        // until its acquire timeout and then only says "pool timed out"; this says why, at once.
        let where_ = format!("{}:{}", options.get_host(), options.get_port());
        match tokio::time::timeout(
            CONNECT_TIMEOUT,
            <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
        )
        .await
        {
            Ok(Ok(first)) => {
                let _ = sqlx::Connection::close(first).await;
            }
            Ok(Err(e)) => return Err(StoreError::Unreachable(unreachable(&where_, &e))),
            Err(_) => {
                return Err(StoreError::Unreachable(format!(
                    "no answer from {where_} within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )))
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await
            .map_err(StoreError::Db)?;
        Ok(Store {
            pool,
            clock: Clock::Database,
            directory: Arc::new(crate::engine::StaticDirectory::default()),
            via: None,
        })
    }

    /// Same database, another clock (tests use `Clock::fixed`).
    pub fn with_clock(mut self, clock: Clock) -> Store {
        self.clock = clock;
        self
    }

    /// The people directory approver scopes (teams, organizations) are checked against.
    pub fn with_directory(
        mut self,
        directory: impl crate::engine::Membership + Send + Sync + 'static,
    ) -> Store {
        self.directory = Arc::new(directory);
        self
    }

    /// Records every human action taken through this handle as made `via` a surface: `admin` (the
    /// CLI's direct database path) or `api` (`rwf serve`, after authentication).
    pub fn with_via(mut self, via: &'static str) -> Store {
        self.via = Some(via);
        self
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Applies the embedded migrations (idempotent; concurrent callers serialise on sqlx's lock).
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Applied migration versions, oldest first.
    pub async fn migrations(&self) -> Result<Vec<(i64, String)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT version, description FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// One round trip to the database (readiness).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn begin(&self) -> Result<Tx<'static>> {
        Ok(self.pool.begin().await?)
    }
}

/// Sends a wake hint inside the caller's transaction (delivered on commit).
pub(crate) async fn notify_wake(tx: &mut Tx<'_>, workflow: uuid::Uuid) -> Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(WAKE_CHANNEL)
        .bind(workflow.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
