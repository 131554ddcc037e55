use shop as _; // link the entities so the registry sees them

fn main() -> std::process::ExitCode {
    forge::cli::main_with(forge::cli::app!())
}
