//! The `seteli` command-line client as a real process, for `tests/tests/e2e/cli.rs`: exactly the
//! binary's `main` (`seteli_cli::main`), built with the tests (a dependency's own binary is
//! not), reached as `env!("CARGO_BIN_EXE_seteli-cli-under-test")`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    seteli_cli::main().await
}
