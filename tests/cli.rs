//! The command line as Makefiles, pre-commit and CI use it: exit codes, streams, files.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const NGINX: &str = "name: nginx-deployment\nreplicas: 3\ncontainers:\n  nginx: { image: nginx:1.7.9, ports: [ 80 ] }\n";

fn i2kit(args: &[&str], directory: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_i2kit"))
        .args(args)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .output()
        .expect("i2kit runs")
}

fn i2kit_stdin(args: &[&str], input: &[u8]) -> Output {
    i2kit_stdin_in(args, input, Path::new("."))
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("i2kit-cli-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("scratch dir");
        Scratch(path)
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, content).expect("write input");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn schema_file_matches_the_binary() {
    let output = i2kit(&["schema"], Path::new("."));
    assert_eq!(output.status.code(), Some(0));
    let committed =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/i2kit.schema.json"))
            .expect("schema/i2kit.schema.json");
    assert!(
        text(&output.stdout) == committed,
        "schema/ is stale: run `cargo run -q -- schema > schema/i2kit.schema.json`"
    );
}

#[test]
fn compiles_from_stdin_and_prints_the_template() {
    let output = i2kit_stdin(&["compile", "-"], NGINX.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let template: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
    assert!(output.stderr.is_empty());
}

#[test]
fn emit_linuxkit_needs_one_deployment() {
    let scratch = Scratch::new("emit");
    scratch.write("one.yaml", NGINX.as_bytes());
    let one = i2kit(&["compile", "--emit", "linuxkit", "one.yaml"], &scratch.0);
    assert_eq!(one.status.code(), Some(0));
    assert!(text(&one.stdout).starts_with("---\nkernel:\n"));
    let two = format!("{NGINX}---\nname: other\ncontainers:\n  web: {{ image: nginx:1.27.3 }}\n");
    scratch.write("two.yaml", two.as_bytes());
    let output = i2kit(&["compile", "--emit", "linuxkit", "two.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--out-dir"));
    assert!(output.stdout.is_empty());
}

#[test]
fn io_and_usage_errors_exit_2() {
    let scratch = Scratch::new("io");
    for args in [
        vec!["compile", "missing.yaml"],
        vec!["compile", "."],
        vec!["validate", "missing.yaml"],
        vec!["compile"],
        vec!["frobnicate"],
        vec!["compile", "x.yaml", "--check"],
    ] {
        let output = i2kit(&args, &scratch.0);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "{args:?} printed on stdout");
    }
    let output = i2kit(&["compile", "."], &scratch.0);
    assert!(
        text(&output.stderr).contains("holds no *.yaml, *.yml or *.json file"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn invalid_input_exits_1_and_writes_nothing() {
    let scratch = Scratch::new("invalid");
    scratch.write("bad.yaml", b"name: Bad\ncontainers: {}\n");
    let output = i2kit(&["compile", "bad.yaml", "--out-dir", "out"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(text(&output.stderr).starts_with("bad.yaml:1:7: error: "));
    assert!(
        !scratch.0.join("out").exists(),
        "nothing may be written for invalid input"
    );
}

#[test]
fn out_dir_rewrites_only_what_changed_and_check_reports_staleness() {
    let scratch = Scratch::new("outdir");
    scratch.write("app.yaml", NGINX.as_bytes());
    let first = i2kit(&["compile", "app.yaml", "--out-dir", "out"], &scratch.0);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let template = scratch.0.join("out/app.cloudformation.json");
    let image = scratch.0.join("out/nginx-deployment.linuxkit.yml");
    let modified = |path: &Path| {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let (template_time, image_time) = (modified(&template), modified(&image));
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        i2kit(&["compile", "app.yaml", "--out-dir", "out"], &scratch.0)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        modified(&template),
        template_time,
        "unchanged output was rewritten"
    );
    assert_eq!(
        modified(&image),
        image_time,
        "unchanged output was rewritten"
    );
    let current = i2kit(
        &["compile", "app.yaml", "--out-dir", "out", "--check"],
        &scratch.0,
    );
    assert_eq!(current.status.code(), Some(0));

    scratch.write(
        "app.yaml",
        NGINX.replace("replicas: 3", "replicas: 5").as_bytes(),
    );
    let stale = i2kit(
        &["compile", "app.yaml", "--out-dir", "out", "--check"],
        &scratch.0,
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale.stderr).contains("app.cloudformation.json: stale"),
        "{}",
        text(&stale.stderr)
    );
    assert!(
        !text(&stale.stderr).contains("linuxkit.yml"),
        "the LinuxKit file did not change"
    );
    assert_eq!(modified(&template), template_time, "--check must not write");

    fs::remove_file(&image).expect("remove");
    let missing = i2kit(
        &["compile", "app.yaml", "--out-dir", "out", "--check"],
        &scratch.0,
    );
    assert!(text(&missing.stderr).contains("nginx-deployment.linuxkit.yml: missing"));
    let leftovers: Vec<_> = fs::read_dir(scratch.0.join("out"))
        .expect("out")
        .flatten()
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|entry| !entry.file_name().to_string_lossy().ends_with(".tmp"))
    );
}

#[test]
fn unwritable_out_dir_exits_2() {
    let scratch = Scratch::new("unwritable");
    scratch.write("app.yaml", NGINX.as_bytes());
    scratch.write("blocker", b"a file where a directory should be");
    let output = i2kit(
        &["compile", "app.yaml", "--out-dir", "blocker/out"],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("cannot create"));
}

#[test]
fn validate_reports_every_file_and_json_parses() {
    let scratch = Scratch::new("validate");
    scratch.write("good.yaml", NGINX.as_bytes());
    scratch.write(
        "bad.yaml",
        b"name: web\nreplica: 2\ncontainers:\n  web: {image: nginx:1.27.3}\n",
    );
    scratch.write(
        "warn.yaml",
        b"name: web\ncontainers:\n  web: {image: nginx}\n",
    );
    let output = i2kit(
        &[
            "validate",
            "--format",
            "json",
            "good.yaml",
            "bad.yaml",
            "warn.yaml",
        ],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(1));
    let records: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["file"], "bad.yaml");
    assert_eq!(records[0]["line"], 2);
    assert_eq!(records[0]["column"], 1);
    assert_eq!(records[0]["code"], "I2K003");
    assert_eq!(records[0]["severity"], "error");
    assert_eq!(records[0]["help"], "did you mean `replicas`?");
    assert_eq!(records[1]["file"], "warn.yaml");
    assert_eq!(records[1]["severity"], "warning");
    assert_eq!(records[1]["code"], "I2K019");
    let clean = i2kit(&["validate", "good.yaml"], &scratch.0);
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stdout.is_empty() && clean.stderr.is_empty());
}

#[test]
fn hostile_inputs_fail_fast_with_a_message() {
    let scratch = Scratch::new("hostile");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let previous = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            vec![previous; 9].join(", ")
        ));
    }
    let mut big = NGINX.as_bytes().to_vec();
    big.extend(std::iter::repeat_n(b'#', 50 * 1024 * 1024));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb.yaml", bomb.into_bytes(), "I2K007"),
        ("deep.yaml", "[".repeat(100_000).into_bytes(), "I2K007"),
        ("big.yaml", big, "I2K007"),
        (
            "latin1.yaml",
            b"name: caf\xe9\ncontainers: {}\n".to_vec(),
            "I2K008",
        ),
    ];
    for (name, content, code) in cases {
        scratch.write(name, &content);
        let output = i2kit(&["compile", name, "--out-dir", "out"], &scratch.0);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stderr).contains(code),
            "{name}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stderr).len() < 2000,
            "{name}: the message must stay short"
        );
        assert!(!scratch.0.join("out").exists());
    }
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(NGINX.as_bytes());
    scratch.write("bom.yaml", &with_bom);
    assert_eq!(
        i2kit(&["validate", "bom.yaml"], &scratch.0).status.code(),
        Some(0),
        "a UTF-8 BOM is accepted"
    );
}

#[test]
fn templates_over_cloudformation_quotas_are_refused_with_advice() {
    let scratch = Scratch::new("quota");
    let exposed: String = (0..70)
        .map(|index| {
            format!(
                "name: web{index}\ncontainers:\n  web: {{image: nginx:1.27.3, ports: [80]}}\n---\n"
            )
        })
        .collect();
    scratch.write("resources.yaml", exposed.as_bytes());
    let output = i2kit(&["compile", "resources.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("resources; CloudFormation allows 500"),
        "{}",
        text(&output.stderr)
    );
    assert!(text(&output.stderr).contains("split the deployments into several applications"));
    assert!(output.stdout.is_empty());

    let workers: String = (0..100)
        .map(|index| {
            format!("name: worker{index}\ncontainers:\n  w: {{image: busybox:1.37.0}}\n---\n")
        })
        .collect();
    scratch.write("parameters.yaml", workers.as_bytes());
    let output = i2kit(&["compile", "parameters.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("parameters; CloudFormation allows 200"),
        "{}",
        text(&output.stderr)
    );

    let some: String = (0..12)
        .map(|index| {
            format!(
                "name: web{index}\ncontainers:\n  web: {{image: nginx:1.27.3, ports: [80]}}\n---\n"
            )
        })
        .collect();
    scratch.write("inline.yaml", some.as_bytes());
    let output = i2kit(&["compile", "inline.yaml"], &scratch.0);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a template over 51,200 bytes still compiles"
    );
    assert!(
        text(&output.stderr).contains("warning: the template is"),
        "{}",
        text(&output.stderr)
    );
    assert!(text(&output.stderr).contains("--s3-bucket"));

    // validate counts the template instead of keeping it, and must say exactly the same.
    let validated = i2kit(&["validate", "inline.yaml"], &scratch.0);
    assert_eq!(validated.status.code(), Some(0));
    assert_eq!(text(&validated.stderr), text(&output.stderr));
    let validated = i2kit(&["validate", "resources.yaml"], &scratch.0);
    assert_eq!(validated.status.code(), Some(1));
    assert!(text(&validated.stderr).contains("resources; CloudFormation allows 500"));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = i2kit(&["completions", shell], Path::new("."));
        assert_eq!(output.status.code(), Some(0), "{shell}");
        assert!(
            text(&output.stdout).contains("validate"),
            "{shell} completion lacks subcommands"
        );
    }
    assert_eq!(
        i2kit(&["completions", "tcsh"], Path::new("."))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for subcommand in ["compile", "validate", "schema", "completions"] {
        let output = i2kit(&[subcommand, "--help"], Path::new("."));
        assert_eq!(output.status.code(), Some(0));
        assert!(
            text(&output.stdout).contains("Example"),
            "{subcommand} --help has no example"
        );
    }
    let version = i2kit(&["--version"], Path::new("."));
    assert_eq!(
        text(&version.stdout),
        format!("i2kit {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// `i2kit images` feeds a shell (`docker image inspect $(i2kit images FILE)`): text outside
/// the reference grammar would be split into words and read as flags, so it prints nothing.
#[test]
fn images_refuses_what_is_not_a_reference() {
    let output = i2kit_stdin(
        &["images", "-"],
        b"name: web\ncontainers:\n  web: {image: \"--format={{json .}} nginx\"}\n",
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "");
    assert!(
        text(&output.stderr).contains("[I2K050]"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn images_lists_every_reference_once_and_feeds_a_lock() {
    let scratch = Scratch::new("images");
    scratch.write(
        "app.yaml",
        b"name: web\ncontainers:\n  web: {image: nginx:1.27.3, args: [-g, daemon off;]}\n  side: {image: busybox:1.37.0}\n",
    );
    scratch.write(
        "k8s.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: k}\nspec:\n  selector: {matchLabels: {a: k}}\n  template:\n    metadata: {labels: {a: k}}\n    spec:\n      initContainers: [{name: init, image: alpine:3.21}]\n      containers: [{name: c, image: busybox:1.37.0}]\n",
    );
    // args without command compile only with a lock, so listing must not need one.
    let output = i2kit(&["images", "app.yaml", "k8s.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "alpine:3.21\nbusybox:1.37.0\nnginx:1.27.3\n"
    );
    let output = i2kit(&["compile", "app.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    let digest = format!("sha256:{}", "ab".repeat(32));
    let lock = serde_json::json!([
        {"RepoTags": ["nginx:1.27.3"], "RepoDigests": [format!("nginx@{digest}")],
         "Config": {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx"], "User": "101"}},
        {"RepoTags": ["busybox:1.37.0"], "RepoDigests": [format!("busybox@{digest}")], "Config": {"Cmd": ["sh"]}}
    ]);
    scratch.write("images.lock.json", lock.to_string().as_bytes());
    let output = i2kit(
        &[
            "compile",
            "app.yaml",
            "--images",
            "images.lock.json",
            "--emit",
            "linuxkit",
        ],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let linuxkit = text(&output.stdout);
    assert!(linuxkit.contains(&format!("nginx:1.27.3@{digest}")));
    assert!(linuxkit.contains("uid: 101"));
    let output = i2kit(
        &["validate", "app.yaml", "--images", "images.lock.json"],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let output = i2kit(&["images", "missing.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(2));
    scratch.write("bad.yaml", b"name: Bad\n");
    let output = i2kit(&["images", "bad.yaml", "app.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_lock_is_io_and_a_bad_one_is_located() {
    let scratch = Scratch::new("lock");
    scratch.write("app.yaml", NGINX.as_bytes());
    for command in ["compile", "validate"] {
        let output = i2kit(
            &[command, "app.yaml", "--images", "absent.json"],
            &scratch.0,
        );
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(text(&output.stderr).contains("absent.json"));
        assert!(output.stdout.is_empty());
    }
    scratch.write(
        "bad.json",
        b"{\n  \"nginx:1.7.9\": {\"config\": {\"User\": 101}}\n}\n",
    );
    let output = i2kit(&["compile", "app.yaml", "--images", "bad.json"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("bad.json:2:38: error: expected a string, found a number"),
        "{}",
        text(&output.stderr)
    );
    let output = i2kit(
        &[
            "validate", "app.yaml", "--images", "bad.json", "--format", "json",
        ],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(1));
    let record: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(record["file"], "bad.json");
    assert_eq!(record["line"], 2);
}

// ---------------------------------------------------------------- several files, directories, stdin

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27.3\n        ports:\n        - {name: http, containerPort: 80}\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: front\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports:\n  - {port: 80, targetPort: http}\n";

fn i2kit_stdin_in(args: &[&str], input: &[u8], directory: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_i2kit"))
        .args(args)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("i2kit starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("i2kit ends")
}

fn json_records(output: &Output) -> Vec<serde_json::Value> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn two_files_are_one_application() {
    let scratch = Scratch::new("two-files");
    scratch.write("web.yaml", DEPLOYMENT.as_bytes());
    scratch.write("front.yaml", SERVICE.as_bytes());
    // Alone, the Service selects nothing; with the Deployment's file it fronts it.
    let alone = i2kit(&["validate", "front.yaml"], &scratch.0);
    assert!(text(&alone.stderr).contains("selects no Deployment"));
    let output = i2kit(
        &["compile", "web.yaml", "front.yaml", "--out-dir", "out"],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    let written: Vec<String> = fs::read_dir(scratch.0.join("out"))
        .expect("out")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let mut written = written;
    written.sort();
    // One template, named after the first argument's stem.
    assert_eq!(written, ["web.cloudformation.json", "web.linuxkit.yml"]);
    let template: serde_json::Value = serde_json::from_slice(
        &fs::read(scratch.0.join("out/web.cloudformation.json")).expect("template"),
    )
    .expect("JSON");
    assert_eq!(
        template["Resources"]["FrontLoadBalancer"]["Properties"]["Scheme"],
        "internet-facing"
    );
    let validated = i2kit(&["validate", "web.yaml", "front.yaml"], &scratch.0);
    assert_eq!(validated.status.code(), Some(0));
    assert!(validated.stderr.is_empty(), "{}", text(&validated.stderr));
}

#[test]
fn a_directory_is_its_files_in_name_order_and_the_order_is_the_arguments() {
    let scratch = Scratch::new("directory");
    fs::create_dir_all(scratch.0.join("shop/nested")).expect("dirs");
    scratch.write("shop/b-web.yaml", DEPLOYMENT.as_bytes());
    scratch.write("shop/a-front.yml", SERVICE.as_bytes());
    scratch.write("shop/.draft.yaml", b"kind: [broken\n");
    scratch.write("shop/notes.txt", b"not read");
    scratch.write(
        "shop/nested/worker.json",
        br#"{"name": "worker", "containers": {"w": {"image": "busybox:1.37.0"}}}"#,
    );
    let directory = i2kit(&["compile", "shop"], &scratch.0);
    assert_eq!(
        directory.status.code(),
        Some(0),
        "{}",
        text(&directory.stderr)
    );
    let files = i2kit(
        &["compile", "shop/a-front.yml", "shop/b-web.yaml"],
        &scratch.0,
    );
    assert_eq!(
        text(&directory.stdout),
        text(&files.stdout),
        "a directory reads its files in name order"
    );
    let streamed = i2kit_stdin_in(
        &["compile", "-"],
        format!("{SERVICE}---\n{DEPLOYMENT}").as_bytes(),
        &scratch.0,
    );
    assert_eq!(
        text(&directory.stdout),
        text(&streamed.stdout),
        "the files of an application are read as their concatenation"
    );
    let again = i2kit(&["compile", "shop"], &scratch.0);
    assert_eq!(directory.stdout, again.stdout, "byte-deterministic");
    // Another order of arguments is another document order: the same resources, reordered.
    let reversed = i2kit(
        &["compile", "shop/b-web.yaml", "shop/a-front.yml"],
        &scratch.0,
    );
    let parse = |output: &Output| -> serde_json::Value {
        serde_json::from_slice(&output.stdout).expect("JSON")
    };
    assert_eq!(parse(&reversed), parse(&files));
    // Without -R the subdirectory is not read; with it, it is.
    let recursive = i2kit(&["compile", "-R", "shop", "--out-dir", "out"], &scratch.0);
    assert_eq!(
        recursive.status.code(),
        Some(0),
        "{}",
        text(&recursive.stderr)
    );
    assert!(scratch.0.join("out/worker.linuxkit.yml").is_file());
    assert!(scratch.0.join("out/shop.cloudformation.json").is_file());
    assert!(!text(&directory.stdout).contains("Worker"));
}

#[test]
fn a_file_and_stdin_are_one_application_and_name_sets_the_template() {
    let scratch = Scratch::new("stdin-and-file");
    scratch.write("web.yaml", DEPLOYMENT.as_bytes());
    let output = i2kit_stdin_in(
        &[
            "compile",
            "web.yaml",
            "-",
            "--name",
            "shop",
            "--out-dir",
            "out",
        ],
        SERVICE.as_bytes(),
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    assert!(scratch.0.join("out/shop.cloudformation.json").is_file());
    assert!(!scratch.0.join("out/web.cloudformation.json").exists());
    // --check names the command that brings the outputs up to date, --name included.
    scratch.write(
        "web.yaml",
        DEPLOYMENT
            .replace("nginx:1.27.3", "nginx:1.27.4")
            .as_bytes(),
    );
    let stale = i2kit_stdin_in(
        &[
            "compile",
            "web.yaml",
            "-",
            "--name",
            "shop",
            "--out-dir",
            "out",
            "--check",
        ],
        SERVICE.as_bytes(),
        &scratch.0,
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale.stderr).contains("run `i2kit compile web.yaml - --name shop --out-dir out`"),
        "{}",
        text(&stale.stderr)
    );
    // Only from stdin, the template is named `stdin`.
    let piped = i2kit_stdin_in(
        &["compile", "-", "--out-dir", "piped"],
        format!("{DEPLOYMENT}---\n{SERVICE}").as_bytes(),
        &scratch.0,
    );
    assert_eq!(piped.status.code(), Some(0), "{}", text(&piped.stderr));
    assert!(scratch.0.join("piped/stdin.cloudformation.json").is_file());
    for bad in ["../up", "a/b", "", ".hidden"] {
        let output = i2kit(&["compile", "web.yaml", "--name", bad], &scratch.0);
        assert_eq!(output.status.code(), Some(2), "--name {bad:?}");
        assert!(text(&output.stderr).contains("cloudformation.json"));
    }
}

#[test]
fn inputs_that_cannot_be_read_exit_2() {
    let scratch = Scratch::new("unreadable");
    scratch.write("web.yaml", DEPLOYMENT.as_bytes());
    fs::create_dir_all(scratch.0.join("empty")).expect("dir");
    fs::create_dir_all(scratch.0.join("texts/deeper")).expect("dir");
    scratch.write("texts/readme.md", b"# not yaml");
    scratch.write("texts/deeper/web.yaml", DEPLOYMENT.as_bytes());
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere.yaml", scratch.0.join("dangling.yaml")).expect("symlink");
    let cases: [(&[&str], &str); 6] = [
        (
            &["compile", "web.yaml", "missing.yaml"],
            "cannot read missing.yaml",
        ),
        (
            &["validate", "web.yaml", "empty"],
            "empty holds no *.yaml, *.yml or *.json file",
        ),
        (&["compile", "texts"], "add -R to read its subdirectories"),
        (
            &["compile", "web.yaml", "dangling.yaml"],
            "cannot read dangling.yaml",
        ),
        (&["images", "empty"], "holds no"),
        (&["compile", "-", "web.yaml", "-"], "can be read only once"),
    ];
    for (args, message) in cases {
        let output = i2kit(args, &scratch.0);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(
            text(&output.stderr).contains(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    // Without root's rights a file without read permission is an I/O error too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = scratch.write("locked.yaml", DEPLOYMENT.as_bytes());
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        if fs::read(&locked).is_err() {
            let output = i2kit(&["validate", "web.yaml", "locked.yaml"], &scratch.0);
            assert_eq!(output.status.code(), Some(2));
            assert!(text(&output.stderr).contains("cannot read locked.yaml"));
        }
    }
}

#[test]
fn an_error_in_the_second_file_is_located_there() {
    let scratch = Scratch::new("second-file");
    scratch.write("web.yaml", DEPLOYMENT.as_bytes());
    scratch.write(
        "front.yaml",
        SERVICE
            .replace("targetPort: http", "targetPort: htpp")
            .as_bytes(),
    );
    let human = i2kit(&["compile", "web.yaml", "front.yaml"], &scratch.0);
    assert_eq!(human.status.code(), Some(1));
    assert!(
        text(&human.stderr).starts_with(
            "front.yaml:9:28: error: targetPort `htpp` names no container port of Deployment `web`"
        ),
        "{}",
        text(&human.stderr)
    );
    assert!(text(&human.stderr).contains("9 |   - {port: 80, targetPort: htpp}\n"));
    let json = i2kit(
        &["validate", "--format", "json", "web.yaml", "front.yaml"],
        &scratch.0,
    );
    assert_eq!(json.status.code(), Some(1));
    let records = json_records(&json);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["file"], "front.yaml");
    assert_eq!(records[0]["line"], 9);
    assert_eq!(records[0]["column"], 28);
    assert_eq!(records[0]["help"], "did you mean `http`?");
}

#[test]
fn a_name_defined_in_two_files_points_at_both() {
    let scratch = Scratch::new("duplicate-across");
    scratch.write("one.yaml", DEPLOYMENT.as_bytes());
    scratch.write(
        "two.yaml",
        format!("# the same name again\n{DEPLOYMENT}").as_bytes(),
    );
    let output = i2kit(
        &["validate", "--format", "json", "one.yaml", "two.yaml"],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(1));
    let records = json_records(&output);
    // The Deployment, and the load balancer its ports get, both named `web`.
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["file"], "two.yaml");
    assert_eq!(records[0]["line"], 5);
    assert_eq!(records[0]["message"], "deployment `web` is defined twice");
    assert!(
        records[0]["help"]
            .as_str()
            .unwrap_or_default()
            .starts_with("the first is at one.yaml:4:9;"),
        "{records:?}"
    );
}

#[test]
fn validate_each_keeps_one_application_per_argument() {
    let scratch = Scratch::new("each");
    let short = |name: &str| format!("name: {name}\ncontainers:\n  web: {{image: nginx:1.27.3}}\n");
    scratch.write("a.yaml", short("web").as_bytes());
    scratch.write("b.yaml", short("web").as_bytes());
    scratch.write(
        "bad.yaml",
        b"name: bad\nreplica: 2\ncontainers:\n  web: {image: nginx:1.27.3}\n",
    );
    // Together they are one application, where `web` is defined twice.
    let together = i2kit(&["validate", "a.yaml", "b.yaml"], &scratch.0);
    assert_eq!(together.status.code(), Some(1));
    assert!(text(&together.stderr).contains("defined twice"));
    let each = i2kit(&["validate", "--each", "a.yaml", "b.yaml"], &scratch.0);
    assert_eq!(each.status.code(), Some(0), "{}", text(&each.stderr));
    assert!(each.stderr.is_empty());
    // Every argument is reported, whatever the others hold.
    let reports = i2kit(
        &[
            "validate",
            "--each",
            "--format",
            "json",
            "bad.yaml",
            "a.yaml",
            "missing.yaml",
            "bad.yaml",
        ],
        &scratch.0,
    );
    assert_eq!(
        reports.status.code(),
        Some(2),
        "an unreadable argument is the worst outcome"
    );
    let records = json_records(&reports);
    assert_eq!(records.len(), 2, "bad.yaml twice: {records:?}");
    assert!(records.iter().all(|record| record["file"] == "bad.yaml"));
    assert!(text(&reports.stderr).contains("cannot read missing.yaml"));
    let stdin_twice = i2kit(&["validate", "--each", "-", "a.yaml", "-"], &scratch.0);
    assert_eq!(stdin_twice.status.code(), Some(2));
    assert!(text(&stdin_twice.stderr).contains("can be read only once"));
    let name_with_each = i2kit(&["validate", "--each", "--name", "x", "a.yaml"], &scratch.0);
    assert_eq!(name_with_each.status.code(), Some(2), "--name is compile's");
}

const HELM_STREAM: &str = "---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: shop-web\n  labels:\n    app.kubernetes.io/managed-by: Helm\nspec:\n  selector: {app.kubernetes.io/name: web}\n  ports:\n    - {name: http, port: 80, targetPort: http}\n---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\n  labels:\n    app.kubernetes.io/managed-by: Helm\nspec:\n  replicas: -2\n  selector:\n    matchLabels: {app.kubernetes.io/name: web}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: web}\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:1.27.3\"\n          ports:\n            - {name: http, containerPort: 80}\n---\n# Source: web/templates/hpa.yaml\n---\n# Source: web/templates/tests/test-connection.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: \"shop-web-test-connection\"\n  annotations:\n    \"helm.sh/hook\": test\nspec:\n  containers:\n    - {name: wget, image: busybox, command: ['wget'], args: ['shop-web:80']}\n  restartPolicy: Never\n";

#[test]
fn a_helm_stream_skips_hooks_and_names_the_template_of_an_error() {
    let output = i2kit_stdin(
        &["validate", "--format", "json", "-"],
        HELM_STREAM.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(1));
    let records = json_records(&output);
    assert_eq!(records.len(), 2, "{records:?}");
    // The error stays at stdin's own line; the note names the chart template to fix.
    assert_eq!(records[0]["file"], "<stdin>");
    assert_eq!(records[0]["line"], 22);
    assert_eq!(records[0]["severity"], "error");
    assert!(
        records[0]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("`web/templates/deployment.yaml`"),
        "{records:?}"
    );
    // The test Pod is a hook: skipped with a warning, not refused as a Pod.
    assert_eq!(records[1]["severity"], "warning");
    assert_eq!(records[1]["line"], 39);
    assert!(
        records[1]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Pod `shop-web-test-connection` is a helm `test` hook")
    );
    let human = i2kit_stdin(&["compile", "-"], HELM_STREAM.as_bytes());
    assert!(
        text(&human.stderr).contains("<stdin>:22:13: error: "),
        "{}",
        text(&human.stderr)
    );
    assert!(
        text(&human.stderr)
            .contains("note: rendered from the chart template `web/templates/deployment.yaml`")
    );
    let fixed = HELM_STREAM.replace("replicas: -2", "replicas: 2");
    let output = i2kit_stdin(&["compile", "-"], fixed.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // Under --strict the skipped hook is an error, as every warning is.
    let strict = i2kit_stdin(&["validate", "--strict", "-"], fixed.as_bytes());
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn the_image_lock_beside_the_manifests_is_not_read_as_one() {
    let scratch = Scratch::new("lock-beside");
    fs::create_dir_all(scratch.0.join("deploy")).expect("dir");
    scratch.write("deploy/web.yaml", DEPLOYMENT.as_bytes());
    let lock = serde_json::json!([{"RepoTags": ["nginx:1.27.3"], "RepoDigests": [format!("nginx@sha256:{}", "ab".repeat(32))], "Config": {}}]);
    scratch.write("deploy/images.lock.json", lock.to_string().as_bytes());
    let with_lock = i2kit(
        &["validate", "deploy", "--images", "deploy/images.lock.json"],
        &scratch.0,
    );
    assert_eq!(
        with_lock.status.code(),
        Some(0),
        "{}",
        text(&with_lock.stderr)
    );
    assert!(with_lock.stderr.is_empty(), "{}", text(&with_lock.stderr));
    // Without --images it is one more file of the directory, holding no manifest: skipped.
    let without = i2kit(&["validate", "deploy"], &scratch.0);
    assert_eq!(without.status.code(), Some(0));
    assert!(
        text(&without.stderr)
            .starts_with("deploy/images.lock.json: warning: the file holds no manifest"),
        "{}",
        text(&without.stderr)
    );
    let images = i2kit(&["images", "deploy"], &scratch.0);
    assert_eq!(text(&images.stdout), "nginx:1.27.3\n");
}

/// A suspected credential is named, never shown: neither in the message nor in the source line
/// a human diagnostic otherwise prints under it, in either format, and `--strict` refuses it.
#[test]
fn credentials_are_warned_about_without_their_values() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cases: [(&str, &[&str]); 2] = [
        (
            "k8s-credentials-in-clear",
            &[
                "zq-7Plum-Quartz",
                "Vermilion-Otter-42",
                "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
                "AKIAZ7QX3KJ5EXAMPLE7",
                "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0K",
                "Saffron-Heron-19",
                "Cobalt-Lynx-88",
                "Tangerine-Mole-3",
            ],
        ),
        (
            "credentials-in-clear",
            &[
                "ghp_Zr4nD0mT0k3nV4lu3Zr4nD0mT0k3nV4lu3AB",
                "Marigold-Walrus-61",
            ],
        ),
    ];
    for (case, values) in cases {
        let directory = fixtures.join(case);
        for format in ["human", "json"] {
            let output = i2kit(
                &["validate", "--strict", "--format", format, "input.yaml"],
                &directory,
            );
            // JSON records go to standard output, human diagnostics to standard error.
            let stderr = [text(&output.stdout), text(&output.stderr)].concat();
            assert_eq!(output.status.code(), Some(1), "{case} {format}: {stderr}");
            assert!(stderr.contains("I2K053"), "{case} {format}: {stderr}");
            for value in values {
                assert!(
                    !stderr.contains(value),
                    "{case} {format} shows `{value}`: {stderr}"
                );
            }
        }
    }
}

/// An OSC 52 sequence (the terminal copies "hello" to the clipboard) and a screen clear.
const OSC52: &str = "\x1b]52;c;aGVsbG8=\x07";
const CLEAR: &str = "\x1b[2J";

/// What escaped text shows for [`OSC52`] and [`CLEAR`].
const OSC52_SHOWN: &str = "\\u{1b}]52;c;aGVsbG8=\\u{7}";
const CLEAR_SHOWN: &str = "\\u{1b}[2J";

fn assert_no_terminal_controls(bytes: &[u8]) {
    let shown = text(bytes);
    assert!(
        !shown
            .chars()
            .any(|character| character.is_control() && character != '\n'),
        "a control character reached the terminal: {shown:?}"
    );
}

#[test]
fn terminal_sequences_in_the_input_are_printed_escaped() {
    let scratch = Scratch::new("escape");
    let directory = scratch.0.join("deploy");
    fs::create_dir_all(&directory).expect("deploy/");
    // A name, an annotation value (both quoted by their messages, as YAML escapes that decode
    // to the sequences) and a comment on a quoted source line (the raw bytes), in a file whose
    // own name holds a sequence too.
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"web\\e]52;c;aGVsbG8=\\a\"\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers: [{{name: web, image: \"nginx:1.27.3\"}}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"x\\e[2J\" # {OSC52}{CLEAR}\nspec:\n  type: LoadBalancer\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n"
    );
    fs::write(directory.join(format!("web{CLEAR}.yaml")), manifest).expect("manifest");
    let output = i2kit(&["validate", "deploy"], &scratch.0);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_no_terminal_controls(&output.stderr);
    let shown = text(&output.stderr);
    let file = format!("deploy/web{CLEAR_SHOWN}.yaml");
    assert!(
        shown.contains(&format!("{file}:4:9: error: name `web{OSC52_SHOWN}`")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "{file}:17:56: error: annotation `service.beta.kubernetes.io/aws-load-balancer-type` cannot be `x{CLEAR_SHOWN}`"
        )),
        "{shown}"
    );
    let source_line = format!(
        "17 |     service.beta.kubernetes.io/aws-load-balancer-type: \"x\\e[2J\" # {OSC52_SHOWN}{CLEAR_SHOWN}\n   | {}^",
        " ".repeat(55)
    );
    assert!(shown.contains(&source_line), "{shown}");

    // JSON carries the strings as they are, escaped by JSON itself.
    let output = i2kit(&["validate", "--format", "json", "deploy"], &scratch.0);
    assert_no_terminal_controls(&output.stdout);
    let records = json_records(&output);
    assert!(
        records.iter().any(|record| record["message"]
            .as_str()
            .is_some_and(|m| m.contains(OSC52))),
        "{records:?}"
    );

    // An image reference holding a control sequence is refused (I2K050), and the refusal
    // quotes it escaped; paths are escaped by I/O errors.
    scratch.write(
        "image.yaml",
        format!("name: web\ncontainers:\n  web: {{image: \"nginx:1{CLEAR}\"}}\n").as_bytes(),
    );
    let output = i2kit(&["images", "image.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_no_terminal_controls(&output.stderr);
    assert!(
        text(&output.stderr).contains(&format!("`nginx:1{CLEAR_SHOWN}` is not an image reference"))
    );
    let output = i2kit(&["validate", &format!("missing{OSC52}.yaml")], &scratch.0);
    assert_eq!(output.status.code(), Some(2));
    assert_no_terminal_controls(&output.stderr);
    assert!(text(&output.stderr).contains(&format!("cannot read missing{OSC52_SHOWN}.yaml")));
}

/// A directory from elsewhere (a cloned repository) must not make i2kit read a file outside
/// it: a link to `~/.aws/credentials` fails to parse, and the error quoted its lines.
#[cfg(unix)]
#[test]
fn links_out_of_a_directory_are_skipped_unread_and_links_inside_followed() {
    use std::os::unix::fs::symlink;
    let scratch = Scratch::new("links");
    let deploy = scratch.0.join("deploy");
    fs::create_dir_all(deploy.join("sub")).expect("deploy/sub");
    scratch.write(
        "credentials",
        b"[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = SECRETVALUE\n",
    );
    symlink("../credentials", deploy.join("creds.yaml")).expect("link out");
    fs::write(deploy.join("web.yaml"), NGINX).expect("web.yaml");
    // Inside the tree, as kubectl does: read, under the link's name.
    fs::write(
        deploy.join("sub/worker.txt"),
        "name: worker\ncontainers:\n  w: {image: busybox:1.37.0}\n",
    )
    .expect("worker");
    symlink("sub/worker.txt", deploy.join("worker.yaml")).expect("link in");
    // A link to the directory above cannot make -R loop or leave; a link to itself is no file.
    symlink("..", deploy.join("sub/up")).expect("link up");
    symlink("loop.yaml", deploy.join("loop.yaml")).expect("loop");

    let output = i2kit(
        &["validate", "-R", "--format", "json", "deploy"],
        &scratch.0,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(!text(&output.stdout).contains("AKIA") && !text(&output.stdout).contains("SECRET"));
    let records = json_records(&output);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["file"], "deploy/creds.yaml");
    assert_eq!(records[0]["code"], "I2K031");
    assert_eq!(records[0]["line"], serde_json::Value::Null);

    let output = i2kit(&["compile", "deploy", "--out-dir", "build"], &scratch.0);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(
            "deploy/creds.yaml: warning: the file is a symbolic link to a file outside `deploy`, the directory given: skipped [I2K031]\n"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("AKIA") && !stderr.contains("SECRET") && !stderr.contains("credentials")
    );
    assert!(
        scratch.0.join("build/worker.linuxkit.yml").is_file(),
        "the link inside is read"
    );
    assert!(
        scratch
            .0
            .join("build/nginx-deployment.linuxkit.yml")
            .is_file()
    );

    // Under --strict the warning is an error, and nothing is written.
    let output = i2kit(&["validate", "--strict", "deploy"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    // Named on the command line, a link is the user's choice and is read.
    let output = i2kit(&["validate", "deploy/creds.yaml"], &scratch.0);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("invalid YAML"));
}
