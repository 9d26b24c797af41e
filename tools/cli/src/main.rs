//! `seteli`: the command-line client of the Seteli platform (see the library, `seteli_cli`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    seteli_cli::main().await
}
