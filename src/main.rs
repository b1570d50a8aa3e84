//! The `rwf` binary: hand argv to `cli::run` and map the result to an exit code (0 ok, 1 findings, 2 tool error).

fn main() -> std::process::ExitCode {
    rwf::cli::run()
}
