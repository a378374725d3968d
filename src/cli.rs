//! Command-line interface: parses arguments, reads files, prints, and sets the exit code.
//! Exit codes: 0 success, 1 invalid input (or stale outputs with `--check`), 2 usage or I/O.

use crate::compile::{Compilation, Settings, compile_inputs, list_images_of};
use crate::diagnostic::{Colour, Diagnostic, render_human, render_json};
use crate::gather::{
    Gathering, default_name, display_name, gather, parse_name, read_bounded, stdin_at_most_once,
};
use crate::image_lock::{ImageLock, read_lock};
use crate::input::kubernetes::restriction::Restriction;
use crate::input::schema::schema_text;
use crate::input::{InputFile, MAX_INPUT_BYTES, decode};
use crate::output::{Artifact, Freshness, freshness, write_if_changed};
use crate::source::{SourceFile, Sources};
use crate::terminal::escape;
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const INVALID_INPUT: u8 = 1;
const USAGE_OR_IO: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "i2kit",
    version,
    about = "Compile deployments into LinuxKit VM images and a CloudFormation template: one pod per VM, no cluster.",
    after_help = "Examples:\n  i2kit compile app.yaml > app.json\n  i2kit compile deploy/ --out-dir build/\n  helm template web ./chart | i2kit compile - --name web --out-dir build/\n  i2kit validate deploy/"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile an application (manifest files, directories, or `-` for standard input) into a
    /// CloudFormation template and LinuxKit files.
    #[command(
        after_help = "The files and directories given are one application with one template, read in the order\ngiven (a directory's files in name order). The template is named after --name, else after the\nfirst argument (a file's stem, a directory's name, `stdin` for -).\n\nExamples:\n  i2kit compile app.yaml > app.cloudformation.json\n  i2kit compile --emit linuxkit web.yaml > web.linuxkit.yml\n  i2kit compile app.yaml --out-dir build/\n  i2kit compile app.yaml --out-dir build/ --check\n  i2kit compile deploy/ --out-dir build/                  # deploy/*.yaml, *.yml, *.json as one application\n  i2kit compile -R deploy/ --name shop --out-dir build/   # subdirectories too; writes build/shop.cloudformation.json\n  i2kit compile base.yaml web.yaml worker.yaml --out-dir build/\n  kustomize build overlays/prod | i2kit compile - --name shop --out-dir build/\n  helm template shop ./chart | i2kit compile - --name shop --out-dir build/"
    )]
    Compile {
        #[command(flatten)]
        inputs: InputOptions,
        /// Name the application: the template is written as DIR/<NAME>.cloudformation.json.
        /// Default: the first argument's stem, or a directory's name.
        #[arg(long, value_name = "NAME", value_parser = parse_name)]
        name: Option<String>,
        /// What to print on standard output when no --out-dir is given.
        #[arg(long, value_enum, default_value_t = Emit::Cloudformation)]
        emit: Emit,
        /// Write DIR/<deployment>.linuxkit.yml for each deployment and
        /// DIR/<name>.cloudformation.json, rewriting only files whose content changed.
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
    /// Check an application (manifest files, directories, or `-`) without writing anything.
    #[command(
        after_help = "The files and directories given are one application, as for compile; with --each, each\nargument is an application of its own (what a pre-commit hook passing changed files needs).\n\nExamples:\n  i2kit validate app.yaml\n  i2kit validate deploy/\n  i2kit validate --strict --format json deploy/\n  i2kit validate --each manifests/*.yaml"
    )]
    Validate {
        #[command(flatten)]
        inputs: InputOptions,
        /// Validate each argument (a file, or a directory's files) as an application of its
        /// own, reporting on all of them: for tools that pass unrelated files, such as pre-commit.
        #[arg(long)]
        each: bool,
        #[command(flatten)]
        lock: LockOption,
        #[command(flatten)]
        report: ReportOptions,
    },
    /// Print the image references of an application, one per line, sorted and unique, to make
    /// an image lock with standard tools.
    #[command(
        after_help = "Examples:\n  docker image inspect $(i2kit images app.yaml) > images.lock.json\n  i2kit compile app.yaml --images images.lock.json --out-dir build/\n  i2kit images deploy/"
    )]
    Images {
        #[command(flatten)]
        inputs: InputOptions,
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

/// The files of an application, as `kubectl apply -f` takes them.
#[derive(clap::Args, Debug, Clone)]
struct InputOptions {
    /// Manifest files; directories, for their *.yaml, *.yml and *.json files (hidden ones and
    /// files holding no manifest skipped); `-` for standard input. Read in the order given.
    #[arg(required = true, value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
    /// Also read the subdirectories of directories, as `kubectl apply -R` does.
    #[arg(short = 'R', long)]
    recursive: bool,
}

#[derive(clap::Args, Debug, Clone)]
struct LockOption {
    /// An image lock: the JSON `docker image inspect $(i2kit images FILE)` prints, or an
    /// object of references to OCI image configs (`crane config`). Supplies entrypoints,
    /// environments, users and digests; nothing is fetched.
    #[arg(long = "images", value_name = "FILE")]
    images: Option<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
struct ReportOptions {
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// Compile although the input restricts access in a way i2kit cannot enforce yet, for
    /// this kind of restriction only (repeat for each kind): its errors become warnings that
    /// still say the restriction is not enforced.
    #[arg(long = "allow-unenforced", value_enum, value_name = "KIND")]
    allow_unenforced: Vec<Restriction>,
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
            inputs,
            name,
            emit,
            out_dir,
            check,
            lock,
            report,
        } => match load_lock(&lock, &report, false) {
            Ok(images) => compile(
                &inputs,
                name,
                &Destination {
                    emit,
                    out_dir: out_dir.as_deref(),
                    check,
                },
                images.as_ref(),
                lock.images.as_deref(),
                &report,
            ),
            Err(code) => code,
        },
        Command::Validate {
            inputs,
            each,
            lock,
            report,
        } => match load_lock(&lock, &report, true) {
            Ok(images) => validate(
                &inputs,
                each,
                images.as_ref(),
                lock.images.as_deref(),
                &report,
            ),
            Err(code) => code,
        },
        Command::Images { inputs } => images(&inputs),
        Command::Schema => match schema_text() {
            Ok(text) => print_stdout(&text),
            Err(error) => io_error(error.message()),
        },
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

/// Messages name paths, which a directory's listing or the command line may fill with
/// control characters: escaped as diagnostics are.
fn io_error(message: &str) -> u8 {
    eprintln!("i2kit: error: {}", escape(message));
    USAGE_OR_IO
}

/// The bytes of the image lock: one file, bounded as an input file is.
fn read_lock_file(path: &Path) -> Result<Vec<u8>, String> {
    if path.is_dir() {
        return Err(format!(
            "{} is a directory; give the image lock file",
            path.display()
        ));
    }
    read_bounded(path, (MAX_INPUT_BYTES as u64) + 1)
}

/// Reads the files of one application: exit 2 (after saying why) when one cannot be read.
fn gather_inputs(
    arguments: &[PathBuf],
    recursive: bool,
    lock: Option<&Path>,
) -> Result<Vec<InputFile>, u8> {
    gather(
        arguments,
        Gathering {
            recursive,
            exclude: lock,
        },
    )
    .map_err(|message| io_error(&message))
}

/// What diagnostics without a place in a file are located at: the first argument as given.
fn label_of(arguments: &[PathBuf]) -> String {
    arguments
        .first()
        .map(|first| display_name(first))
        .unwrap_or_default()
}

/// Reads the image lock of `--images`: a missing or unreadable file is an I/O error (exit 2),
/// a malformed one invalid input (exit 1), reported in the lock file's own lines.
fn load_lock(
    option: &LockOption,
    options: &ReportOptions,
    json_to_stdout: bool,
) -> Result<Option<ImageLock>, u8> {
    let Some(path) = &option.images else {
        return Ok(None);
    };
    let bytes = read_lock_file(path).map_err(|message| io_error(&message))?;
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
        report(
            &Sources::single(source),
            &problems,
            options.format,
            json_to_stdout,
        )
        .err()
        .unwrap_or(INVALID_INPUT)
    })
}

/// Prints diagnostics to stderr, or to stdout for `validate --format json`.
///
/// # Errors
/// Exit 2, after saying why, when a diagnostic does not serialize as JSON: a blank line in its
/// place would read as a clean run to a tool that streams them.
fn report(
    sources: &Sources,
    diagnostics: &[Diagnostic],
    format: Format,
    json_to_stdout: bool,
) -> Result<(), u8> {
    let mut text = String::new();
    for diagnostic in diagnostics {
        match format {
            Format::Human => text.push_str(&render_human(sources, diagnostic, stderr_colour())),
            Format::Json => {
                let line =
                    render_json(sources, diagnostic).map_err(|error| io_error(error.message()))?;
                text.push_str(&line);
                text.push('\n');
            }
        }
    }
    if text.is_empty() {
        return Ok(());
    }
    if format == Format::Json && json_to_stdout {
        let _ = print_stdout(&text);
    } else {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
    Ok(())
}

fn stderr_colour() -> Colour {
    let disabled = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    if !disabled && std::io::stderr().is_terminal() {
        Colour::Always
    } else {
        Colour::Never
    }
}

/// Where `compile` puts its outputs.
struct Destination<'a> {
    emit: Emit,
    out_dir: Option<&'a Path>,
    check: bool,
}

fn compile(
    inputs: &InputOptions,
    name: Option<String>,
    destination: &Destination<'_>,
    images: Option<&ImageLock>,
    lock_path: Option<&Path>,
    options: &ReportOptions,
) -> u8 {
    let files = match gather_inputs(&inputs.files, inputs.recursive, lock_path) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let settings = Settings {
        strict: options.strict,
        images,
        waivers: options.allow_unenforced.iter().copied().collect(),
    };
    let (sources, compilation) = compile_inputs(
        files,
        &label_of(&inputs.files),
        settings,
        crate::compile::Outputs::All,
    );
    if let Err(code) = report(&sources, &compilation.diagnostics, options.format, false) {
        return code;
    }
    if let Some(error) = &compilation.internal_error {
        return io_error(error.message());
    }
    let Some(template) = &compilation.template else {
        return INVALID_INPUT;
    };
    let name = name.unwrap_or_else(|| {
        inputs
            .files
            .first()
            .map(|first| default_name(first))
            .unwrap_or_default()
    });
    match destination.out_dir {
        Some(directory) => {
            let outputs = OutDir {
                directory,
                name: &name,
                template,
                compilation: &compilation,
            };
            if destination.check {
                check_outputs(&outputs, &rerun_command(inputs, &name, directory))
            } else {
                write_outputs(&outputs)
            }
        }
        None => match destination.emit {
            Emit::Cloudformation => print_stdout(template),
            Emit::Linuxkit => match compilation.linuxkit.as_slice() {
                [(_, linuxkit)] => print_stdout(linuxkit),
                many => io_error(&format!(
                    "{} holds {} deployments and --emit linuxkit prints one; use --out-dir DIR to write them all",
                    inputs_description(&inputs.files),
                    many.len()
                )),
            },
        },
    }
}

/// The arguments, as a sentence's subject: `app.yaml`, or `a.yaml, b.yaml`.
fn inputs_description(arguments: &[PathBuf]) -> String {
    arguments
        .iter()
        .map(|argument| display_name(argument))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The command that brings stale outputs up to date.
fn rerun_command(inputs: &InputOptions, name: &str, directory: &Path) -> String {
    let mut words = vec!["i2kit compile".to_string()];
    if inputs.recursive {
        words.push("-R".to_string());
    }
    words.extend(inputs.files.iter().map(|file| file.display().to_string()));
    let default = inputs.files.first().map(|first| default_name(first));
    if default.as_deref() != Some(name) {
        words.push(format!("--name {name}"));
    }
    words.push(format!("--out-dir {}", directory.display()));
    words.join(" ")
}

/// Everything `compile --out-dir` writes.
struct OutDir<'a> {
    directory: &'a Path,
    /// The application's name: the template's file name.
    name: &'a str,
    template: &'a str,
    compilation: &'a Compilation,
}

impl OutDir<'_> {
    fn artifacts(&self) -> Vec<Artifact> {
        let mut artifacts: Vec<Artifact> = self
            .compilation
            .linuxkit
            .iter()
            .map(|(name, content)| Artifact {
                path: self.directory.join(format!("{name}.linuxkit.yml")),
                content: content.clone(),
            })
            .collect();
        artifacts.push(Artifact {
            path: self
                .directory
                .join(format!("{}.cloudformation.json", self.name)),
            content: self.template.to_string(),
        });
        artifacts
    }
}

fn check_outputs(outputs: &OutDir<'_>, rerun: &str) -> u8 {
    let outdated: Vec<String> = outputs
        .artifacts()
        .iter()
        .filter_map(|artifact| match freshness(artifact) {
            Freshness::Current => None,
            Freshness::Stale => Some(format!("{}: stale", artifact.path.display())),
            Freshness::Missing => Some(format!("{}: missing", artifact.path.display())),
        })
        .collect();
    for line in &outdated {
        eprintln!("{}", escape(line));
    }
    if outdated.is_empty() {
        return 0;
    }
    eprintln!(
        "i2kit: {} output(s) out of date; run `{}`",
        outdated.len(),
        escape(rerun)
    );
    INVALID_INPUT
}

fn write_outputs(outputs: &OutDir<'_>) -> u8 {
    if let Err(error) = std::fs::create_dir_all(outputs.directory) {
        return io_error(&format!(
            "cannot create {}: {error}",
            outputs.directory.display()
        ));
    }
    for artifact in &outputs.artifacts() {
        if let Err(message) = write_if_changed(artifact) {
            return io_error(&message);
        }
    }
    0
}

/// `validate`: one application of every argument, or with `each` one per argument, every one
/// reported. Returns the worst exit code.
fn validate(
    inputs: &InputOptions,
    each: bool,
    images: Option<&ImageLock>,
    lock_path: Option<&Path>,
    options: &ReportOptions,
) -> u8 {
    let settings = Settings {
        strict: options.strict,
        images,
        waivers: options.allow_unenforced.iter().copied().collect(),
    };
    if let Err(message) = stdin_at_most_once(&inputs.files) {
        return io_error(&message);
    }
    let applications: Vec<&[PathBuf]> = if each {
        inputs.files.chunks(1).collect()
    } else {
        vec![inputs.files.as_slice()]
    };
    let mut worst = 0;
    for arguments in applications {
        let code = match gather_inputs(arguments, inputs.recursive, lock_path) {
            Ok(files) => {
                let (sources, compilation) = compile_inputs(
                    files,
                    &label_of(arguments),
                    settings,
                    crate::compile::Outputs::TemplateOnly,
                );
                let reported = report(&sources, &compilation.diagnostics, options.format, true);
                if let Err(code) = reported {
                    code
                } else if let Some(error) = &compilation.internal_error {
                    io_error(error.message())
                } else if compilation.has_errors() {
                    INVALID_INPUT
                } else {
                    0
                }
            }
            Err(code) => code,
        };
        worst = worst.max(code);
    }
    worst
}

/// `i2kit images`: what a lock must describe. Prints nothing unless the application reads.
/// A reference holding a control character is printed escaped, as diagnostics are: no
/// registry accepts one, and a terminal (or the shell reading `$(i2kit images …)`) must not
/// receive it.
fn images(inputs: &InputOptions) -> u8 {
    let files = match gather_inputs(&inputs.files, inputs.recursive, None) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let references = match list_images_of(&files, &label_of(&inputs.files)) {
        (_, Ok(found)) => found,
        (sources, Err(problems)) => {
            return report(&sources, &problems, Format::Human, false)
                .err()
                .unwrap_or(INVALID_INPUT);
        }
    };
    let mut text = String::new();
    for reference in references {
        text.push_str(&escape(&reference));
        text.push('\n');
    }
    print_stdout(&text)
}
