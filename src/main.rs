//! The `rwf` binary: hand argv to `cli::run` and map the result to an exit code (0 ok, 1 findings, 2 tool error).

/// mimalloc rather than the system allocator: the worker's reconcile allocates many small, short-lived
/// values (rows, JSON, snapshots), where glibc's malloc took about a third of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rwf::cli::run()
}
