//! An agent's process group lives no longer than the worker that started it.
//!
//! A worker killed with SIGKILL runs no destructor, so the group guard of `process` cannot act; the
//! agent and everything it started would go on running while another worker takes the dispatch over
//! (same key, same attempt: two runs of one attempt at once). So every child is started through a
//! lifeline: between `fork` and `exec` the child forks once more. The grandchild execs the program;
//! the child stays behind as a small guard, leader of the process group, that
//!
//! - waits for the program and ends with its exit code (or the same signal), so the caller sees the
//!   program's own end;
//! - checks every `POLL` that its parent is still the worker, and when the worker is gone (its
//!   parent changed) kills the whole group, itself included.
//!
//! The program also gets a parent-death signal (Linux `PR_SET_PDEATHSIG`, SIGKILL): should the guard
//! die, the program dies with it. Everything in the guard is async-signal-safe libc (it runs in a
//! fork of a multi-threaded process): no allocation, no locks.
//!
//! What an agent must still tolerate: a process that leaves the group (`setsid`, a daemon) escapes
//! it; a dispatch can still be run again after a crash (same idempotency key), so effects must be
//! keyed by it; and the group ends within `POLL` of the worker's death, not at the same instant.

use std::time::Duration;

/// How often the guard checks that the worker is alive.
pub const POLL: Duration = Duration::from_millis(100);

/// Arranges for `command`'s child to run under the guard described above, tied to this process.
pub fn attach(command: &mut tokio::process::Command) {
    let worker = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the forked child before exec and calls async-signal-safe libc
    // functions only (fork, prctl, getpid, getppid, waitpid, nanosleep, kill, close, signal, raise,
    // _exit).
    unsafe {
        command.pre_exec(move || {
            let guard_pid = libc::getpid();
            let program = libc::fork();
            if program < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if program == 0 {
                // The grandchild: dies with the guard, then execs the program.
                #[cfg(target_os = "linux")]
                {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
                }
                if libc::getppid() != guard_pid {
                    libc::_exit(127);
                }
                return Ok(());
            }
            guard(worker, program)
        });
    }
}

/// The guard's life: never returns.
unsafe fn guard(worker: libc::pid_t, program: libc::pid_t) -> ! {
    // Hold none of the worker's descriptors: the pipes must close when the program ends, and the
    // spawn's exec-status pipe must close when the program execs.
    for fd in 0..3 {
        libc::close(fd);
    }
    #[cfg(target_os = "linux")]
    let closed = libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) == 0;
    #[cfg(not(target_os = "linux"))]
    let closed = false;
    if !closed {
        for fd in 3..4096 {
            libc::close(fd);
        }
    }
    let pause = libc::timespec {
        tv_sec: 0,
        tv_nsec: POLL.as_nanos() as libc::c_long,
    };
    loop {
        let mut status: libc::c_int = 0;
        let done = libc::waitpid(program, &mut status, libc::WNOHANG);
        if done == program {
            // The program ended: end like it did (the caller then ends the rest of the group).
            if libc::WIFEXITED(status) {
                libc::_exit(libc::WEXITSTATUS(status));
            }
            if libc::WIFSIGNALED(status) {
                let signal = libc::WTERMSIG(status);
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
            libc::_exit(1);
        }
        if done < 0 || libc::getppid() != worker {
            // The worker is gone (or the program cannot be waited for): end the whole group.
            libc::kill(0, libc::SIGKILL);
            libc::_exit(1);
        }
        libc::nanosleep(&pause, std::ptr::null_mut());
    }
}
