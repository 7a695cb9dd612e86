//! `shopgraph`: parses the command line and hands off.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a GraphQL response is thousands of small
/// allocations, and glibc's malloc spent about a third of the nested-query benchmark's CPU
/// time in allocation and in contention on its arena locks (docs/PERFORMANCE.md). With
/// `override`, SQLite's own allocations (a copy of every value sqlx reads) go to it too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
