//! The `bellows` binary.

fn main() -> std::process::ExitCode {
    bellows::cli::run()
}
