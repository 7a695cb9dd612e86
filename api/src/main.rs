//! `shopgraph`: parses the command line and hands off.

use clap::Parser;
use std::ffi::c_int;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a GraphQL response is thousands of small
/// allocations, and glibc's malloc spent about a third of the nested-query benchmark's CPU
/// time in allocation and in contention on its arena locks (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// SQLite allocates through glibc's malloc, which gives every thread that allocates at the
/// same time an arena of its own, and sqlx runs one thread per pooled SQLite connection. Each
/// arena keeps its own free memory; as many arenas as cores is enough for threads to rarely
/// wait on each other, and keeps the rest of that memory out of the process.
fn cap_malloc_arenas() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // SAFETY: `mallopt` only sets a tunable of glibc's allocator; it is called before any
    // other thread exists.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, c_int::try_from(cores).unwrap_or(2)) };
}

fn main() -> ExitCode {
    cap_malloc_arenas();
    run()
}

fn run() -> ExitCode {
    // A missing .env file is normal; a broken one is worth saying.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("shopgraph: cannot read .env: {err}");
        return ExitCode::FAILURE;
    }
    // mimalloc keeps freed memory for reuse; an argon2 hash's 19 MiB of scratch would stay in
    // the process from the first sign-in on, so it is handed back to the OS right away.
    // SAFETY: `mi_collect` has no preconditions; it only frees memory mimalloc holds unused.
    service::auth::after_hashing(|| unsafe { libmimalloc_sys::mi_collect(true) });
    match api::cli::run_blocking(api::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let chain = service::error::Chain(&err);
            tracing::error!(error = %chain, "shopgraph failed");
            eprintln!("shopgraph: {chain}");
            ExitCode::FAILURE
        }
    }
}
