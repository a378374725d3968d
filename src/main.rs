fn main() -> std::process::ExitCode {
    i2kit::run(std::env::args_os())
}
