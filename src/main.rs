fn main() -> std::process::ExitCode {
    equal_terms::cli::main()
}
