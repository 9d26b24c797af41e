//! `seteli`: the command-line client of the Seteli platform (see the library, `seteli_cli`).

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    seteli_cli::run(seteli_cli::Cli::parse()).await
}
