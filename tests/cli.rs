//! The command line as Makefiles, pre-commit and CI use it: exit codes, streams, files.
//!
//! Every run goes through the shared builder in `tests/common/cli.rs`: exit 0 and both streams
//! empty unless a run says what it expects instead.

#[path = "common/cli.rs"]
mod cli;

use cli::Test;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

const NGINX: &str = "name: nginx-deployment\nreplicas: 3\ncontainers:\n  nginx: { image: nginx:1.7.9, ports: [ 80 ] }\n";

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

    /// A run of i2kit from this directory.
    fn i2kit<I>(&self, args: I) -> Test
    where
        I: IntoIterator,
        I::Item: AsRef<std::ffi::OsStr>,
    {
        Test::new().current_dir(&self.0).args(args)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn schema_file_matches_the_binary() {
    let committed =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/i2kit.schema.json"))
            .expect("schema/i2kit.schema.json");
    Test::new()
        .arg("schema")
        .stdout(committed)
        .note("schema/ is stale: run `cargo run -q -- schema > schema/i2kit.schema.json`")
        .run();
}

#[test]
fn compiles_from_stdin_and_prints_the_template() {
    let output = Test::new()
        .args(["compile", "-"])
        .stdin(NGINX)
        .stdout_any()
        .run();
    assert_eq!(output.json()["AWSTemplateFormatVersion"], "2010-09-09");
}

#[test]
fn emit_linuxkit_needs_one_deployment() {
    let scratch = Scratch::new("emit");
    scratch.write("one.yaml", NGINX.as_bytes());
    scratch
        .i2kit(["compile", "--emit", "linuxkit", "one.yaml"])
        .stdout_starts_with("---\nkernel:\n")
        .run();
    let two = format!("{NGINX}---\nname: other\ncontainers:\n  web: {{ image: nginx:1.27.3 }}\n");
    scratch.write("two.yaml", two.as_bytes());
    scratch
        .i2kit(["compile", "--emit", "linuxkit", "two.yaml"])
        .status(2)
        .stderr_contains("--out-dir")
        .run();
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
        scratch.i2kit(&args).status(2).stderr_any().run();
    }
    scratch
        .i2kit(["compile", "."])
        .status(2)
        .stderr_contains("holds no *.yaml, *.yml or *.json file")
        .run();
}

#[test]
fn invalid_input_exits_1_and_writes_nothing() {
    let scratch = Scratch::new("invalid");
    scratch.write("bad.yaml", b"name: Bad\ncontainers: {}\n");
    scratch
        .i2kit(["compile", "bad.yaml", "--out-dir", "out"])
        .status(1)
        .stderr_starts_with("bad.yaml:1:7: error: ")
        .run();
    assert!(
        !scratch.0.join("out").exists(),
        "nothing may be written for invalid input"
    );
}

#[test]
fn out_dir_rewrites_only_what_changed_and_check_reports_staleness() {
    let scratch = Scratch::new("outdir");
    scratch.write("app.yaml", NGINX.as_bytes());
    let compile = scratch.i2kit(["compile", "app.yaml", "--out-dir", "out"]);
    let check = compile.clone().arg("--check");
    compile.clone().run();
    let template = scratch.0.join("out/app.cloudformation.json");
    let image = scratch.0.join("out/nginx-deployment.linuxkit.yml");
    let modified = |path: &Path| {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    let (template_time, image_time) = (modified(&template), modified(&image));
    std::thread::sleep(Duration::from_millis(20));
    compile.run();
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
    check.clone().run();

    scratch.write(
        "app.yaml",
        NGINX.replace("replicas: 3", "replicas: 5").as_bytes(),
    );
    check
        .clone()
        .status(1)
        .stderr_contains("app.cloudformation.json: stale")
        .stderr_lacks("linuxkit.yml")
        .note("the LinuxKit file did not change")
        .run();
    assert_eq!(modified(&template), template_time, "--check must not write");

    fs::remove_file(&image).expect("remove");
    check
        .status(1)
        .stderr_contains("nginx-deployment.linuxkit.yml: missing")
        .run();
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
    scratch
        .i2kit(["compile", "app.yaml", "--out-dir", "blocker/out"])
        .status(2)
        .stderr_contains("cannot create")
        .run();
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
    let output = scratch
        .i2kit([
            "validate",
            "--format",
            "json",
            "good.yaml",
            "bad.yaml",
            "warn.yaml",
        ])
        .status(1)
        .stdout_any()
        .run();
    let records = output.json_lines();
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
    scratch.i2kit(["validate", "good.yaml"]).run();
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
        let output = scratch
            .i2kit(["compile", name, "--out-dir", "out"])
            .status(1)
            .stderr_contains(code)
            .run();
        assert!(
            output.stderr_text().len() < 2000,
            "{name}: the message must stay short: {}",
            output.stderr_text()
        );
        assert!(!scratch.0.join("out").exists());
    }
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(NGINX.as_bytes());
    scratch.write("bom.yaml", &with_bom);
    scratch
        .i2kit(["validate", "bom.yaml"])
        .note("a UTF-8 BOM is accepted")
        .run();
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
    scratch
        .i2kit(["compile", "resources.yaml"])
        .status(1)
        .stderr_contains("resources; CloudFormation allows 500")
        .stderr_contains("split the deployments into several applications")
        .run();

    let workers = |count: usize| -> String {
        (0..count)
            .map(|index| {
                format!("name: worker{index}\ncontainers:\n  w: {{image: busybox:1.37.0}}\n---\n")
            })
            .collect()
    };
    // Two parameters per deployment: the 100th is refused where it is named.
    scratch.write("deployments.yaml", workers(100).as_bytes());
    scratch
        .i2kit(["compile", "deployments.yaml"])
        .status(1)
        .stderr_contains("deployments.yaml:397:7: error: the input holds more than 99 deployments")
        .stderr_contains("split the deployments into several applications")
        .run();
    // 99 deployments fit, but not with two more parameters (certificates to be given).
    let https = "name: web{index}\ncontainers:\n  web: {image: nginx:1.27.3, ports: [\"https:443:http:80\"]}\n---\n";
    let parameters = workers(97) + &https.replace("{index}", "0") + &https.replace("{index}", "1");
    scratch.write("parameters.yaml", parameters.as_bytes());
    scratch
        .i2kit(["compile", "parameters.yaml"])
        .status(1)
        .stderr_contains("parameters; CloudFormation allows 200")
        .run();

    let some: String = (0..12)
        .map(|index| {
            format!(
                "name: web{index}\ncontainers:\n  web: {{image: nginx:1.27.3, ports: [80]}}\n---\n"
            )
        })
        .collect();
    scratch.write("inline.yaml", some.as_bytes());
    let output = scratch
        .i2kit(["compile", "inline.yaml"])
        .note("a template over 51,200 bytes still compiles")
        .stdout_starts_with("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\"")
        .stderr_contains("warning: the template is")
        .stderr_contains("--s3-bucket")
        .run();

    // validate counts the template instead of keeping it, and must say exactly the same.
    scratch
        .i2kit(["validate", "inline.yaml"])
        .stderr(&output.stderr)
        .run();
    scratch
        .i2kit(["validate", "resources.yaml"])
        .status(1)
        .stderr_contains("resources; CloudFormation allows 500")
        .run();
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        Test::new()
            .args(["completions", shell])
            .stdout_contains("validate")
            .note(format!("{shell} completion lacks subcommands"))
            .run();
    }
    Test::new()
        .args(["completions", "tcsh"])
        .status(2)
        .stderr_contains("invalid value 'tcsh'")
        .run();
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for subcommand in ["compile", "validate", "schema", "completions"] {
        Test::new()
            .args([subcommand, "--help"])
            .stdout_contains("Example")
            .note(format!("{subcommand} --help has no example"))
            .run();
    }
    Test::new()
        .arg("--version")
        .stdout(format!("i2kit {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}

/// `i2kit images` feeds a shell (`docker image inspect $(i2kit images FILE)`): text outside
/// the reference grammar would be split into words and read as flags, so it prints nothing.
#[test]
fn images_refuses_what_is_not_a_reference() {
    Test::new()
        .args(["images", "-"])
        .stdin("name: web\ncontainers:\n  web: {image: \"--format={{json .}} nginx\"}\n")
        .status(1)
        .stdout("")
        .stderr_contains("[I2K050]")
        .run();
}

/// An input whose references do not resolve would pull images for an application that cannot
/// compile: `make lock` must stop at the broken reference, as `compile` would.
#[test]
fn images_refuses_an_input_whose_references_do_not_resolve() {
    Test::new()
        .args(["images", "-"])
        .stdin("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - {name: web, image: nginx:1.27.3, envFrom: [{configMapRef: {name: web-confg}}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {MODE: live}\n")
        .status(1)
        .stdout("")
        .stderr_contains("[I2K021]")
        .stderr_contains("did you mean `web-config`?")
        .run();
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
    scratch
        .i2kit(["images", "app.yaml", "k8s.yaml"])
        .stdout("alpine:3.21\nbusybox:1.37.0\nnginx:1.27.3\n")
        .run();
    scratch
        .i2kit(["compile", "app.yaml"])
        .status(1)
        .stderr_contains("[I2K017]")
        .run();
    let digest = format!("sha256:{}", "ab".repeat(32));
    let lock = serde_json::json!([
        {"RepoTags": ["nginx:1.27.3"], "RepoDigests": [format!("nginx@{digest}")],
         "Config": {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx"], "User": "101"}},
        {"RepoTags": ["busybox:1.37.0"], "RepoDigests": [format!("busybox@{digest}")], "Config": {"Cmd": ["sh"]}}
    ]);
    scratch.write("images.lock.json", lock.to_string().as_bytes());
    scratch
        .i2kit([
            "compile",
            "app.yaml",
            "--images",
            "images.lock.json",
            "--emit",
            "linuxkit",
        ])
        .stdout_contains(format!("nginx:1.27.3@{digest}"))
        .stdout_contains("uid: 101")
        .run();
    scratch
        .i2kit(["validate", "app.yaml", "--images", "images.lock.json"])
        .run();
    scratch
        .i2kit(["images", "missing.yaml"])
        .status(2)
        .stderr_contains("cannot read missing.yaml")
        .run();
    scratch.write("bad.yaml", b"name: Bad\n");
    scratch
        .i2kit(["images", "bad.yaml", "app.yaml"])
        .status(1)
        .stderr_starts_with("bad.yaml:1:1: error: ")
        .run();
}

#[test]
fn a_missing_lock_is_io_and_a_bad_one_is_located() {
    let scratch = Scratch::new("lock");
    scratch.write("app.yaml", NGINX.as_bytes());
    for command in ["compile", "validate"] {
        scratch
            .i2kit([command, "app.yaml", "--images", "absent.json"])
            .status(2)
            .stderr_contains("absent.json")
            .run();
    }
    scratch.write(
        "bad.json",
        b"{\n  \"nginx:1.7.9\": {\"config\": {\"User\": 101}}\n}\n",
    );
    scratch
        .i2kit(["compile", "app.yaml", "--images", "bad.json"])
        .status(1)
        .stderr_starts_with("bad.json:2:38: error: expected a string, found a number")
        .run();
    let output = scratch
        .i2kit([
            "validate", "app.yaml", "--images", "bad.json", "--format", "json",
        ])
        .status(1)
        .stdout_any()
        .run();
    let record = output.json();
    assert_eq!(record["file"], "bad.json");
    assert_eq!(record["line"], 2);
}

// ---------------------------------------------------------------- several files, directories, stdin

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27.3\n        ports:\n        - {name: http, containerPort: 80}\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: front\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports:\n  - {port: 80, targetPort: http}\n";

#[test]
fn two_files_are_one_application() {
    let scratch = Scratch::new("two-files");
    scratch.write("web.yaml", DEPLOYMENT.as_bytes());
    scratch.write("front.yaml", SERVICE.as_bytes());
    // Alone, the Service selects nothing; with the Deployment's file it fronts it.
    scratch
        .i2kit(["validate", "front.yaml"])
        .status(1)
        .stderr_contains("selects no Deployment")
        .run();
    scratch
        .i2kit(["compile", "web.yaml", "front.yaml", "--out-dir", "out"])
        .run();
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
    scratch.i2kit(["validate", "web.yaml", "front.yaml"]).run();
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
    let directory = scratch.i2kit(["compile", "shop"]).stdout_any().run();
    let files = scratch
        .i2kit(["compile", "shop/a-front.yml", "shop/b-web.yaml"])
        .stdout(&directory.stdout)
        .note("a directory reads its files in name order")
        .run();
    scratch
        .i2kit(["compile", "-"])
        .stdin(format!("{SERVICE}---\n{DEPLOYMENT}"))
        .stdout(&directory.stdout)
        .note("the files of an application are read as their concatenation")
        .run();
    scratch
        .i2kit(["compile", "shop"])
        .stdout(&directory.stdout)
        .note("byte-deterministic")
        .run();
    // Another order of arguments is another document order: the same resources, reordered.
    let reversed = scratch
        .i2kit(["compile", "shop/b-web.yaml", "shop/a-front.yml"])
        .stdout_any()
        .run();
    assert_eq!(reversed.json(), files.json());
    // Without -R the subdirectory is not read; with it, it is.
    scratch
        .i2kit(["compile", "-R", "shop", "--out-dir", "out"])
        .run();
    assert!(scratch.0.join("out/worker.linuxkit.yml").is_file());
    assert!(scratch.0.join("out/shop.cloudformation.json").is_file());
    assert!(!directory.stdout_text().contains("Worker"));
}

#[test]
fn a_file_and_stdin_are_one_application_and_name_sets_the_template() {
    let scratch = Scratch::new("stdin-and-file");
    scratch.write("web.yaml", DEPLOYMENT.as_bytes());
    let compile = scratch
        .i2kit([
            "compile",
            "web.yaml",
            "-",
            "--name",
            "shop",
            "--out-dir",
            "out",
        ])
        .stdin(SERVICE);
    compile.clone().run();
    assert!(scratch.0.join("out/shop.cloudformation.json").is_file());
    assert!(!scratch.0.join("out/web.cloudformation.json").exists());
    // --check names the command that brings the outputs up to date, --name included.
    scratch.write(
        "web.yaml",
        DEPLOYMENT
            .replace("nginx:1.27.3", "nginx:1.27.4")
            .as_bytes(),
    );
    compile
        .arg("--check")
        .status(1)
        .stderr_contains("run `i2kit compile web.yaml - --name shop --out-dir out`")
        .run();
    // Only from stdin, the template is named `stdin`.
    scratch
        .i2kit(["compile", "-", "--out-dir", "piped"])
        .stdin(format!("{DEPLOYMENT}---\n{SERVICE}"))
        .run();
    assert!(scratch.0.join("piped/stdin.cloudformation.json").is_file());
    for bad in ["../up", "a/b", "", ".hidden"] {
        scratch
            .i2kit(["compile", "web.yaml", "--name", bad])
            .status(2)
            .stderr_contains("cloudformation.json")
            .note(format!("--name {bad:?}"))
            .run();
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
        scratch.i2kit(args).status(2).stderr_contains(message).run();
    }
    // Without root's rights a file without read permission is an I/O error too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = scratch.write("locked.yaml", DEPLOYMENT.as_bytes());
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        if fs::read(&locked).is_err() {
            scratch
                .i2kit(["validate", "web.yaml", "locked.yaml"])
                .status(2)
                .stderr_contains("cannot read locked.yaml")
                .run();
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
    scratch
        .i2kit(["compile", "web.yaml", "front.yaml"])
        .status(1)
        .stderr_starts_with(
            "front.yaml:9:28: error: targetPort `htpp` names no container port of Deployment `web`",
        )
        .stderr_contains("9 |   - {port: 80, targetPort: htpp}\n")
        .run();
    let json = scratch
        .i2kit(["validate", "--format", "json", "web.yaml", "front.yaml"])
        .status(1)
        .stdout_any()
        .run();
    let records = json.json_lines();
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
    let output = scratch
        .i2kit(["validate", "--format", "json", "one.yaml", "two.yaml"])
        .status(1)
        .stdout_any()
        .run();
    let records = output.json_lines();
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
    scratch
        .i2kit(["validate", "a.yaml", "b.yaml"])
        .status(1)
        .stderr_contains("defined twice")
        .run();
    scratch
        .i2kit(["validate", "--each", "a.yaml", "b.yaml"])
        .run();
    // Every argument is reported, whatever the others hold.
    let reports = scratch
        .i2kit([
            "validate",
            "--each",
            "--format",
            "json",
            "bad.yaml",
            "a.yaml",
            "missing.yaml",
            "bad.yaml",
        ])
        .status(2)
        .note("an unreadable argument is the worst outcome")
        .stdout_any()
        .stderr_contains("cannot read missing.yaml")
        .run();
    let records = reports.json_lines();
    assert_eq!(records.len(), 2, "bad.yaml twice: {records:?}");
    assert!(records.iter().all(|record| record["file"] == "bad.yaml"));
    scratch
        .i2kit(["validate", "--each", "-", "a.yaml", "-"])
        .status(2)
        .stderr_contains("can be read only once")
        .run();
    scratch
        .i2kit(["validate", "--each", "--name", "x", "a.yaml"])
        .status(2)
        .stderr_contains("unexpected argument '--name'")
        .note("--name is compile's")
        .run();
}

const HELM_STREAM: &str = "---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: shop-web\n  labels:\n    app.kubernetes.io/managed-by: Helm\nspec:\n  selector: {app.kubernetes.io/name: web}\n  ports:\n    - {name: http, port: 80, targetPort: http}\n---\n# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\n  labels:\n    app.kubernetes.io/managed-by: Helm\nspec:\n  replicas: -2\n  selector:\n    matchLabels: {app.kubernetes.io/name: web}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: web}\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:1.27.3\"\n          ports:\n            - {name: http, containerPort: 80}\n---\n# Source: web/templates/hpa.yaml\n---\n# Source: web/templates/tests/test-connection.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: \"shop-web-test-connection\"\n  annotations:\n    \"helm.sh/hook\": test\nspec:\n  containers:\n    - {name: wget, image: busybox, command: ['wget'], args: ['shop-web:80']}\n  restartPolicy: Never\n";

#[test]
fn a_helm_stream_skips_hooks_and_names_the_template_of_an_error() {
    let output = Test::new()
        .args(["validate", "--format", "json", "-"])
        .stdin(HELM_STREAM)
        .status(1)
        .stdout_any()
        .run();
    let records = output.json_lines();
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
    Test::new()
        .args(["compile", "-"])
        .stdin(HELM_STREAM)
        .status(1)
        .stderr_contains("<stdin>:22:13: error: ")
        .stderr_contains("note: rendered from the chart template `web/templates/deployment.yaml`")
        .run();
    let fixed = HELM_STREAM.replace("replicas: -2", "replicas: 2");
    Test::new()
        .args(["compile", "-"])
        .stdin(&fixed)
        .stdout_starts_with("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\"")
        .stderr_contains("Pod `shop-web-test-connection` is a helm `test` hook")
        .run();
    // Under --strict the skipped hook is an error, as every warning is.
    Test::new()
        .args(["validate", "--strict", "-"])
        .stdin(&fixed)
        .status(1)
        .stderr_contains("is a helm `test` hook")
        .run();
}

#[test]
fn the_image_lock_beside_the_manifests_is_not_read_as_one() {
    let scratch = Scratch::new("lock-beside");
    fs::create_dir_all(scratch.0.join("deploy")).expect("dir");
    scratch.write("deploy/web.yaml", DEPLOYMENT.as_bytes());
    let lock = serde_json::json!([{"RepoTags": ["nginx:1.27.3"], "RepoDigests": [format!("nginx@sha256:{}", "ab".repeat(32))], "Config": {}}]);
    scratch.write("deploy/images.lock.json", lock.to_string().as_bytes());
    scratch
        .i2kit(["validate", "deploy", "--images", "deploy/images.lock.json"])
        .run();
    // Without --images it is one more file of the directory, holding no manifest: skipped.
    scratch
        .i2kit(["validate", "deploy"])
        .stderr_starts_with("deploy/images.lock.json: warning: the file holds no manifest")
        .run();
    scratch
        .i2kit(["images", "deploy"])
        .stdout("nginx:1.27.3\n")
        .run();
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
        for format in ["human", "json"] {
            let mut test = Test::new()
                .current_dir(fixtures.join(case))
                .args(["validate", "--strict", "--format", format, "input.yaml"])
                .status(1)
                .note(format!("{case} {format}"));
            // JSON records go to standard output, human diagnostics to standard error; the
            // other stream stays empty.
            for value in values {
                test = match format {
                    "json" => test.stdout_lacks(*value),
                    _ => test.stderr_lacks(*value),
                };
            }
            test = match format {
                "json" => test.stdout_contains("I2K053"),
                _ => test.stderr_contains("I2K053"),
            };
            test.run();
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
    let shown = cli::text(bytes);
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
    let file = format!("deploy/web{CLEAR_SHOWN}.yaml");
    let source_line = format!(
        "17 |     service.beta.kubernetes.io/aws-load-balancer-type: \"x\\e[2J\" # {OSC52_SHOWN}{CLEAR_SHOWN}\n   | {}^",
        " ".repeat(55)
    );
    let output = scratch
        .i2kit(["validate", "deploy"])
        .status(1)
        .stderr_contains(format!("{file}:4:9: error: name `web{OSC52_SHOWN}`"))
        .stderr_contains(format!(
            "{file}:17:56: error: annotation `service.beta.kubernetes.io/aws-load-balancer-type` cannot be `x{CLEAR_SHOWN}`"
        ))
        .stderr_contains(source_line)
        .run();
    assert_no_terminal_controls(&output.stderr);

    // JSON carries the strings as they are, escaped by JSON itself.
    let output = scratch
        .i2kit(["validate", "--format", "json", "deploy"])
        .status(1)
        .stdout_any()
        .run();
    assert_no_terminal_controls(&output.stdout);
    let records = output.json_lines();
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
    let output = scratch
        .i2kit(["images", "image.yaml"])
        .status(1)
        .stderr_contains(format!("`nginx:1{CLEAR_SHOWN}` is not an image reference"))
        .run();
    assert_no_terminal_controls(&output.stderr);
    let output = scratch
        .i2kit(["validate", &format!("missing{OSC52}.yaml")])
        .status(2)
        .stderr_contains(format!("cannot read missing{OSC52_SHOWN}.yaml"))
        .run();
    assert_no_terminal_controls(&output.stderr);
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

    let output = scratch
        .i2kit(["validate", "-R", "--format", "json", "deploy"])
        .stdout_lacks("AKIA")
        .stdout_lacks("SECRET")
        .run();
    let records = output.json_lines();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["file"], "deploy/creds.yaml");
    assert_eq!(records[0]["code"], "I2K031");
    assert_eq!(records[0]["line"], serde_json::Value::Null);

    scratch
        .i2kit(["compile", "deploy", "--out-dir", "build"])
        .stderr_starts_with(
            "deploy/creds.yaml: warning: the file is a symbolic link to a file outside `deploy`, the directory given: skipped [I2K031]\n",
        )
        .stderr_lacks("AKIA")
        .stderr_lacks("SECRET")
        .stderr_lacks("credentials")
        .run();
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
    scratch
        .i2kit(["validate", "--strict", "deploy"])
        .status(1)
        .stderr_contains("[I2K031]")
        .run();
    // Named on the command line, a link is the user's choice and is read.
    scratch
        .i2kit(["validate", "deploy/creds.yaml"])
        .status(1)
        .stderr_contains("invalid YAML")
        .run();
}

/// The builder's own checks can fail: each kind of expectation, broken on purpose against a
/// run whose output is known, is reported, and a run that meets them all reports nothing.
#[test]
fn every_kind_of_expectation_fails_when_it_does_not_hold() {
    let version = format!("i2kit {}\n", env!("CARGO_PKG_VERSION"));
    let (_, problems) = Test::new().arg("--version").stdout(&version).outcome();
    assert!(problems.is_empty(), "{problems:?}");
    let broken: [(Test, &str); 8] = [
        (
            Test::new().status(1).stdout(&version),
            "exit status 0, expected 1",
        ),
        (Test::new().stdout("i2kit 0.0.0\n"), "stdout differs"),
        (
            Test::new().stdout(&version).stderr_starts_with("i2kit"),
            "stderr does not start with",
        ),
        (
            Test::new().stdout_starts_with("kit"),
            "stdout does not start with",
        ),
        (
            Test::new().stdout_contains("frobnicate"),
            "stdout does not contain",
        ),
        (
            Test::new().stdout_lacks("i2kit"),
            "stdout contains \"i2kit\"",
        ),
        (
            Test::new().stdout(&version).stderr_contains("warning"),
            "stderr does not contain",
        ),
        (
            Test::new().stdout(&version).stderr("warning\n"),
            "stderr differs",
        ),
    ];
    for (test, problem) in broken {
        let test = test.arg("--version");
        let (output, problems) = test.outcome();
        assert!(
            problems.iter().any(|found| found.starts_with(problem)),
            "expected a problem starting {problem:?}, got {problems:?}"
        );
        let report = test.report(&output, &problems);
        assert!(report.contains("`i2kit --version` in "), "{report}");
    }
}
