//! `shopgraph`: parses the command line and hands off.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a GraphQL response is thousands of small
/// allocations, and glibc's malloc spent about a third of the nested-query benchmark's CPU
/// time in allocation and in contention on its arena locks (see README, Performance).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env file is normal; a broken one is worth saying.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("shopgraph: cannot read .env: {err}");
        return ExitCode::FAILURE;
    }
    let cli = api::Cli::parse();
    match api::commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "shopgraph failed");
            eprintln!("shopgraph: {err}");
            ExitCode::FAILURE
        }
    }
}
