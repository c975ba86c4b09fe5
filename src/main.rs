//! The `portico` binary: parse the command line and hand over to the library.

// mimalloc gives freed memory back to the system; with glibc's allocator a
// flood of password checks (argon2, ~19 MiB each) left ~1 GB resident for
// good (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    portico::cli::main()
}
