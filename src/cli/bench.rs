//! `rwf bench --database-url URL`: throughput (tasks settled per second), approval → downstream dispatch
//! wake latency, and the idle cost of many active workflows with nothing due. With `--shape chain`:
//! sequential agents (DBOS's workload), steps/s and commits, WAL flushes and rows written per task, for
//! chains of `--tasks` and five times as long. `--workers N` runs N workers side by side (each its own
//! id and pool, as N `rwf worker` processes). Runs in a scratch database created next to the given one
//! and dropped afterwards.

use super::db::Conn;
use super::{block_on, CliError, CmdResult, Outcome};
use crate::engine::Verdict;
use crate::exec::builtin::BuiltinExecutor;
use crate::schedule::{Plan, ResolvedTask, Target, Times};
use crate::spec::*;
use crate::store::worker::{Stats, Worker, WorkerConfig};
use crate::store::{LifecycleVerb, NewWorkflow, Store};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the throughput run's workflows look like.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// A root checkpoint, agents and checkpoints in parallel, a final checkpoint; then the approval
    /// latency and idle runs.
    Fan,
    /// Every task an agent waiting for the one before (only the chain runs).
    Chain,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: Conn,
    /// The throughput run's shape
    #[arg(long, value_enum, default_value = "fan")]
    shape: Shape,
    /// Workflows in the throughput run
    #[arg(long, default_value_t = 1000)]
    workflows: usize,
    /// Tasks per workflow in the throughput run
    #[arg(long, default_value_t = 20)]
    tasks: usize,
    /// Workers running their real loops side by side, each with its own id and connection pool (as
    /// that many `rwf worker` processes would)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// Each worker's parallel claimers
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Agents the worker runs at once (`rwf worker --max-in-flight`); a dispatch waiting for a slot
    /// checks its lease before it starts (one more statement)
    #[arg(long, default_value_t = 64)]
    max_in_flight: usize,
    /// Approvals measured for wake latency
    #[arg(long, default_value_t = 50)]
    approvals: usize,
    /// Idle workflows for the idle-cost run
    #[arg(long, default_value_t = 10_000)]
    idle: usize,
    /// Seconds the idle run is observed
    #[arg(long, default_value_t = 10)]
    idle_secs: u64,
    /// The fan shape: stop after the throughput run (no approval-latency or idle runs)
    #[arg(long)]
    throughput_only: bool,
    /// Keep the scratch database
    #[arg(long)]
    keep: bool,
}

fn task(key: &str, step: Step, deps: &[&str]) -> TaskSpec {
    TaskSpec {
        depends_on: deps
            .iter()
            .map(|d| Dependency {
                task: d.to_string(),
                outcome: EdgeOutcome::Success,
            })
            .collect(),
        ..TaskSpec::new(key, step)
    }
}

fn spec(key: &str, tasks: Vec<TaskSpec>, release: DateTime<Utc>) -> WorkflowSpec {
    WorkflowSpec {
        params: vec![ParamSpec {
            name: "release".into(),
            ty: ParamType::Datetime,
            default: None,
            description: None,
        }],
        bindings: BTreeMap::from([("release".into(), serde_json::json!(release.to_rfc3339()))]),
        tasks,
        ..WorkflowSpec::new(key)
    }
}

fn plan(spec: &WorkflowSpec, release: DateTime<Utc>, start: Option<DateTime<Utc>>) -> Plan {
    Plan {
        target: Target {
            instant: release,
            tz: chrono_tz::UTC,
        },
        tasks: spec
            .tasks
            .iter()
            .map(|t| ResolvedTask {
                key: t.key.clone(),
                times: start.filter(|_| t.schedule.is_some()).map(|s| Times {
                    start: s,
                    due: s + chrono::Duration::days(1),
                    end: s + chrono::Duration::days(1),
                }),
                tz: chrono_tz::UTC,
                pinned: false,
            })
            .collect(),
        warnings: Vec::new(),
        warning_tasks: Vec::new(),
    }
}

/// `n` instant tasks: a root checkpoint, then agents and checkpoints in parallel, then a final checkpoint.
fn throughput_spec(n: usize, release: DateTime<Utc>) -> WorkflowSpec {
    let n = n.max(3);
    let mut tasks = vec![task("root", Step::Checkpoint, &[])];
    let mut middle = Vec::new();
    for i in 0..n - 2 {
        let key = format!("t{i}");
        let step = if i % 2 == 0 {
            Step::Agent {
                uses: "builtin:succeed".into(),
                input: BTreeMap::new(),
                timeout: None,
            }
        } else {
            Step::Checkpoint
        };
        tasks.push(task(&key, step, &["root"]));
        middle.push(key);
    }
    let refs: Vec<&str> = middle.iter().map(String::as_str).collect();
    tasks.push(task("done", Step::Checkpoint, &refs));
    spec("bench_throughput", tasks, release)
}

/// Every task an agent (`builtin:succeed`) waiting for the one before: DBOS's sequential steps.
fn chain_spec(n: usize, release: DateTime<Utc>) -> WorkflowSpec {
    let tasks = (0..n.max(1))
        .map(|i| {
            let prev = format!("s{}", i.saturating_sub(1));
            let deps: &[&str] = if i == 0 { &[] } else { &[prev.as_str()] };
            task(
                &format!("s{i}"),
                Step::Agent {
                    uses: "builtin:succeed".into(),
                    input: BTreeMap::new(),
                    timeout: None,
                },
                deps,
            )
        })
        .collect();
    spec(&format!("bench_chain_{n}"), tasks, release)
}

/// The scratch database's counters: commits and rows written (`pg_stat_database`), and WAL flushes
/// (`pg_stat_wal`, cluster-wide: other databases' work on the server counts too).
#[derive(Clone, Copy)]
struct Counters {
    commits: i64,
    rows: i64,
    wal_syncs: i64,
}

/// Statements `counters` itself commits (each read is its own transaction).
const COUNTER_READS: i64 = 3;

async fn counters(store: &Store) -> Result<Counters, CliError> {
    Ok(Counters {
        commits: count(
            store,
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
        )
        .await?,
        rows: count(
            store,
            "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database
             WHERE datname = current_database()",
        )
        .await?,
        wal_syncs: count(store, "SELECT wal_sync FROM pg_stat_wal").await?,
    })
}

/// A fresh pool: the old one's backends exit, which flushes their statistics (a live backend reports
/// them up to 10 s late).
async fn reconnect(store: Store, url: &str) -> Result<Store, CliError> {
    store.pool().close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(Store::connect_with(url, 16).await?)
}

/// One chain run: `workflows` × `tasks` sequential agents through the worker's real loop. Returns
/// (seconds, per-task commits, WAL flushes, rows written).
async fn chain_run(
    args: &Args,
    url: &str,
    workflows: usize,
    tasks: usize,
) -> Result<(f64, f64, f64, f64), CliError> {
    let store = Store::connect_with(url, 16).await?;
    store.migrate().await?;
    let release = Utc::now() + chrono::Duration::days(60);
    let spec = chain_spec(tasks, release);
    let plan = plan(&spec, release, None);
    let ids = store
        .create_workflows(
            NewWorkflow {
                template: &spec,
                spec: &spec,
                plan: &plan,
                actor: "bench",
            },
            None,
            workflows,
        )
        .await?;
    for id in &ids {
        store.transition(*id, LifecycleVerb::Start, "bench").await?;
    }
    let store = reconnect(store, url).await?;
    let before = counters(&store).await?;
    let started = Instant::now();
    let workers = Workers::start(args, url).await?;
    // This run's workflows only (the longer chains run in the same database after the shorter).
    let finished_sql = format!(
        "SELECT count(*) FROM rwf.workflows WHERE template_key = '{}'
           AND status IN ('completed', 'failed')",
        spec.key
    );
    let give_up = Instant::now() + Duration::from_secs(600);
    let mut polls = 0i64;
    loop {
        polls += 1;
        if count(&store, &finished_sql).await? >= workflows as i64 {
            break;
        }
        if Instant::now() > give_up || workers.any_stopped() {
            return Err(CliError::new(
                "the chain run did not finish within 10 minutes",
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let w = workers.stop().await?;
    eprintln!(
        "(chain) {} worker(s): {} loop wakes, {} reconciles (claimed or after an outcome), {} dispatches, {} outcomes",
        args.workers,
        w.stat(|s| &s.wakes),
        w.stat(|s| &s.reconciles),
        w.stat(|s| &s.dispatches),
        w.stat(|s| &s.outcomes)
    );
    let completed = count(
        &store,
        &format!(
            "SELECT count(*) FROM rwf.workflows WHERE template_key = '{}' AND status = 'completed'",
            spec.key
        ),
    )
    .await?;
    if completed != workflows as i64 {
        return Err(CliError::new(format!(
            "only {completed} of {workflows} chain workflows completed"
        )));
    }
    let store = reconnect(store, url).await?;
    let after = counters(&store).await?;
    store.pool().close().await;
    let n = (workflows * tasks) as f64;
    // The bench's own reads (polls, the completion check, the first counter reads) are not the worker's.
    let commits = after.commits - before.commits - polls - 1 - COUNTER_READS;
    Ok((
        secs,
        commits as f64 / n,
        (after.wal_syncs - before.wal_syncs) as f64 / n,
        (after.rows - before.rows) as f64 / n,
    ))
}

/// `--shape chain`: `workflows` × `tasks` sequential agents, then as many chains five times as long
/// (the same concurrency), with steps/s and per-task database work for each.
async fn chain(args: &Args, url: &str) -> CmdResult {
    let long = args.tasks * 5;
    let long_workflows = args.workflows;
    let mut per_task = Vec::new();
    for (workflows, tasks) in [(args.workflows, args.tasks), (long_workflows, long)] {
        let (secs, commits, flushes, rows) = chain_run(args, url, workflows, tasks).await?;
        let n = (workflows * tasks) as f64;
        per_task.push(secs / n);
        println!(
            "(chain) {workflows} workflows × {tasks} sequential agents: {n:.0} steps in {secs:.2}s = {:.0} steps/s; per task: {commits:.2} commits, {flushes:.2} WAL flushes, {rows:.1} rows written",
            n / secs
        );
    }
    println!(
        "(chain) per-task time, {long}-task chain vs {}-task chain: {:.2}× (1.00 = no cost growing with the template)",
        args.tasks,
        per_task[1] / per_task[0]
    );
    Ok(Outcome::Ok)
}

/// `--workers` workers running their real loops (claim, decide, dispatch, record outcomes), each on its
/// own connection pool, until stopped.
struct Workers {
    workers: Vec<Arc<Worker>>,
    stop: tokio::sync::watch::Sender<bool>,
    runners: Vec<tokio::task::JoinHandle<crate::store::Result<()>>>,
}

/// What stopped workers did, summed over them.
struct Ran(Vec<Arc<Worker>>);

impl Ran {
    fn stat(&self, of: impl Fn(&Stats) -> &AtomicUsize) -> usize {
        self.0
            .iter()
            .map(|w| of(&w.stats).load(Ordering::Relaxed))
            .sum()
    }
}

impl Workers {
    async fn start(args: &Args, url: &str) -> Result<Workers, CliError> {
        let (stop, _) = tokio::sync::watch::channel(false);
        let mut workers = Vec::new();
        let mut runners = Vec::new();
        for i in 0..args.workers {
            // Connections enough for the claimers and the outcome transactions.
            let pool = (args.concurrency * 3 + 4).clamp(4, 64) as u32;
            let w = Worker::new(
                Store::connect_with(url, pool).await?,
                WorkerConfig {
                    id: format!("bench-{}-{i}", std::process::id()),
                    poll: Duration::from_secs(30),
                    grace: Duration::from_secs(5),
                    lease: Duration::from_secs(30),
                    concurrency: args.concurrency,
                    max_in_flight: args.max_in_flight.max(1),
                },
                Arc::new(BuiltinExecutor),
                Arc::new(crate::store::RhaiHooks::default()),
            );
            let mut stopped = stop.subscribe();
            let runner = w.clone();
            runners.push(tokio::spawn(async move {
                runner
                    .run(async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await
            }));
            workers.push(w);
        }
        Ok(Workers {
            workers,
            stop,
            runners,
        })
    }

    /// Counters summed over the running workers.
    fn stat(&self, of: impl Fn(&Stats) -> &AtomicUsize) -> usize {
        Ran(self.workers.clone()).stat(of)
    }

    fn any_stopped(&self) -> bool {
        self.runners.iter().any(|r| r.is_finished())
    }

    async fn stop(self) -> Result<Ran, CliError> {
        let _ = self.stop.send(true);
        for r in self.runners {
            r.await.map_err(|e| CliError::new(e.to_string()))??;
        }
        for w in &self.workers {
            w.store().pool().close().await;
        }
        Ok(Ran(self.workers))
    }
}

async fn count(store: &Store, sql: &str) -> Result<i64, CliError> {
    Ok(store.scalar_i64(sql).await?)
}

fn cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        let url = args.conn.database_url.clone().ok_or_else(|| {
            CliError::new("no database given").help("pass --database-url or set DATABASE_URL")
        })?;
        let scratch = format!("rwf_bench_{}", uuid::Uuid::new_v4().simple());
        let scratch_url = Store::create_database(&url, &scratch).await?;
        let result = match args.shape {
            Shape::Fan => bench(&args, &scratch_url).await,
            Shape::Chain => chain(&args, &scratch_url).await,
        };
        if !args.keep {
            Store::drop_database(&url, &scratch).await?;
        } else {
            eprintln!("kept {scratch_url}");
        }
        result
    })
}

async fn bench(args: &Args, url: &str) -> CmdResult {
    let store = Store::connect_with(url, 16).await?;
    store.migrate().await?;
    let release = Utc::now() + chrono::Duration::days(60);

    // (a) Throughput.
    let spec_a = throughput_spec(args.tasks, release);
    let plan_a = plan(&spec_a, release, None);
    eprintln!(
        "(a) creating {} workflows × {} tasks",
        args.workflows,
        spec_a.tasks.len()
    );
    let mut ids = Vec::with_capacity(args.workflows);
    for _ in 0..args.workflows {
        ids.push(
            store
                .create_workflow(NewWorkflow {
                    template: &spec_a,
                    spec: &spec_a,
                    plan: &plan_a,
                    actor: "bench",
                })
                .await?,
        );
    }
    for id in &ids {
        store.transition(*id, LifecycleVerb::Start, "bench").await?;
    }
    // The workers' real loops (claim, decide, dispatch, record outcomes), woken by the start hints.
    let started = Instant::now();
    let cpu0 = cpu_seconds();
    let w = Workers::start(args, url).await?;
    let finished_sql = "SELECT count(*) FROM rwf.workflows WHERE status IN ('completed', 'failed')";
    let give_up = Instant::now() + Duration::from_secs(600);
    while count(&store, finished_sql).await? < args.workflows as i64 {
        if Instant::now() > give_up || w.any_stopped() {
            return Err(CliError::new(
                "the throughput run did not finish within 10 minutes",
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_a = cpu_seconds() - cpu0;
    let settled = count(
        &store,
        "SELECT count(*) FROM rwf.tasks WHERE status = 'succeeded'",
    )
    .await?;
    let completed = count(
        &store,
        "SELECT count(*) FROM rwf.workflows WHERE status = 'completed'",
    )
    .await?;
    let dispatched = w.stat(|s| &s.dispatches);
    println!(
        "(a) throughput: {settled} tasks settled ({dispatched} agent dispatches) in {elapsed:.2}s = {:.0} tasks/s ({completed}/{} workflows completed; worker cpu {cpu_a:.2}s = {:.0}% of a core)",
        settled as f64 / elapsed,
        args.workflows,
        100.0 * cpu_a / elapsed
    );
    if args.throughput_only {
        w.stop().await?;
        store.pool().close().await;
        return Ok(Outcome::Ok);
    }

    // (b) Approval → downstream dispatch latency, with the worker running its real loop.
    let spec_b = spec(
        "bench_approval",
        vec![
            task(
                "ok",
                Step::Approval {
                    approvers: vec![Scope::User("bench".into())],
                    quorum: 1,
                    deadline: None,
                    remind_every: None,
                    on_reject: RejectPolicy::Skip,
                    on_expire: ExpirePolicy::Remind,
                    not_author_of: None,
                },
                &[],
            ),
            task(
                "ship",
                Step::Agent {
                    uses: "builtin:succeed".into(),
                    input: BTreeMap::new(),
                    timeout: None,
                },
                &["ok"],
            ),
        ],
        release,
    );
    let plan_b = plan(&spec_b, release, None);
    let mut latencies = Vec::new();
    for _ in 0..args.approvals {
        let id = store
            .create_workflow(NewWorkflow {
                template: &spec_b,
                spec: &spec_b,
                plan: &plan_b,
                actor: "bench",
            })
            .await?;
        store.transition(id, LifecycleVerb::Start, "bench").await?;
        // Wait until the approval is open.
        let open_by = Instant::now() + Duration::from_secs(10);
        while store.task_status(id, "ok").await? != "waiting_input" {
            if Instant::now() > open_by {
                return Err(CliError::new("approval did not open within 10s"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        store
            .decide(id, "ok", "bench", Verdict::Approve, None)
            .await?;
        let seen_by = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(ms) = store.approval_to_dispatch_ms(id, "ok", "ship").await? {
                latencies.push(ms);
                break;
            }
            if Instant::now() > seen_by {
                return Err(CliError::new("downstream was not dispatched within 10s"));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "(b) approval → downstream dispatch: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (n = {})",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies.last().copied().unwrap_or(f64::NAN),
        latencies.len()
    );

    // (c) Idle cost: many active workflows, nothing due for weeks.
    let spec_c = spec(
        "bench_idle",
        vec![TaskSpec {
            schedule: Some(Schedule::Relative {
                anchor: Anchor::Release,
                offsets: vec![],
                align: vec![],
                then: vec![],
                time_of_day: None,
                timezone: None,
            }),
            window: Some(Span::new(1, Unit::Days).into()),
            ..TaskSpec::new("later", Step::Checkpoint)
        }],
        release,
    );
    let plan_c = plan(&spec_c, release, Some(release));
    eprintln!("(c) creating {} idle workflows", args.idle);
    store
        .create_idle_workflows(&spec_c, &plan_c, args.idle)
        .await?;
    // Let the running worker reconcile them once (each wakes now, then sleeps until the release).
    let settle_by = Instant::now() + Duration::from_secs(300);
    while count(
        &store,
        "SELECT count(*) FROM rwf.workflows WHERE next_wake_at <= now()",
    )
    .await?
        > 0
    {
        if Instant::now() > settle_by {
            return Err(CliError::new("idle workflows did not settle"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Settle the database's own upkeep after the bulk insert, so autovacuum does not run meanwhile.
    store.vacuum_analyze().await?;
    // Idle backends report their statistics up to 10 s late (PostgreSQL's PGSTAT_IDLE_INTERVAL): let
    // the set-up's counts land before the first reading.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let x0 = store.xact_commits().await?;
    let wakes0 = w.stat(|s| &s.wakes);
    let reconciles0 = w.stat(|s| &s.reconciles);
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.idle_secs)).await;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let x1 = store.xact_commits().await?;
    let wakes = w.stat(|s| &s.wakes) - wakes0;
    let reconciles = w.stat(|s| &s.reconciles) - reconciles0;
    let active = count(
        &store,
        "SELECT count(*) FROM rwf.workflows WHERE status = 'active'",
    )
    .await?;
    println!(
        "(c) idle: {active} active workflows, nothing due: worker cpu {:.2}% of a core, {wakes} loop wakes and {reconciles} reconciles in {secs:.0}s, {:.2} transactions/s (database-wide)",
        100.0 * cpu / secs,
        (x1 - x0) as f64 / secs
    );
    w.stop().await?;
    store.pool().close().await;
    Ok(Outcome::Ok)
}
