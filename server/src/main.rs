//! `ccgate` binary: parse the command line and hand over. Everything else is in the library.

/// mimalloc instead of the C library's allocator: measured with `./scripts/bench-gateway`, the
/// journaled request path spent 8 % of its time in glibc's malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
