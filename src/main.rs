//! The `bellows` binary.

/// jemalloc: see Cargo.toml for why.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read from this symbol at start-up (its default is a weak one): two
/// arenas instead of four per core keep the peak memory of a run at glibc's level, and
/// the threads cache their small allocations anyway.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &u8 = &b"narenas:2\0"[0];

fn main() -> std::process::ExitCode {
    bellows::cli::run()
}
