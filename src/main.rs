// mimalloc: the import pipeline allocates rows on one thread and frees them on another, where
// glibc's allocator spends much of its time contending for arena locks (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    equal_terms::cli::main()
}
