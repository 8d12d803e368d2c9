//! The `bellows` binary.

/// jemalloc: see Cargo.toml for why.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read from this symbol at start-up (its default is a weak one): two
/// arenas instead of four per core keep the peak memory of a run at glibc's level, and
/// the threads cache their small allocations anyway. Transparent huge pages for its
/// memory and its metadata, where the kernel allows them (`madvise`, the usual setting):
/// a corpus run touches a fresh page about 9,500 times otherwise, half as often with them,
/// for 7% less wall time and a few megabytes more at peak.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &u8 = &b"narenas:2,thp:always,metadata_thp:always\0"[0];

fn main() -> std::process::ExitCode {
    bellows::cli::run()
}
