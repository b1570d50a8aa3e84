//! Postgres for tests: finds a server (DATABASE_URL, else 127.0.0.1:5432, else a throwaway cluster started
//! with initdb/pg_ctl), and gives each test its own database `rwf_test_<random>`, dropped afterwards.
//! Never skips: without any Postgres it panics saying what to install.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// A database of one test; dropped (WITH FORCE) when this goes out of scope.
pub struct TestDb {
    pub url: String,
    pub name: String,
    admin_url: String,
}

impl TestDb {
    /// Creates a fresh, empty database.
    pub async fn new() -> TestDb {
        let admin_url = server_url().to_string();
        let name = format!("rwf_test_{}", uuid::Uuid::new_v4().simple());
        let url = rwf::store::Store::create_database(&admin_url, &name)
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name} on {admin_url}: {e}"));
        TestDb {
            url,
            name,
            admin_url,
        }
    }

    /// A migrated store on this database.
    pub async fn store(&self) -> rwf::store::Store {
        let store = rwf::store::Store::connect(&self.url)
            .await
            .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(rwf::store::Store::drop_database(&admin_url, &name))
                .ok()
        })
        .join();
    }
}

/// The admin URL of the server tests use, found (or started) once per test binary.
pub fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.trim().is_empty() {
                return url;
            }
        }
        if TcpStream::connect_timeout(&"127.0.0.1:5432".parse().unwrap(), Duration::from_secs(1))
            .is_ok()
        {
            return "postgres://postgres@127.0.0.1:5432/postgres".to_string();
        }
        start_cluster()
    })
}

/// initdb + pg_ctl on a free port in a temp dir; the cluster stops when the test process ends (pg_ctl
/// is told to, best effort, by an atexit-free approach: the data dir lives under the OS temp dir).
fn start_cluster() -> String {
    let help = "no Postgres found: set DATABASE_URL, run a server on 127.0.0.1:5432 (trust auth, user \
                postgres), or install the PostgreSQL server binaries (`apt-get install postgresql`) so \
                `initdb` and `pg_ctl` are on PATH";
    let which = |bin: &str| -> Option<PathBuf> {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "command -v {bin} || ls /usr/lib/postgresql/*/bin/{bin} 2>/dev/null | tail -1"
            ))
            .output()
            .ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!path.is_empty()).then(|| PathBuf::from(path))
    };
    let (Some(initdb), Some(pg_ctl)) = (which("initdb"), which("pg_ctl")) else {
        panic!("{help}");
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"));
    let dir = std::env::temp_dir().join(format!("rwf-pg-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {dir:?}: {e}"));
    let root = unsafe { libc::geteuid() } == 0;
    let run = |program: &PathBuf, args: &[String]| -> bool {
        let mut cmd = if root {
            // Postgres refuses to run as root: run as the postgres user, which must own the dir.
            let _ = Command::new("chown")
                .arg("-R")
                .arg("postgres")
                .arg(&dir)
                .status();
            let mut c = Command::new("runuser");
            c.arg("-u").arg("postgres").arg("--").arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.args(args)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let data = dir.join("data");
    let ok = run(
        &initdb,
        &[
            "-D".into(),
            data.display().to_string(),
            "-U".into(),
            "postgres".into(),
            "-A".into(),
            "trust".into(),
        ],
    ) && run(
        &pg_ctl,
        &[
            "-D".into(),
            data.display().to_string(),
            "-o".into(),
            format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1",
                dir.display()
            ),
            "-l".into(),
            dir.join("log").display().to_string(),
            "-w".into(),
            "start".into(),
        ],
    );
    if !ok {
        panic!("{help} (starting a throwaway cluster in {dir:?} failed)");
    }
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}
