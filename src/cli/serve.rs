//! `rwf serve [--listen 127.0.0.1:8080]`: the HTTP API until SIGINT/SIGTERM, then a graceful stop
//! (no new connections, live streams ended, requests in flight finished).

use super::db::{open, Conn};
use super::{block_on, CliError, CmdResult, Outcome};
use crate::server::Settings;
use std::net::SocketAddr;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on. Loopback by default: put TLS and any public exposure on a proxy
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// rwf.toml with the people directory and `[server]` roles (default: the nearest one upward)
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Largest request body, e.g. `1MiB`, `512KiB` or bytes
    #[arg(long, default_value = "1MiB")]
    max_body: String,
    /// A request without its response by then gets a 504 (`30s`, `2m`)
    #[arg(long, default_value = "30s")]
    timeout: String,
    /// Database connections of this process
    #[arg(long, default_value_t = 16)]
    pool: u32,
    /// Try it: DATABASE_URL or a throwaway PostgreSQL cluster, the shipped templates, the example
    /// people (examples/rwf.toml) with sign-in tokens, a started demo release and a worker
    #[arg(long)]
    dev: bool,
    #[command(flatten)]
    conn: Conn,
}

fn bytes(text: &str) -> Result<usize, CliError> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: usize = digits.parse().map_err(|_| {
        CliError::new(format!("`--max-body {text}` is not a size"))
            .help("write bytes, or a number with KiB or MiB: `--max-body 1MiB`")
    })?;
    let factor = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "K" | "KB" => 1 << 10,
        "MiB" | "M" | "MB" => 1 << 20,
        other => {
            return Err(CliError::new(format!("unknown size unit `{other}`"))
                .help("write bytes, or a number with KiB or MiB: `--max-body 1MiB`"))
        }
    };
    Ok(n * factor)
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn run(mut args: Args) -> CmdResult {
    if args.dev && args.config.is_none() {
        args.config = super::dev::shipped("examples/rwf.toml");
    }
    // --dev without DATABASE_URL: a throwaway cluster, stopped and removed when this returns.
    let mut _cluster = None;
    if args.dev
        && args
            .conn
            .database_url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty())
    {
        eprintln!("no DATABASE_URL: starting a throwaway PostgreSQL cluster");
        let (cluster, url) = super::dev::start_cluster()?;
        _cluster = Some(cluster);
        args.conn.database_url = Some(url);
    }
    let config = super::db::load_config(args.config.as_deref())?;
    let timeout = crate::config::parse_duration(&args.timeout).ok_or_else(|| {
        CliError::new(format!("`--timeout {}` is not a duration", args.timeout))
            .help("write amounts with units ms, s, m, h, e.g. `30s`")
    })?;
    let settings = Settings {
        directory: config.directory.clone(),
        roles: config.server.clone(),
        max_body: bytes(&args.max_body)?,
        timeout,
    };
    block_on(async move {
        // Validates the URL and migrates; the server then gets a pool of its own size.
        open(&args.conn).await?;
        let url = args.conn.database_url.clone().unwrap_or_default();
        let store = crate::store::Store::connect_with(&url, args.pool)
            .await
            .map_err(|e| CliError::new(format!("cannot connect to the database: {e}")))?
            .with_directory(config.directory.clone());
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                CliError::new(format!("cannot listen on {}: {e}", args.listen))
                    .help("pick a free port with --listen 127.0.0.1:PORT")
            })?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            eprintln!(
                "warning: listening on {addr}, beyond this machine; serve it through a TLS proxy"
            );
        }
        crate::server::log(serde_json::json!({
            "level": "info", "msg": "listening", "addr": addr.to_string(),
        }));
        if !args.dev {
            crate::server::serve(listener, store, settings, stop_signal()).await?;
            crate::server::log(serde_json::json!({ "level": "info", "msg": "stopped" }));
            return Ok(Outcome::Ok);
        }
        let seeded = super::dev::seed(&store, &config).await?;
        println!("rwf console: http://{addr}/");
        println!("demo release: http://{addr}/#/w/{}", seeded.demo);
        println!("sign in with one of these tokens (shown once):");
        for (name, token) in &seeded.tokens {
            println!("  {name:<10} {token}");
        }
        // The server and an in-process worker stop together.
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let worker = crate::store::worker::Worker::new(
            store.clone(),
            crate::store::worker::WorkerConfig {
                id: format!("dev-{}", std::process::id()),
                poll: std::time::Duration::from_secs(2),
                ..Default::default()
            },
            super::worker::executor(&config, true),
            std::sync::Arc::new(crate::store::RhaiHooks::default()),
        );
        let worker = tokio::spawn({
            let rx = stop_rx.clone();
            async move { worker.run(stopped(rx)).await }
        });
        tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
        });
        crate::server::serve(listener, store, settings, stopped(stop_rx)).await?;
        if let Ok(Err(e)) = worker.await {
            eprintln!("worker: {e}");
        }
        crate::server::log(serde_json::json!({ "level": "info", "msg": "stopped" }));
        Ok(Outcome::Ok)
    })
}
