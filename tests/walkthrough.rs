//! The README's walkthrough, run as written: the shell block between `<!-- walkthrough:begin -->` and
//! `<!-- walkthrough:end -->` runs in bash (`set -euo pipefail`) from the repository root, with the
//! built `rwf` first on the PATH and `DATABASE_URL` set to a scratch database. Every command must
//! succeed; the launch must reach the legal sign-off, pause, dry-run an edit and resume, and the small
//! first release must complete.

#[path = "support/pg.rs"]
mod pg;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn readme_block() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- walkthrough:begin -->")
        .expect("the README marks its walkthrough");
    let end = readme[start..]
        .find("<!-- walkthrough:end -->")
        .map(|e| start + e)
        .expect("the walkthrough ends");
    let block = &readme[start..end];
    let body = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(body, _)| body)
        .expect("a ```sh block inside the walkthrough markers");
    body.to_string()
}

#[tokio::test]
async fn the_readme_walkthrough_runs_as_written() {
    let db = pg::TestDb::new().await;
    let script = readme_block();
    let bin = Path::new(env!("CARGO_BIN_EXE_rwf"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let tmp = std::env::temp_dir().join(format!("rwf_walkthrough_{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out_file = tmp.join("out");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .env("DATABASE_URL", &db.url)
        .env("TMPDIR", &tmp)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("run bash");
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // Whatever happened, nothing the walkthrough started outlives it (the worker runs in its group).
    // SAFETY: kill(2) on the process group of our own child.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGTERM) };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    let stdout = std::fs::read_to_string(&out_file).unwrap_or_default();
    let worker_log = std::fs::read_to_string(tmp.join("rwf-worker.log")).unwrap_or_default();
    let report = format!("stdout:\n{stdout}\nstderr:\n{stderr}\nworker log:\n{worker_log}");
    let status = status.unwrap_or_else(|| panic!("the walkthrough hung (240 s)\n{report}"));
    assert!(
        status.success(),
        "the walkthrough failed: {status:?}\n{report}"
    );

    for want in [
        "`brief` is now succeeded",
        "(granted)",
        "dry run: nothing applied",
        "no changes",
    ] {
        assert!(
            stdout.contains(want) || stderr.contains(want),
            "no {want:?}\n{report}"
        );
    }
    let legal = stdout
        .lines()
        .filter(|l| !l.contains("First release"))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|l| l.trim_start().starts_with("legal "))
        .unwrap_or_default();
    assert!(
        legal.contains("succeeded"),
        "legal signed off: {legal}\n{report}"
    );
    // The small release ran to the end: the last status printed is a completed workflow.
    let last_header = stdout
        .lines()
        .rev()
        .find(|l| l.contains("First release: Gadget"))
        .unwrap_or_default();
    assert!(last_header.contains("completed"), "{last_header}\n{report}");
    for agent in ["draft_blog ", "draft_faq "] {
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with(agent))
            .unwrap_or_default();
        assert!(line.contains("succeeded"), "{line}\n{report}");
    }
    std::fs::remove_dir_all(&tmp).ok();
}
