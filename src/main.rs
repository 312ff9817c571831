//! The `masthead` binary: parses the command line and runs it.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = masthead::cli::Cli::parse();
    match masthead::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // Input that cannot be imported: one line, exit code 2.
        Err(error) if error.downcast_ref::<masthead::cli::BadInput>().is_some() => {
            eprintln!("error: {error}");
            std::process::ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
