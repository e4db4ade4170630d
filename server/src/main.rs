//! `ccgate` binary: parse the command line and hand over. Everything else is in the library.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
