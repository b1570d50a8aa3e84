//! `rwf serve --dev`: everything a newcomer needs to see the console. A database (`DATABASE_URL`, else
//! a throwaway cluster from the system's PostgreSQL, removed on exit), migrated; the shipped
//! templates pushed; a sign-in token for every person of the example directory; one demo release,
//! started; and an in-process worker (built-in test executor for `builtin:` agents) advancing it.

use super::CliError;
use crate::compile::{FsLoader, Inputs};
use crate::config::Config;
use crate::store::{LifecycleVerb, NewWorkflow, PrincipalKind, Store};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A throwaway cluster: stopped and deleted when dropped.
pub struct Cluster {
    dir: PathBuf,
    pg_ctl: PathBuf,
    root: bool,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command(&self.pg_ctl)
            .args([
                "-D",
                &data.display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Cluster {
    fn command(&self, program: &Path) -> Command {
        if self.root {
            // Postgres refuses to run as root: run it as the postgres user, owner of the directory.
            let mut c = Command::new("runuser");
            c.arg("-u").arg("postgres").arg("--").arg(program);
            c
        } else {
            Command::new(program)
        }
    }
}

fn postgres_binary(name: &str) -> Option<PathBuf> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "command -v {name} || ls /usr/lib/postgresql/*/bin/{name} 2>/dev/null | tail -1"
        ))
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Starts a cluster on a free loopback port (trust auth, user postgres) in a temp directory.
pub fn start_cluster() -> Result<(Cluster, String), CliError> {
    let help =
        "set DATABASE_URL, or install the PostgreSQL server (`apt-get install postgresql`) so \
                initdb and pg_ctl are found";
    let (Some(initdb), Some(pg_ctl)) = (postgres_binary("initdb"), postgres_binary("pg_ctl"))
    else {
        return Err(CliError::new("no DATABASE_URL and no PostgreSQL server binaries").help(help));
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())?;
    let dir = std::env::temp_dir().join(format!("rwf-dev-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let cluster = Cluster {
        dir: dir.clone(),
        pg_ctl: pg_ctl.clone(),
        root: unsafe { libc::geteuid() } == 0,
    };
    if cluster.root {
        let _ = Command::new("chown")
            .arg("-R")
            .arg("postgres")
            .arg(&dir)
            .status();
    }
    let data = dir.join("data").display().to_string();
    let quiet = |mut c: Command| {
        c.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let mut init = cluster.command(&initdb);
    init.args(["-D", &data, "-U", "postgres", "-A", "trust"]);
    let mut start = cluster.command(&pg_ctl);
    start.args([
        "-D",
        &data,
        "-o",
        &format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1",
            dir.display()
        ),
        "-l",
        &dir.join("log").display().to_string(),
        "-w",
        "start",
    ]);
    if !(quiet(init) && quiet(start)) {
        return Err(CliError::new(format!(
            "starting a throwaway PostgreSQL cluster in {} failed",
            dir.display()
        ))
        .help(help));
    }
    Ok((
        cluster,
        format!("postgres://postgres@127.0.0.1:{port}/postgres"),
    ))
}

/// The first of `relative` under the current directory or the source tree that exists.
pub fn shipped(relative: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    [
        cwd.join(relative),
        Path::new(env!("CARGO_MANIFEST_DIR")).join(relative),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// What `--dev` prepared: who may sign in, and the demo release.
pub struct Seeded {
    pub tokens: Vec<(String, String)>,
    pub demo: uuid::Uuid,
}

/// Pushes the shipped templates, makes a token per person of the directory, and starts a demo
/// release of `product_launch` ten days out, owned by the first organization admin.
pub async fn seed(store: &Store, config: &Config) -> Result<Seeded, CliError> {
    let dir = shipped("templates").ok_or_else(|| {
        CliError::new("the shipped templates/ directory was not found")
            .help("run `rwf serve --dev` from the rwf source tree")
    })?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rwf"))
        .collect();
    files.sort();
    for file in &files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file)?;
        let spec = crate::ops::compile_template(&name, &text, &FsLoader).map_err(|_| {
            CliError::new(format!("{name} does not compile"))
                .help(format!("run `rwf check {name}`"))
        })?;
        store.put_template(&spec).await?;
    }
    let mut tokens = Vec::new();
    for name in config.directory.users.keys() {
        let (_, token) = store
            .create_token(name, PrincipalKind::Person, "rwf serve --dev", None)
            .await?;
        tokens.push((name.clone(), token));
    }
    let admin = config
        .directory
        .org_admins
        .iter()
        .next()
        .cloned()
        .unwrap_or_else(|| "root".into());
    let template = crate::ops::stored_template(store, "product_launch", None)
        .await?
        .ok_or_else(|| CliError::new("the shipped product_launch template is missing"))?;
    let release = (chrono::Utc::now() + chrono::Duration::days(42))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let inputs = Inputs {
        sets: Default::default(),
        release: Some(release),
        tz: None,
    };
    let (bound, plan) = crate::ops::instantiate(&template, &inputs)
        .map_err(|e| CliError::new(format!("the demo release does not instantiate: {e}")))?;
    let demo = store
        .create_owned_workflow(
            NewWorkflow {
                template: &template,
                spec: &bound,
                plan: &plan,
                actor: &admin,
            },
            Some(&format!("user:{admin}")),
        )
        .await?;
    store.transition(demo, LifecycleVerb::Start, &admin).await?;
    Ok(Seeded { tokens, demo })
}
