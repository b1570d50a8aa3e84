//! `rwf worker`: run the reconciler until SIGINT/SIGTERM (then finish in-flight work within --grace and
//! hand the remaining leases back).

use super::db::{open, Conn};
use super::{block_on, CmdResult, Outcome};
use crate::config::AgentRegistry;
use crate::exec::Executor;
use crate::store::worker::{Worker, WorkerConfig};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: Conn,
    /// Lease holder name; restarting with the same id takes this worker's leases back at once
    #[arg(long)]
    id: Option<String>,
    /// Safety poll interval in seconds, 0.1 to 86400 (the worker also wakes on NOTIFY and at the next
    /// due time)
    #[arg(long, default_value = "30", value_parser = poll_secs)]
    poll: Duration,
    /// Seconds in-flight dispatches may finish after a stop signal, 0.1 to 3600
    #[arg(long, default_value = "10", value_parser = grace_secs)]
    grace: Duration,
    /// Dispatch lease length in seconds, 1 to 86400 (heartbeats renew it every third of it)
    #[arg(long, default_value = "30", value_parser = lease_secs)]
    lease: Duration,
    /// Parallel claimers
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Agents running at once
    #[arg(long, default_value_t = 64)]
    max_in_flight: usize,
    /// Run `builtin:` agents with the built-in test executor
    #[arg(long)]
    test_executor: bool,
    /// rwf.toml with the agents (default: the nearest one upward)
    #[arg(long)]
    config: Option<std::path::PathBuf>,
}

/// Seconds as written on the command line, within `min..=max`: a poll below the minimum would spin
/// on the database, and a value past the maximum is a typo (and `1e300` overflows a `Duration`).
fn bounded_secs(text: &str, min: f64, max: f64) -> Result<Duration, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(min..=max).contains(&v) {
        return Err(format!("must be between {min} and {max} seconds"));
    }
    Duration::try_from_secs_f64(v).map_err(|e| e.to_string())
}

fn poll_secs(text: &str) -> Result<Duration, String> {
    bounded_secs(text, 0.1, 86_400.0)
}

fn grace_secs(text: &str) -> Result<Duration, String> {
    bounded_secs(text, 0.1, 3_600.0)
}

fn lease_secs(text: &str) -> Result<Duration, String> {
    bounded_secs(text, 1.0, 86_400.0)
}

/// The executor the worker runs agents with: `rwf.toml`'s agents, and `builtin:` agents with the test
/// executor when `--test-executor` is given.
pub(crate) fn executor(config: &crate::config::Config, test_executor: bool) -> Arc<dyn Executor> {
    let builtin =
        test_executor.then(|| Arc::new(crate::exec::builtin::BuiltinExecutor) as Arc<dyn Executor>);
    Arc::new(AgentRegistry::new(config, builtin))
}

pub fn run(args: Args) -> CmdResult {
    block_on(async move {
        // A broken rwf.toml fails before the database is touched.
        let config = super::db::load_config(args.config.as_deref())?;
        let store = open(&args.conn).await?;
        let worker_config = WorkerConfig {
            id: args
                .id
                .clone()
                .unwrap_or_else(|| format!("worker-{}", std::process::id())),
            poll: args.poll,
            grace: args.grace,
            lease: args.lease,
            concurrency: args.concurrency.max(1),
            max_in_flight: args.max_in_flight.max(1),
        };
        // Notifications go out to rwf.toml's sinks beside the reconciler, until the worker stops.
        let (stop_delivery, stop_rx) = tokio::sync::watch::channel(false);
        let deliverer = crate::exec::deliver::Deliverer::new(config.routes(), config.delivery);
        let (holder, poll) = (worker_config.id.clone(), worker_config.poll);
        let delivery_store = store.clone();
        let delivery = tokio::spawn(async move {
            crate::store::delivery::deliver_feed(
                delivery_store,
                deliverer,
                &holder,
                poll,
                stop_rx,
                &|e| eprintln!("deliver: {e}"),
            )
            .await
        });
        // A heartbeat, so `rwf start` and `rwf status` can tell when no worker runs.
        let (stop_beat, mut beat_rx) = tokio::sync::watch::channel(false);
        let beat_store = store.clone();
        let beat_id = worker_config.id.clone();
        let beat_every = worker_config.poll.min(std::time::Duration::from_secs(10));
        let heartbeat = tokio::spawn(async move {
            let started = chrono::Utc::now();
            loop {
                if let Err(e) = beat_store.beat(&beat_id, started).await {
                    eprintln!("heartbeat: {e}");
                }
                tokio::select! {
                    _ = tokio::time::sleep(beat_every) => {}
                    _ = beat_rx.changed() => break,
                }
            }
            let _ = beat_store.worker_stopped(&beat_id).await;
        });
        let executor = executor(&config, args.test_executor);
        let worker = Worker::new(
            store,
            worker_config,
            executor,
            Arc::new(crate::store::RhaiHooks::default()),
        );
        eprintln!("worker {} running", worker.id());
        let shutdown = async {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        let ran = worker.run(shutdown).await;
        let _ = stop_delivery.send(true);
        let _ = stop_beat.send(true);
        let _ = heartbeat.await;
        if let Ok(Err(e)) = delivery.await {
            eprintln!("deliver: {e}");
        }
        ran?;
        eprintln!("worker {} stopped", worker.id());
        Ok(Outcome::Ok)
    })
}
