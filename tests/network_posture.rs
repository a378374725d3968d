//! Who the security groups of every template i2kit emits admit, over every golden fixture's
//! expected template and every example compiled fresh: nothing admits the whole internet but
//! an internet-facing load balancer; an internal load balancer admits the application's VMs on
//! each listener port and no range unless one is given; every VM carries the application's
//! group.

#[path = "common/network.rs"]
mod network;

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::golden_templates;
use network::{admission_problems, admission_problems_with};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the input at `path` (a file, or a directory of them) holds a NetworkPolicy.
fn holds_network_policy(path: &Path) -> bool {
    if path.is_dir() {
        return fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| holds_network_policy(&entry.path()));
    }
    fs::read_to_string(path).is_ok_and(|text| text.contains("kind: NetworkPolicy"))
}

/// Every example (a file or a directory, with its own arguments from `<stem>.args`) compiled
/// by the real binary; the template's path and text.
fn example_templates(scratch: &Path) -> Vec<(String, String, bool)> {
    let mut examples: Vec<PathBuf> = fs::read_dir(root().join("examples"))
        .expect("examples")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir() || path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    examples.sort();
    examples
        .iter()
        .map(|example| {
            let stem = example
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let out = scratch.join(&stem);
            let args = fs::read_to_string(root().join(format!("examples/{stem}.args")))
                .unwrap_or_default();
            let status = Command::new(env!("CARGO_BIN_EXE_i2kit"))
                .arg("compile")
                .arg(example)
                .arg("--out-dir")
                .arg(&out)
                .args(args.lines().filter(|line| !line.is_empty()))
                .output()
                .expect("i2kit runs");
            assert!(
                status.status.success(),
                "{}: {}",
                example.display(),
                String::from_utf8_lossy(&status.stderr)
            );
            let template = out.join(format!("{stem}.cloudformation.json"));
            (
                template.display().to_string(),
                fs::read_to_string(&template).expect("a template"),
                holds_network_policy(example),
            )
        })
        .collect()
}

/// The source ranges the manifest behind a template wrote (a fixture's `input.yaml`, an
/// example's file or directory), canonical: the only ranges besides the parameters' that an
/// internal load balancer may admit.
fn written_ranges(template: &str) -> BTreeSet<String> {
    let template = Path::new(template);
    let fixture_input = template
        .parent()
        .and_then(Path::parent)
        .map(|fixture| fixture.join("input.yaml"));
    let example = template
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_suffix(".cloudformation.json"))
        .map(|stem| root().join("examples").join(stem));
    let mut files: Vec<PathBuf> = fixture_input
        .into_iter()
        .filter(|path| path.is_file())
        .collect();
    if let Some(example) = example {
        if example.is_dir() {
            files.extend(
                fs::read_dir(&example)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
        files.push(example.with_extension("yaml"));
    }
    let mut found = BTreeSet::new();
    for file in files.iter().filter(|path| path.is_file()) {
        let text = fs::read_to_string(file).unwrap_or_default();
        for document in serde_yaml::Deserializer::from_str(&text) {
            // serde_yaml repeats a syntax error forever: stop at the first.
            let Ok(document) = serde_yaml::Value::deserialize(document) else {
                break;
            };
            let annotations = &document["metadata"]["annotations"];
            let mut entries: Vec<String> = document["spec"]["loadBalancerSourceRanges"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|entry| entry.as_str().map(str::to_string))
                .collect();
            for key in [
                "service.beta.kubernetes.io/load-balancer-source-ranges",
                "alb.ingress.kubernetes.io/inbound-cidrs",
            ] {
                if let Some(value) = annotations[key].as_str() {
                    entries.extend(value.split(',').map(str::to_string));
                }
            }
            found.extend(entries.iter().filter_map(|entry| {
                i2kit::cidr::Cidr::parse(entry.trim())
                    .ok()
                    .map(|parsed| parsed.cidr.to_string())
            }));
        }
    }
    found
}

#[test]
fn only_internet_facing_load_balancers_admit_the_world_and_internal_ones_admit_the_application() {
    let scratch = tempfile::tempdir().expect("scratch");
    // Each template, and whether NetworkPolicies decide its internal listeners' callers.
    let mut templates: Vec<(String, String, bool)> = golden_templates()
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("readable");
            let fixture = path.parent().and_then(Path::parent).expect("a fixture");
            let policed = ["input.yaml", "stdin.yaml", "inputs"]
                .iter()
                .any(|input| holds_network_policy(&fixture.join(input)));
            (path.display().to_string(), text, policed)
        })
        .collect();
    let goldens = templates.len();
    templates.extend(example_templates(scratch.path()));
    assert!(goldens > 50, "found only {goldens} golden templates");
    let mut internal = 0;
    let mut problems = Vec::new();
    for (place, text, policed) in &templates {
        let template: Value = serde_json::from_str(text).expect("JSON");
        internal += usize::from(template["Parameters"]["InternalClientCidr"].is_object());
        problems.extend(
            admission_problems_with(
                &template,
                &BTreeMap::new(),
                &written_ranges(place),
                *policed,
            )
            .into_iter()
            .map(|problem| format!("{place}: {problem}")),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check must have met internal load balancers, not only public ones.
    assert!(internal > 20, "only {internal} templates have one");
}

/// The parameters open exactly what they name: the range on every internal listener, another
/// stack's group likewise, and still nothing to the whole internet.
#[test]
fn the_internal_client_parameters_add_exactly_what_they_name() {
    let text = fs::read_to_string(
        root().join("tests/fixtures/k8s-guestbook/expected/input.cloudformation.json"),
    )
    .expect("the guestbook's template");
    let template: Value = serde_json::from_str(&text).expect("JSON");
    let given = BTreeMap::from([
        ("InternalClientCidr", "10.20.0.0/16"),
        ("InternalClientSecurityGroupId", "sg-0123456789abcdef0"),
    ]);
    assert_eq!(admission_problems(&template, &given), Vec::<String>::new());
    // A range other than the one given, on an internal load balancer's group, is caught.
    let mut widened = template.clone();
    let internal_group = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find(|resource| resource["Properties"]["Scheme"] == "internal")
        .and_then(|balancer| balancer["Properties"]["SecurityGroups"][0]["Ref"].as_str())
        .expect("an internal load balancer");
    widened["Resources"][internal_group]["Properties"]["SecurityGroupIngress"]
        .as_array_mut()
        .expect("rules")
        .push(serde_json::json!({
            "CidrIp": "10.0.0.0/8", "FromPort": 1, "IpProtocol": "tcp", "ToPort": 1
        }));
    let problems = admission_problems(&widened, &given);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("10.0.0.0/8"), "{problems:?}");
}
