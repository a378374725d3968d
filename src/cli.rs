//! Command-line interface: parses arguments, reads files, prints, and sets the exit code.
//! Exit codes: 0 success, 1 invalid input (or stale outputs with `--check`), 2 usage or I/O.

use crate::compile::{Compilation, Settings, check_bytes, compile_bytes_with, list_images};
use crate::diagnostic::{Colour, Diagnostic, render_human, render_json};
use crate::image_lock::{ImageLock, read_lock};
use crate::input::decode;
use crate::output::{Artifact, Freshness, freshness, write_if_changed};
use crate::schema::schema_text;
use crate::source::SourceFile;
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const INVALID_INPUT: u8 = 1;
const USAGE_OR_IO: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "i2kit",
    version,
    about = "Compile deployments into LinuxKit VM images and a CloudFormation template: one pod per VM, no cluster.",
    after_help = "Examples:\n  i2kit compile app.yaml > app.json\n  i2kit compile app.yaml --out-dir build/\n  i2kit validate manifests/*.yaml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile one manifest file into a CloudFormation template and LinuxKit files.
    #[command(
        after_help = "Examples:\n  i2kit compile app.yaml > app.cloudformation.json\n  i2kit compile --emit linuxkit web.yaml > web.linuxkit.yml\n  i2kit compile app.yaml --out-dir build/\n  i2kit compile app.yaml --out-dir build/ --check\n  cat app.yaml | i2kit compile -"
    )]
    Compile {
        /// The manifest file, or `-` for standard input.
        file: PathBuf,
        /// What to print on standard output when no --out-dir is given.
        #[arg(long, value_enum, default_value_t = Emit::Cloudformation)]
        emit: Emit,
        /// Write DIR/<deployment>.linuxkit.yml for each deployment and
        /// DIR/<file stem>.cloudformation.json, rewriting only files whose content changed.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// With --out-dir: write nothing; exit 1 if any output is missing or stale.
        #[arg(long, requires = "out_dir")]
        check: bool,
        #[command(flatten)]
        lock: LockOption,
        #[command(flatten)]
        report: ReportOptions,
    },
    /// Check manifest files without writing anything.
    #[command(
        after_help = "Examples:\n  i2kit validate app.yaml\n  i2kit validate --strict --format json manifests/*.yaml"
    )]
    Validate {
        /// Manifest files, or `-` for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        lock: LockOption,
        #[command(flatten)]
        report: ReportOptions,
    },
    /// Print the image references of manifest files, one per line, sorted and unique, to make
    /// an image lock with standard tools.
    #[command(
        after_help = "Examples:\n  docker image inspect $(i2kit images app.yaml) > images.lock.json\n  i2kit compile app.yaml --images images.lock.json --out-dir build/"
    )]
    Images {
        /// Manifest files, or `-` for standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the manifest's JSON Schema (the same bytes as schema/i2kit.schema.json).
    #[command(after_help = "Example:\n  i2kit schema > i2kit.schema.json")]
    Schema,
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  i2kit completions bash > /etc/bash_completion.d/i2kit\n  i2kit completions zsh > \"${fpath[1]}/_i2kit\"\n  i2kit completions fish > ~/.config/fish/completions/i2kit.fish"
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(clap::Args, Debug, Clone)]
struct LockOption {
    /// An image lock: the JSON `docker image inspect $(i2kit images FILE)` prints, or an
    /// object of references to OCI image configs (`crane config`). Supplies entrypoints,
    /// environments, users and digests; nothing is fetched.
    #[arg(long = "images", value_name = "FILE")]
    images: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone, Copy)]
struct ReportOptions {
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// How to print diagnostics: for people, or one JSON object per line.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Emit {
    Cloudformation,
    Linuxkit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

/// Runs the CLI on `args` (program name first) and returns the process exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { USAGE_OR_IO } else { 0 });
        }
    };
    let code = match cli.command {
        Command::Compile {
            file,
            emit,
            out_dir,
            check,
            lock,
            report,
        } => match load_lock(&lock, report, false) {
            Ok(images) => compile(
                &file,
                emit,
                out_dir.as_deref(),
                check,
                images.as_ref(),
                report,
            ),
            Err(code) => code,
        },
        Command::Validate {
            files,
            lock,
            report,
        } => match load_lock(&lock, report, true) {
            Ok(images) => validate(&files, images.as_ref(), report),
            Err(code) => code,
        },
        Command::Images { files } => images(&files),
        Command::Schema => print_stdout(&schema_text()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "i2kit",
                &mut script,
            );
            print_stdout(&String::from_utf8_lossy(&script))
        }
    };
    ExitCode::from(code)
}

fn print_stdout(text: &str) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => 0,
        // A closed pipe (`| head`) is the reader's choice, not a failure to report.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(error) => io_error(&format!("cannot write to standard output: {error}")),
    }
}

fn io_error(message: &str) -> u8 {
    eprintln!("i2kit: error: {message}");
    USAGE_OR_IO
}

fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let limit = (crate::input::MAX_INPUT_BYTES as u64) + 1;
    let result = if path == Path::new("-") {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        if path.is_dir() {
            return Err(format!(
                "{} is a directory; give a manifest file",
                path.display()
            ));
        }
        std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes))
    };
    result
        .map(|_| bytes)
        .map_err(|error| format!("cannot read {}: {error}", display_name(path)))
}

/// Reads the image lock of `--images`: a missing or unreadable file is an I/O error (exit 2),
/// a malformed one invalid input (exit 1), reported in the lock file's own lines.
fn load_lock(
    option: &LockOption,
    options: ReportOptions,
    json_to_stdout: bool,
) -> Result<Option<ImageLock>, u8> {
    let Some(path) = &option.images else {
        return Ok(None);
    };
    let bytes = read_input(path).map_err(|message| io_error(&message))?;
    let name = display_name(path);
    let (source, read) = match decode(&bytes) {
        Ok(text) => {
            let source = SourceFile::new(name, text);
            let read = read_lock(&source);
            (source, read)
        }
        Err(problem) => (
            SourceFile::new(name, String::from_utf8_lossy(&bytes).into_owned()),
            Err(vec![problem]),
        ),
    };
    read.map(Some).map_err(|problems| {
        report(&source, &problems, options.format, json_to_stdout);
        INVALID_INPUT
    })
}

/// Prints diagnostics to stderr, or to stdout for `validate --format json`.
fn report(source: &SourceFile, diagnostics: &[Diagnostic], format: Format, json_to_stdout: bool) {
    let mut text = String::new();
    for diagnostic in diagnostics {
        match format {
            Format::Human => text.push_str(&render_human(source, diagnostic, stderr_colour())),
            Format::Json => {
                text.push_str(&render_json(&source.name, diagnostic));
                text.push('\n');
            }
        }
    }
    if text.is_empty() {
        return;
    }
    if format == Format::Json && json_to_stdout {
        let _ = print_stdout(&text);
    } else {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

fn stderr_colour() -> Colour {
    let disabled = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    if !disabled && std::io::stderr().is_terminal() {
        Colour::Always
    } else {
        Colour::Never
    }
}

fn compile(
    file: &Path,
    emit: Emit,
    out_dir: Option<&Path>,
    check: bool,
    images: Option<&ImageLock>,
    options: ReportOptions,
) -> u8 {
    let bytes = match read_input(file) {
        Ok(bytes) => bytes,
        Err(message) => return io_error(&message),
    };
    let settings = Settings {
        strict: options.strict,
        images,
    };
    let (source, compilation) = compile_bytes_with(&display_name(file), &bytes, settings);
    report(&source, &compilation.diagnostics, options.format, false);
    let Some(template) = &compilation.template else {
        return INVALID_INPUT;
    };
    match out_dir {
        Some(directory) => write_outputs(directory, &source, template, &compilation, check),
        None => match emit {
            Emit::Cloudformation => print_stdout(template),
            Emit::Linuxkit => match compilation.linuxkit.as_slice() {
                [(_, linuxkit)] => print_stdout(linuxkit),
                many => io_error(&format!(
                    "{} holds {} deployments and --emit linuxkit prints one; use --out-dir DIR to write them all",
                    source.name,
                    many.len()
                )),
            },
        },
    }
}

fn write_outputs(
    directory: &Path,
    source: &SourceFile,
    template: &str,
    compilation: &Compilation,
    check: bool,
) -> u8 {
    let mut artifacts: Vec<Artifact> = compilation
        .linuxkit
        .iter()
        .map(|(name, content)| Artifact {
            path: directory.join(format!("{name}.linuxkit.yml")),
            content: content.clone(),
        })
        .collect();
    artifacts.push(Artifact {
        path: directory.join(format!("{}.cloudformation.json", source.stem())),
        content: template.to_string(),
    });
    if check {
        let outdated: Vec<String> = artifacts
            .iter()
            .filter_map(|artifact| match freshness(artifact) {
                Freshness::Current => None,
                Freshness::Stale => Some(format!("{}: stale", artifact.path.display())),
                Freshness::Missing => Some(format!("{}: missing", artifact.path.display())),
            })
            .collect();
        for line in &outdated {
            eprintln!("{line}");
        }
        if !outdated.is_empty() {
            eprintln!(
                "i2kit: {} output(s) out of date; run `i2kit compile {} --out-dir {}`",
                outdated.len(),
                source.name,
                directory.display()
            );
            return INVALID_INPUT;
        }
        return 0;
    }
    if let Err(error) = std::fs::create_dir_all(directory) {
        return io_error(&format!("cannot create {}: {error}", directory.display()));
    }
    for artifact in &artifacts {
        if let Err(message) = write_if_changed(artifact) {
            return io_error(&message);
        }
    }
    0
}

fn validate(files: &[PathBuf], images: Option<&ImageLock>, options: ReportOptions) -> u8 {
    let settings = Settings {
        strict: options.strict,
        images,
    };
    for_each_input(files, |file, bytes| {
        let (source, compilation) = check_bytes(&display_name(file), &bytes, settings);
        report(&source, &compilation.diagnostics, options.format, true);
        if compilation.has_errors() {
            INVALID_INPUT
        } else {
            0
        }
    })
}

/// Reads each file in turn: an unreadable one is reported (exit 2) and the rest go on to
/// `each`. Returns the worst exit code.
fn for_each_input(files: &[PathBuf], mut each: impl FnMut(&Path, Vec<u8>) -> u8) -> u8 {
    let mut worst = 0;
    for file in files {
        let code = match read_input(file) {
            Ok(bytes) => each(file, bytes),
            Err(message) => io_error(&message),
        };
        worst = worst.max(code);
    }
    worst
}

/// `i2kit images`: what a lock must describe. Prints nothing unless every file reads.
fn images(files: &[PathBuf]) -> u8 {
    let mut references = std::collections::BTreeSet::new();
    let worst = for_each_input(files, |file, bytes| {
        match list_images(&display_name(file), &bytes) {
            (_, Ok(found)) => {
                references.extend(found);
                0
            }
            (source, Err(problems)) => {
                report(&source, &problems, Format::Human, false);
                INVALID_INPUT
            }
        }
    });
    if worst != 0 {
        return worst;
    }
    let mut text = String::new();
    for reference in references {
        text.push_str(&reference);
        text.push('\n');
    }
    print_stdout(&text)
}
