//! The security posture of every VM image i2kit generates, checked against what each input
//! asked for: over every golden fixture and every example that compiles.

use i2kit::compile::{Settings, compile_bytes_with};
use i2kit::image_lock::read_lock;
use i2kit::input::kubernetes::restriction::Waivers;
use i2kit::source::SourceFile;
use serde_yaml::Value;
use std::fs;
use std::path::Path;

mod common;
use common::manifest_inputs;

/// What the input asked for one container, read independently of i2kit's own parser.
#[derive(Debug, Default)]
struct Asked {
    image: String,
    privileged: bool,
    uid: Option<u64>,
    read_only: bool,
    no_new_privileges: bool,
}

fn asked_containers(text: &str) -> Vec<(String, Asked)> {
    let mut found = Vec::new();
    // libyaml refuses JSON's surrogate-pair escapes (json-surrogate-pair), which YAML 1.2 and
    // i2kit read: a JSON input is read as the JSON it is.
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        collect(&value, &mut found);
        return found;
    }
    for document in serde_yaml::Deserializer::from_str(text) {
        // After an error the iterator repeats it forever: stop at the first.
        let Ok(value) = Value::deserialize(document) else {
            break;
        };
        collect(&value, &mut found);
    }
    found
}

use serde::Deserialize;

fn collect(value: &Value, found: &mut Vec<(String, Asked)>) {
    if let Some(items) = value.get("items").and_then(Value::as_sequence) {
        items.iter().for_each(|item| collect(item, found));
    }
    if let Some(Value::Mapping(containers)) = value.get("containers") {
        for (name, container) in containers {
            let flag = |key: &str| container.get(key).and_then(Value::as_bool).unwrap_or(false);
            found.push((
                name.as_str().unwrap_or_default().to_string(),
                Asked {
                    image: text(container.get("image")),
                    privileged: flag("privileged"),
                    uid: container.get("uid").and_then(Value::as_u64),
                    read_only: flag("readOnly"),
                    no_new_privileges: flag("noNewPrivileges"),
                },
            ));
        }
    }
    let Some(pod) = value
        .get("spec")
        .and_then(|spec| spec.get("template"))
        .and_then(|t| t.get("spec"))
    else {
        return;
    };
    let pod_uid = pod
        .get("securityContext")
        .and_then(|s| s.get("runAsUser"))
        .and_then(Value::as_u64);
    for key in ["containers", "initContainers"] {
        for container in pod
            .get(key)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let security = container.get("securityContext");
            let get = |field: &str| security.and_then(|s| s.get(field));
            found.push((
                container
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                Asked {
                    image: text(container.get("image")),
                    privileged: get("privileged").and_then(Value::as_bool).unwrap_or(false),
                    uid: get("runAsUser").and_then(Value::as_u64).or(pod_uid),
                    read_only: get("readOnlyRootFilesystem")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    no_new_privileges: get("allowPrivilegeEscalation").and_then(Value::as_bool)
                        == Some(false),
                },
            ));
        }
    }
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The image lock a fixture's `args` names (`--images FILE`), as raw JSON, read here
/// independently of i2kit's reader.
fn fixture_lock(input: &Path) -> Option<(String, serde_json::Value)> {
    let directory = input.parent()?;
    let args = fs::read_to_string(directory.join("args")).ok()?;
    let mut lines = args.lines();
    lines.find(|line| *line == "--images")?;
    let text = fs::read_to_string(directory.join(lines.next()?)).ok()?;
    let json = serde_json::from_str(&text).ok()?;
    Some((text, json))
}

/// The USER a lock records for `image`, if the lock holds it: matched naively (tag as written,
/// or without Docker Hub's `docker.io/library/`), which the posture fixtures keep to.
fn locked_user(lock: &serde_json::Value, image: &str) -> Option<String> {
    let short = image.strip_prefix("docker.io/library/").unwrap_or(image);
    let user = |config: Option<&serde_json::Value>| {
        config
            .and_then(|config| config.get("User"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match lock {
        serde_json::Value::Array(items) => items
            .iter()
            .find(|item| {
                item.get("RepoTags")
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|tags| tags.iter().any(|tag| tag.as_str() == Some(short)))
            })
            .map(|item| user(item.get("Config"))),
        serde_json::Value::Object(entries) => entries
            .iter()
            .find(|(key, _)| key.split('@').next() == Some(short))
            .map(|(_, value)| user(value.get("config"))),
        _ => None,
    }
}

fn is_pinned(image: &str) -> bool {
    image.contains('@')
        || image
            .rsplit('/')
            .next()
            .and_then(|last| last.split_once(':'))
            .is_some_and(|(_, tag)| tag != "latest")
}

#[test]
fn every_generated_image_is_least_privilege_and_as_asked() {
    let mut checked_services = 0;
    let mut checked_locked = 0;
    let mut problems = Vec::new();
    for path in manifest_inputs() {
        let text = fs::read_to_string(&path).expect("readable input");
        let lock = fixture_lock(&path);
        let images = match &lock {
            // A malformed lock compiles nothing, like an invalid input.
            Some((lock_text, _)) => {
                match read_lock(&SourceFile::new("images.lock.json", lock_text.as_str())) {
                    Ok(images) => Some(images),
                    Err(_) => continue,
                }
            }
            None => None,
        };
        // Restrictions of access say nothing of what a VM's containers may do: every input
        // whose images compile is checked, those with waivable restrictions too.
        let settings = Settings {
            strict: false,
            images: images.as_ref(),
            waivers: Waivers::all(),
        };
        let (_, compilation) =
            compile_bytes_with(&path.display().to_string(), text.as_bytes(), settings);
        if compilation.template.is_none() {
            continue;
        }
        let asked = asked_containers(&text);
        let warnings: Vec<String> = compilation
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        for (deployment, linuxkit) in &compilation.linuxkit {
            let file: Value = serde_yaml::from_str(linuxkit).expect("LinuxKit YAML");
            let place = format!("{} ({deployment})", path.display());
            if file.get("trust").is_some() {
                problems.push(format!("{place}: emits trust:"));
            }
            // Kubernetes' search list with the Amazon resolver, so Service names resolve.
            let resolver = file
                .get("files")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .find(|entry| {
                    entry.get("path").and_then(Value::as_str) == Some("etc/i2kit/resolv.conf")
                })
                .and_then(|entry| entry.get("contents").and_then(Value::as_str))
                .unwrap_or_default();
            let searches_cluster = resolver.lines().any(|line| {
                line.starts_with("search ")
                    && line.ends_with(".svc.cluster.local svc.cluster.local cluster.local")
            });
            if !resolver.contains("nameserver 169.254.169.253\n") || !searches_cluster {
                problems.push(format!(
                    "{place}: no resolver configuration with the Kubernetes search list: {resolver:?}"
                ));
            }
            let entries = ["onboot", "services"]
                .iter()
                .filter_map(|section| file.get(*section).and_then(Value::as_sequence))
                .flatten();
            for service in entries {
                let name = service
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let image = service
                    .get("image")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if ["getty", "sshd"].iter().any(|unwanted| {
                    name == *unwanted || image.starts_with(&format!("linuxkit/{unwanted}"))
                }) {
                    problems.push(format!("{place}: runs {name} though nothing asked for it"));
                }
                // A StatefulSet's volume steps: i2kit's own, at the pinned aws-cli image.
                if name.starts_with("volume-") && image == i2kit::platform::AWS_CLI_IMAGE {
                    continue;
                }
                if image.starts_with("linuxkit/") {
                    let tag = image
                        .split_once(':')
                        .map(|(_, tag)| tag)
                        .unwrap_or_default();
                    if tag.len() != 40 || !tag.bytes().all(|b| b.is_ascii_hexdigit()) {
                        problems.push(format!(
                            "{place}: system image {image} is not pinned to a commit"
                        ));
                    }
                    continue;
                }
                checked_services += 1;
                // i2kit's own boot step (issue 20): the busybox runs nothing and holds no
                // capability; the fetch may only hand files to their owners, in /run/i2kit.
                if name == "i2kit-busybox" || name == "i2kit-boot" {
                    let strings = |key: &str| -> Vec<&str> {
                        service
                            .get(key)
                            .and_then(Value::as_sequence)
                            .map(|list| list.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default()
                    };
                    let (capabilities, binds): (&[&str], &[&str]) = if name == "i2kit-busybox" {
                        (&["none"], &[])
                    } else {
                        (
                            &["CAP_CHOWN"],
                            &[
                                "/etc/i2kit/resolv.conf:/etc/resolv.conf:ro",
                                "/run/i2kit:/run/i2kit",
                            ],
                        )
                    };
                    let readonly = service.get("readonly").and_then(Value::as_bool);
                    if strings("capabilities") != capabilities
                        || strings("binds") != binds
                        || (name == "i2kit-busybox") != (readonly == Some(true))
                        || !is_pinned(image)
                    {
                        problems.push(format!(
                            "{place}: boot service {name} is not as narrow as designed: {service:?}"
                        ));
                    }
                    continue;
                }
                let Some((_, wanted)) = asked.iter().find(|(asked_name, _)| asked_name == name)
                else {
                    problems.push(format!(
                        "{place}: service {name} matches no container of the input"
                    ));
                    continue;
                };
                let capabilities: Vec<&str> = service
                    .get("capabilities")
                    .and_then(Value::as_sequence)
                    .map(|list| list.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if capabilities.is_empty() {
                    problems.push(format!("{place}: {name} has no capabilities key (LinuxKit would read the image label)"));
                }
                if capabilities.contains(&"all") != wanted.privileged {
                    problems.push(format!(
                        "{place}: {name} capabilities {capabilities:?}, privileged: {}",
                        wanted.privileged
                    ));
                }
                let binds: Vec<&str> = service
                    .get("binds")
                    .and_then(Value::as_sequence)
                    .map(|list| list.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if !binds.contains(&"/etc/i2kit/resolv.conf:/etc/resolv.conf:ro") {
                    problems.push(format!(
                        "{place}: {name} does not resolve with the pod's search list"
                    ));
                }
                // With a lock, an image's USER is what runs when the input sets no uid: an
                // image built to run unprivileged must not come out as root.
                let image_user = lock
                    .as_ref()
                    .and_then(|(_, json)| locked_user(json, &wanted.image));
                let image_uid = image_user
                    .as_deref()
                    .and_then(|user| user.split(':').next())
                    .and_then(|uid| uid.parse::<u64>().ok());
                let expected_uid = wanted.uid.or(image_uid);
                if service.get("uid").and_then(Value::as_u64) != expected_uid {
                    problems.push(format!(
                        "{place}: {name} uid {:?}, asked {:?}, image USER {image_user:?}",
                        service.get("uid"),
                        wanted.uid
                    ));
                }
                if image_user.is_some() {
                    checked_locked += 1;
                    let warned = warnings.iter().any(|warning| {
                        warning.contains(&format!("`{image}`")) && warning.contains("no digest")
                    });
                    if !image.contains("@sha256:") && !warned {
                        problems.push(format!(
                            "{place}: {name} image {image} is in the lock but neither pinned by digest nor warned about"
                        ));
                    }
                }
                if service
                    .get("readonly")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    != wanted.read_only
                {
                    problems.push(format!("{place}: {name} readonly differs from the input"));
                }
                if service
                    .get("noNewPrivileges")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    != wanted.no_new_privileges
                {
                    problems.push(format!(
                        "{place}: {name} noNewPrivileges differs from the input"
                    ));
                }
                if !is_pinned(image)
                    && !warnings
                        .iter()
                        .any(|warning| warning.contains(&format!("`{image}`")))
                {
                    problems.push(format!(
                        "{place}: {name} uses unpinned {image} without a warning"
                    ));
                }
            }
        }
    }
    assert!(
        checked_services > 50,
        "only {checked_services} services checked"
    );
    assert!(
        checked_locked >= 4,
        "only {checked_locked} services checked against an image lock"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
