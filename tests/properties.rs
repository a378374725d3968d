//! Invariants that must hold for every input, checked on generated ones.

use i2kit::compile::compile_bytes;
use i2kit::input::capabilities::{CapabilityName, KNOWN, RUNTIME_DEFAULT, effective, normalise};
use i2kit::input::port_syntax::{PortSyntax, parse_port};
use i2kit::model::{Capabilities, DnsLabel, Namespace, Port, Protocol};
use proptest::prelude::*;

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::Http),
        Just(Protocol::Https),
        Just(Protocol::Tcp),
        Just(Protocol::Tls),
        Just(Protocol::Udp)
    ]
}

fn port() -> impl Strategy<Value = Port> {
    (1..=65535u16).prop_filter_map("0 is no port", Port::new)
}

fn port_syntax() -> impl Strategy<Value = PortSyntax> {
    (
        port(),
        port(),
        proptest::option::of((protocol(), protocol())),
        proptest::option::of("[a-z0-9/:-]{1,40}"),
    )
        .prop_map(
            |(listener_port, container_port, protocols, certificate)| PortSyntax {
                listener_port,
                container_port,
                certificate: protocols.and(certificate.map(|tail| format!("arn:aws:acm:{tail}"))),
                protocols,
            },
        )
}

fn capability_name() -> impl Strategy<Value = CapabilityName> {
    prop_oneof![
        1 => Just(CapabilityName::All),
        9 => proptest::sample::select(KNOWN.to_vec()).prop_map(|name| CapabilityName::Named(name.to_string())),
    ]
}

/// Text that YAML and JSON writers must escape: quotes, newlines, `${}`, tags, special words.
fn awkward_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~\n\t]{0,40}",
        Just("!Ref AWS::Region".to_string()),
        Just("${AWS::StackName}".to_string()),
        Just("yes".to_string()),
        Just("null".to_string()),
        Just("- item".to_string()),
        Just("key: value # comment".to_string()),
        Just("\"quoted\" 'single'".to_string()),
        // serde_yaml (libyaml, YAML 1.1) writes NEL and the Unicode line and paragraph
        // separators as line breaks and indents after them, which YAML 1.2 (saphyr) reads as
        // text: the test's renderer, not i2kit, would change the value. JSON input carries
        // them unchanged in `config_map_values_arrive_unchanged`.
        "\\PC{0,20}".prop_map(|text| text.replace(['\u{85}', '\u{2028}', '\u{2029}'], " ")),
    ]
}

/// `text` as a command word or file of a valid input: `linuxkit build` rewrites a scalar
/// starting with '@', so i2kit refuses one (I2K051).
fn without_leading_at(text: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    text.prop_filter("a leading '@' is refused (I2K051)", |text| {
        !text.starts_with('@')
    })
}

/// A valid manifest with `containers` containers, each with awkward env values and command.
fn manifest() -> impl Strategy<Value = (String, Vec<(String, String)>, Vec<String>)> {
    (
        "[a-z][a-z0-9]{0,10}",
        proptest::collection::btree_map("[A-Z][A-Z0-9_]{0,8}", awkward_text(), 0..5)
            .prop_map(|map| map.into_iter().collect::<Vec<_>>()),
        proptest::collection::vec(without_leading_at(awkward_text()), 1..4),
    )
}

fn render_manifest(
    name: &str,
    env: &[(String, String)],
    command: &[String],
    replicas: u32,
    port: u16,
) -> String {
    let mut environment = serde_json::Map::new();
    for (key, value) in env {
        environment.insert(key.clone(), serde_json::Value::String(value.clone()));
    }
    let document = serde_json::json!({
        "name": name,
        "replicas": replicas,
        "containers": {
            "app": { "image": "busybox:1.37.0", "command": command, "env": environment, "ports": [port] }
        }
    });
    serde_yaml::to_string(&document).expect("serialisable")
}

/// Cases for the no-panic properties: 512 by default, more in CI's long run
/// (`I2KIT_FUZZ_CASES=50000`).
fn fuzz_cases() -> u32 {
    std::env::var("I2KIT_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = compile_bytes("fuzz.yaml", &bytes, false);
    }

    #[test]
    fn arbitrary_yaml_shaped_text_never_panics(parts in proptest::collection::vec(prop_oneof![
        Just("name: "), Just("containers:"), Just("\n"), Just("  "), Just("- "), Just("{"), Just("}"),
        Just("["), Just("]"), Just(": "), Just(", "), Just("&a "), Just("*a"), Just("!!str "), Just("---\n"),
        Just("ports: "), Just("image: "), Just("80"), Just("\"https:443:http:80\""), Just("web"), Just("'"),
        Just("\t"), Just("#"), Just("|\n"), Just("? "), Just("capabilities: {add: [x]}"), Just("~"),
        Just("apiVersion: apps/v1\n"), Just("kind: Deployment\n"), Just("kind: Service\n"), Just("kind: List\n"),
        Just("metadata: {name: web}\n"), Just("spec:"), Just("template:"), Just("selector:"), Just("items:"),
        Just("containerPort: "), Just("targetPort: "), Just("volumes:"), Just("emptyDir: {}"), Just("env:"),
        Just("valueFrom:"), Just("securityContext:"), Just("readinessProbe:"), Just("httpGet:"), Just("-1"),
        Just("replicas: "), Just("resources: {limits: {cpu: "), Just("memory: "), Just("requests:"),
        Just("strategy: {rollingUpdate: {maxSurge: "), Just("maxUnavailable: "), Just("type: Recreate"),
        Just("update: {maxSurge: "), Just("4294967295"), Just("18446744073709551616"), Just("-9223372036854775808"),
        Just("100000000000000000m"), Just("8Ei"), Just("1e999"), Just("25%"), Just("0"), Just("10000"),
        Just("hostPath: {path: "), Just("relative/dir"), Just("/a:b"), Just("mountPath: "), Just("volumeMounts:"),
        Just("livenessProbe:"), Just("exec:"), Just("path: "), Just("healthz"), Just("periodSeconds: "),
        Just("initialDelaySeconds: "), Just("failureThreshold: "), Just("name: ../x"), Just("sizeLimit: "),
        Just("kind: ConfigMap\n"), Just("kind: Secret\n"), Just("data: {a: b}\n"), Just("binaryData: {b: YQ==}\n"),
        Just("configMap: {name: web"), Just("secret: {secretName: web"), Just("optional: true"), Just("items:"),
        Just("key: a"), Just("defaultMode: 0644"), Just("mode: 0o1000"), Just("subPath: "), Just("envFrom:"),
        Just("configMapRef: {name: web}"), Just("configMapKeyRef: {name: web, key: a}"), Just("prefix: "),
        Just("apiVersion: networking.k8s.io/v1\n"), Just("kind: Ingress\n"), Just("rules:"), Just("host: "),
        Just("http: {paths: "), Just("pathType: Prefix"), Just("backend: {service: {name: web, port: {number: 80}}}"),
        Just("defaultBackend:"), Just("alb.ingress.kubernetes.io/listen-ports: "), Just("'[{\"HTTPS\": 443}]'"),
        Just("annotations:"), Just("*.example.com"), Just("/a*"),
    ], 0..80)) {
        let text: String = parts.concat();
        let _ = compile_bytes("fuzz.yaml", text.as_bytes(), false);
    }
}

/// A number as a manifest might write it: small, at a limit, just past it, or absurd.
fn risky_number() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0..30i64).prop_map(|n| n.to_string()),
        1 => Just("10000".to_string()),
        1 => Just("10001".to_string()),
        1 => Just("4294967295".to_string()),
        1 => Just("4294967296".to_string()),
        1 => Just("9223372036854775807".to_string()),
        1 => Just("18446744073709551616".to_string()),
        1 => Just("-1".to_string()),
        1 => Just("-9223372036854775808".to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (0..=200u32).prop_map(|n| format!("\"{n}%\"")),
    ]
}

/// A CPU or memory quantity: digits, an optional fraction and a suffix, up to absurd sizes.
fn quantity() -> impl Strategy<Value = String> {
    (
        prop_oneof![6 => "[0-9]{1,3}", 1 => "[0-9]{15,30}", 1 => Just("0".to_string())],
        proptest::option::of("[0-9]{1,20}"),
        proptest::sample::select(vec![
            "",
            "m",
            "n",
            "u",
            "k",
            "M",
            "G",
            "T",
            "P",
            "E",
            "Ki",
            "Mi",
            "Gi",
            "Ti",
            "Pi",
            "Ei",
            "e3",
            "e18",
            "e-3",
            "e999",
            "e99999999999",
            "Zi",
            "-",
        ]),
        any::<bool>(),
    )
        .prop_map(|(whole, fraction, suffix, negative)| {
            let sign = if negative { "-" } else { "" };
            match fraction {
                Some(fraction) => format!("\"{sign}{whole}.{fraction}{suffix}\""),
                None => format!("\"{sign}{whole}{suffix}\""),
            }
        })
}

/// A path or name as written: fine, relative, with `:`, climbing out, or empty.
fn risky_path() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => Just("/data".to_string()),
        1 => Just("relative/dir".to_string()),
        1 => Just("/etc:/x".to_string()),
        1 => Just("healthz".to_string()),
        1 => Just("../escape".to_string()),
        1 => Just("".to_string()),
        1 => "/[a-z/]{0,12}",
        1 => "[ -~]{0,12}",
    ]
}

/// A Kubernetes Deployment whose replicas, strategy, resources, probes and volumes are drawn
/// from the values above, so overflows and unchecked strings are reachable.
fn risky_deployment() -> impl Strategy<Value = String> {
    (
        (risky_number(), risky_number(), risky_number(), any::<bool>()),
        (quantity(), quantity(), quantity(), quantity()),
        (
            risky_path(),
            risky_path(),
            risky_path(),
            prop_oneof![
                8 => Just("cache".to_string()),
                1 => Just("../escape".to_string()),
                1 => "[ -~]{0,12}",
            ],
        ),
        (risky_number(), risky_number(), risky_number(), quantity()),
    )
        .prop_map(|(rollout, amounts, paths, probe)| {
            let (replicas, surge, unavailable, recreate) = rollout;
            let (cpu_limit, memory_limit, cpu_request, memory_request) = amounts;
            let (host_path, mount_path, probe_path, volume) = paths;
            let (delay, period, failure, size) = probe;
            let strategy = if recreate {
                "{type: Recreate}".to_string()
            } else {
                format!("{{rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}}}")
            };
            let json = |text: &str| serde_json::Value::String(text.to_string()).to_string();
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: risky}}\nspec:\n  replicas: {replicas}\n  strategy: {strategy}\n  selector: {{matchLabels: {{app: r}}}}\n  template:\n    metadata: {{labels: {{app: r}}}}\n    spec:\n      containers:\n        - name: app\n          image: \"nginx:1.27.3\"\n          ports: [{{containerPort: 80}}]\n          resources: {{limits: {{cpu: {cpu_limit}, memory: {memory_limit}}}, requests: {{cpu: {cpu_request}, memory: {memory_request}}}}}\n          readinessProbe: {{httpGet: {{path: {}, port: 80}}, initialDelaySeconds: {delay}, periodSeconds: {period}, failureThreshold: {failure}}}\n          livenessProbe: {{exec: {{command: [x]}}, initialDelaySeconds: {delay}}}\n          volumeMounts: [{{name: {}, mountPath: {}}}, {{name: host, mountPath: /host}}]\n        - name: side\n          image: \"nginx:1.27.3\"\n          volumeMounts: [{{name: {}, mountPath: /shared}}]\n      volumes:\n        - {{name: {}, emptyDir: {{sizeLimit: {size}}}}}\n        - {{name: host, hostPath: {{path: {}}}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: risky}}\nspec:\n  type: LoadBalancer\n  selector: {{app: r}}\n  ports: [{{port: 80}}]\n",
                json(&probe_path),
                json(&volume),
                json(&mount_path),
                json(&volume),
                json(&volume),
                json(&host_path),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Whatever the numbers and strings, compiling does not panic (overflow included, in a
    /// debug build), and what it writes stays within the limits the README states.
    #[test]
    fn risky_values_are_refused_or_compile_within_limits(input in risky_deployment()) {
        let (_, compilation) = compile_bytes("risky.yaml", input.as_bytes(), false);
        let Some(template) = compilation.template.as_deref() else {
            prop_assert!(compilation.has_errors());
            return Ok(());
        };
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let resources = parsed["Resources"].as_object().expect("resources");
        for resource in resources.values() {
            if resource["Type"] != "AWS::AutoScaling::AutoScalingGroup" {
                continue;
            }
            let number = |value: &serde_json::Value| -> u64 {
                value.as_str().and_then(|text| text.parse().ok()).or_else(|| value.as_u64()).expect("a count")
            };
            let max = number(&resource["Properties"]["MaxSize"]);
            prop_assert!(max <= 10_000, "MaxSize {max}");
            let rolling = &resource["UpdatePolicy"]["AutoScalingRollingUpdate"];
            if !rolling.is_null() {
                let in_service = number(&rolling["MinInstancesInService"]);
                prop_assert!(in_service < max, "MinInstancesInService {in_service} ≥ MaxSize {max}");
            }
        }
        for (_, file) in &compilation.linuxkit {
            let linuxkit: serde_yaml::Value = serde_yaml::from_str(file).expect("LinuxKit file is YAML");
            for service in linuxkit["services"].as_sequence().into_iter().flatten() {
                for value in [&service["resources"]["memory"]["limit"], &service["resources"]["cpu"]["quota"], &service["resources"]["cpu"]["shares"]] {
                    prop_assert!(value.is_null() || value.as_i64().is_some_and(|n| n >= 0), "not an int64: {value:?}");
                }
                for bind in service["binds"].as_sequence().into_iter().flatten() {
                    let bind = bind.as_str().unwrap_or_default();
                    prop_assert!(bind.starts_with('/') && bind.split(':').count() <= 3, "bind {bind}");
                }
            }
        }
        prop_assert!(!template.contains("HTTP:80healthz"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every number but 0 is a port, and a port writes (as text and as JSON) and reads back
    /// as the number it was made from.
    #[test]
    fn ports_are_the_numbers_from_1_and_round_trip(number in any::<u16>()) {
        let port = Port::new(number);
        prop_assert_eq!(port.is_some(), number != 0);
        if let Some(port) = port {
            prop_assert_eq!(port.get(), number);
            prop_assert_eq!(port.to_string(), number.to_string());
            prop_assert_eq!(Port::from_int(port.to_string().parse::<i64>().unwrap()), Some(port));
            let json = serde_json::to_string(&port).unwrap();
            prop_assert_eq!(&json, &number.to_string());
            prop_assert_eq!(serde_json::from_str::<Port>(&json).unwrap(), port);
        }
    }

    /// Every RFC 1123 label is a DnsLabel and a Namespace, and writes back as the text it was
    /// made from.
    #[test]
    fn labels_round_trip(text in "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") {
        let label = DnsLabel::new(&text);
        prop_assert_eq!(label.as_ref().map(ToString::to_string), Some(text.clone()));
        prop_assert_eq!(label.map(|label| serde_json::to_string(&label).unwrap()), Some(serde_json::to_string(&text).unwrap()));
        prop_assert_eq!(Namespace::new(&text).map(|namespace| namespace.to_string()), Some(text));
    }

    /// Any other text is refused: nothing but a label is a DnsLabel.
    #[test]
    fn only_labels_are_labels(text in prop_oneof!["[a-z0-9A-Z._-]{0,70}", "\\PC{0,70}"]) {
        let shaped = !text.is_empty()
            && text.len() <= 63
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        prop_assert_eq!(DnsLabel::new(&text).is_some(), shaped);
        prop_assert_eq!(Namespace::new(&text).is_some(), shaped);
    }

    #[test]
    fn port_grammar_round_trips(syntax in port_syntax()) {
        let text = syntax.to_string();
        prop_assert_eq!(parse_port(&text), Ok(syntax));
    }

    #[test]
    fn capability_algebra(add in proptest::collection::vec(capability_name(), 0..6),
                          drop in proptest::collection::vec(capability_name(), 0..6),
                          privileged in any::<bool>()) {
        let result = effective(privileged, &add, &drop);
        if privileged || add.contains(&CapabilityName::All) {
            prop_assert_eq!(result, Capabilities::All);
        } else {
            let Capabilities::Only(set) = result else { unreachable!() };
            for name in &add {
                if let CapabilityName::Named(name) = name { prop_assert!(set.contains(name)); }
            }
            for name in &drop {
                if let CapabilityName::Named(name) = name
                    && !add.contains(&CapabilityName::Named(name.clone())) {
                    prop_assert!(!set.contains(name));
                }
            }
            prop_assert!(set.iter().all(|name| KNOWN.contains(&name.as_str())));
            if drop.contains(&CapabilityName::All) {
                prop_assert!(set.iter().all(|name| add.contains(&CapabilityName::Named(name.clone()))));
            } else {
                let kept = RUNTIME_DEFAULT.iter().filter(|name| !drop.contains(&CapabilityName::Named((*name).to_string())));
                for name in kept { prop_assert!(set.contains(*name)); }
            }
        }
    }

    #[test]
    fn capability_names_normalise_idempotently(name in proptest::sample::select(KNOWN.to_vec()), lower in any::<bool>(), bare in any::<bool>()) {
        let mut spelling = if bare { name.trim_start_matches("CAP_").to_string() } else { name.to_string() };
        if lower { spelling = spelling.to_ascii_lowercase(); }
        prop_assert_eq!(normalise(&spelling), Ok(CapabilityName::Named(name.to_string())));
    }

    #[test]
    fn compiling_is_deterministic_and_values_arrive_unchanged(
        (name, env, command) in manifest(), replicas in 0..20u32, port in 1..=65535u16
    ) {
        let input = render_manifest(&name, &env, &command, replicas, port);
        let (_, first) = compile_bytes("m.yaml", input.as_bytes(), false);
        let (_, second) = compile_bytes("m.yaml", input.as_bytes(), false);
        prop_assert_eq!(&first.template, &second.template);
        prop_assert_eq!(&first.linuxkit, &second.linuxkit);
        prop_assert!(first.template.is_some(), "valid manifest rejected: {:?}", first.diagnostics);
        let template = first.template.as_deref().unwrap_or_default();
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        prop_assert!(parsed["Resources"].is_object());
        let linuxkit: serde_yaml::Value = serde_yaml::from_str(&first.linuxkit[0].1).expect("LinuxKit file is YAML");
        let app = linuxkit["services"].as_sequence().and_then(|services| services.last()).expect("app service");
        let written_command: Vec<String> = serde_yaml::from_value(app["command"].clone()).expect("command list");
        prop_assert_eq!(written_command, command);
        let written_env: Vec<String> = serde_yaml::from_value(app["env"].clone()).expect("env list");
        for (key, value) in &env {
            let entry = format!("{key}={value}");
            prop_assert!(written_env.contains(&entry), "missing {:?} in {:?}", entry, written_env);
        }
    }
}

proptest! {
    /// Whatever `docker image inspect` records (any env values, entrypoint words and ids), the
    /// lock reader gives back exactly that, found under the manifest's spelling, and pinned.
    #[test]
    fn image_lock_round_trips(
        env in proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_]{0,8}", "\\PC{0,20}"), 0..6),
        entrypoint in proptest::collection::vec(without_leading_at("\\PC{0,12}".prop_map(String::from)), 0..4),
        uid in any::<u32>(),
        gid in proptest::option::of(any::<u32>()),
        directory in "(/[a-z0-9._-]{1,8}){0,3}",
        hex in "[0-9a-f]{64}",
    ) {
        use i2kit::image_lock::{ImageUser, read_lock};
        let digest = format!("sha256:{hex}");
        let user = gid.map_or_else(|| uid.to_string(), |gid| format!("{uid}:{gid}"));
        let lock = serde_json::json!([{
            "RepoTags": ["registry.example:5000/team/app:1.0"],
            "RepoDigests": [format!("registry.example:5000/team/app@{digest}")],
            "Config": {
                "Env": env.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>(),
                "Entrypoint": entrypoint,
                "User": user,
                "WorkingDir": directory,
            }
        }]);
        let source = i2kit::source::SourceFile::new("lock.json", serde_json::to_string_pretty(&lock).expect("json"));
        let read = read_lock(&source).expect("a lock docker could print");
        let found = read.find("registry.example:5000/team/app:1.0").expect("found");
        prop_assert_eq!(found.digest, Some(digest.as_str()));
        prop_assert_eq!(&found.config.env, &env);
        prop_assert_eq!(&found.config.entrypoint, &entrypoint);
        prop_assert_eq!(&found.config.user, &ImageUser::Ids { uid, gid });
        prop_assert_eq!(found.config.working_dir.as_deref(), Some(directory.as_str()).filter(|d| !d.is_empty()));
    }
}

proptest! {
    /// The lock is user input too: any text is read or refused with a diagnostic, never a panic.
    #[test]
    fn lock_reader_never_panics(text in "\\PC{0,200}", shape in 0..3usize) {
        let text = match shape {
            0 => text,
            1 => serde_json::json!([{"RepoTags": [&text], "RepoDigests": [&text], "Config": {"User": &text}}]).to_string(),
            _ => serde_json::json!({&text: {"config": {"WorkingDir": &text, "Env": [&text]}}}).to_string(),
        };
        let source = i2kit::source::SourceFile::new("lock.json", text);
        if let Ok(lock) = i2kit::image_lock::read_lock(&source) {
            let _ = lock.find("nginx:1.27.3");
        }
    }
}

/// `documents` split at document boundaries into files: after the first, after each index in
/// `cuts` (taken modulo the count), so every split of 1 to n files is drawn.
fn split_into_files(documents: &[String], cuts: &[usize]) -> Vec<i2kit::input::InputFile> {
    let mut boundaries: Vec<usize> = cuts
        .iter()
        .map(|cut| 1 + cut % documents.len().max(1))
        .filter(|cut| *cut < documents.len())
        .collect();
    boundaries.push(0);
    boundaries.push(documents.len());
    boundaries.sort_unstable();
    boundaries.dedup();
    boundaries
        .windows(2)
        .enumerate()
        .map(|(index, window)| {
            let text = documents[window[0]..window[1]].join("---\n");
            i2kit::input::InputFile::named(format!("part{index}.yaml"), text.into_bytes())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases().min(256)))]

    /// An application is its documents, however they are spread over files: the outputs of the
    /// files are the bytes of their concatenation, and no diagnostic appears or goes.
    #[test]
    fn splitting_an_application_over_files_changes_no_output(
        manifests in proptest::collection::vec(manifest(), 1..5),
        cuts in proptest::collection::vec(0..8usize, 0..4),
        port in 1..=65535u16,
    ) {
        use i2kit::compile::{Outputs, Settings, compile_inputs};
        let documents: Vec<String> = manifests
            .iter()
            .enumerate()
            .map(|(index, (name, env, command))| {
                render_manifest(&format!("{name}-{index}"), env, command, 1, port)
            })
            .collect();
        let joined = documents.join("---\n");
        let (_, whole) = compile_bytes("all.yaml", joined.as_bytes(), false);
        prop_assert!(whole.template.is_some(), "valid manifests rejected: {:?}", whole.diagnostics);
        let files = split_into_files(&documents, &cuts);
        let file_count = files.len();
        let (sources, split) = compile_inputs(files, "part0.yaml", Settings::default(), Outputs::All);
        prop_assert_eq!(sources.files().len(), file_count);
        prop_assert_eq!(&whole.template, &split.template);
        prop_assert_eq!(&whole.linuxkit, &split.linuxkit);
        let messages = |diagnostics: &[i2kit::diagnostic::Diagnostic]| -> Vec<String> {
            diagnostics.iter().map(|d| d.message.clone()).collect()
        };
        prop_assert_eq!(messages(&whole.diagnostics), messages(&split.diagnostics));
    }
}

/// A ConfigMap key as Kubernetes allows it (`[-._a-zA-Z0-9]+`, not starting with `.`).
fn config_key() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_-][-._a-zA-Z0-9]{0,11}"
}

/// Any text a ConfigMap value may hold: control characters, line separators, quotes.
fn config_value() -> impl Strategy<Value = String> {
    prop_oneof![
        awkward_text(),
        any::<String>().prop_map(|text| text.chars().take(40).collect()),
        Just("\u{85}\u{2028}\u{2029}\u{feff}\u{7}\u{1b}\u{7f}\r\n".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Any text spread over several files is read or refused, never a panic.
    #[test]
    fn arbitrary_files_never_panic(
        texts in proptest::collection::vec("(\\PC|\n){0,120}", 1..5),
        listed in any::<bool>(),
    ) {
        let files: Vec<i2kit::input::InputFile> = texts
            .iter()
            .enumerate()
            .map(|(index, text)| i2kit::input::InputFile {
                name: format!("f{index}.yaml"),
                bytes: text.clone().into_bytes(),
                found: if listed {
                    i2kit::input::Found::Listed
                } else {
                    i2kit::input::Found::Named
                },
            })
            .collect();
        let file_count = files.len();
        let (sources, compilation) = i2kit::compile::compile_inputs(
            files,
            "f0.yaml",
            i2kit::compile::Settings::default(),
            i2kit::compile::Outputs::TemplateOnly,
        );
        for diagnostic in &compilation.diagnostics {
            let _ = i2kit::diagnostic::render_human(&sources, diagnostic, i2kit::diagnostic::Colour::Never);
            if let Some(span) = diagnostic.span {
                prop_assert!(span.file < file_count);
            }
        }
    }

    /// Whatever the input holds, its diagnostics print no character a terminal would obey or
    /// hide (controls, bidi overrides, zero-width characters) other than their own line breaks.
    #[test]
    fn diagnostics_print_no_hidden_characters(
        text in "(name: |containers:\n  |\\|[a-z:\\{}\\[\\]\"' ]|\\p{Cc}|\\p{Cf}|\\PC|\n){0,80}",
        name in "[a-z\\p{Cc}\\p{Cf}]{1,6}",
    ) {
        let files = vec![i2kit::input::InputFile::named(format!("{name}.yaml"), text.into_bytes())];
        let (sources, compilation) = i2kit::compile::compile_inputs(
            files,
            "input",
            i2kit::compile::Settings::default(),
            i2kit::compile::Outputs::TemplateOnly,
        );
        for diagnostic in &compilation.diagnostics {
            let shown = i2kit::diagnostic::render_human(&sources, diagnostic, i2kit::diagnostic::Colour::Never);
            prop_assert!(
                !shown.chars().any(|character| character != '\n' && i2kit::terminal::is_hidden(character)),
                "{shown:?}"
            );
        }
    }

    /// Whatever a ConfigMap holds, each value arrives byte for byte in the VM image: as a file
    /// of the mounted volume, with its mode, and as a variable through `envFrom`.
    #[test]
    fn config_map_values_arrive_unchanged(
        data in proptest::collection::btree_map(config_key(), without_leading_at(config_value()), 1..5),
        mode in 0..=0o777u32,
    ) {
        let config_map = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": data,
        });
        let deployment = serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
            "spec": {
                "selector": {"matchLabels": {"app": "app"}},
                "template": {
                    "metadata": {"labels": {"app": "app"}},
                    "spec": {
                        "containers": [{
                            "name": "app", "image": "busybox:1.37.0",
                            "envFrom": [{"configMapRef": {"name": "settings"}}],
                            "volumeMounts": [{"name": "settings", "mountPath": "/etc/settings"}],
                        }],
                        "volumes": [{"name": "settings", "configMap": {"name": "settings", "defaultMode": mode}}],
                    },
                },
            },
        });
        // JSON is YAML: every character arrives as serde_json escapes it.
        let input = format!("{deployment}\n---\n{config_map}\n");
        let (_, first) = compile_bytes("c.yaml", input.as_bytes(), false);
        let (_, second) = compile_bytes("c.yaml", input.as_bytes(), false);
        prop_assert_eq!(&first.linuxkit, &second.linuxkit);
        prop_assert!(!first.has_errors(), "valid ConfigMap rejected: {:?}", first.diagnostics);
        let linuxkit: serde_yaml::Value = serde_yaml::from_str(&first.linuxkit[0].1).expect("LinuxKit file is YAML");
        let files = linuxkit["files"].as_sequence().expect("files");
        let app = linuxkit["services"].as_sequence().and_then(|services| services.last()).expect("app service");
        let written_env: Vec<String> = serde_yaml::from_value(app["env"].clone()).expect("env list");
        for (key, value) in &data {
            let path = format!("etc/i2kit/volumes/settings/{key}");
            let file = files.iter().find(|file| file["path"].as_str() == Some(path.as_str()));
            prop_assert!(file.is_some(), "no file {}", path);
            let file = file.expect("checked");
            prop_assert_eq!(file["contents"].as_str(), Some(value.as_str()));
            let written_mode = file["mode"].as_str().and_then(|text| u32::from_str_radix(text, 8).ok());
            prop_assert_eq!(written_mode, Some(mode));
            let entry = format!("{key}={value}");
            prop_assert!(written_env.contains(&entry), "missing {:?} in {:?}", entry, written_env);
        }
    }
}

/// A host, path or annotation value as an Ingress might write it: plain, at ALB's limits, or
/// hostile.
fn risky_ingress_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("shop.example.com".to_string()),
        2 => Just("*.example.com".to_string()),
        2 => Just("/api".to_string()),
        1 => Just("/".to_string()),
        1 => Just("".to_string()),
        1 => Just("/a*/b?/c*".to_string()),
        1 => "/[a-z*?/]{0,140}",
        1 => "[a-z.*-]{0,140}",
        1 => "[ -~]{0,20}",
    ]
}

/// An Ingress and its backends, with paths, hosts and annotation values drawn from above.
fn risky_ingress() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec((risky_ingress_text(), risky_ingress_text(), 0..3usize), 0..8),
        (
            prop_oneof![Just(r#"[{"HTTP": 80}, {"HTTPS": 443}]"#.to_string()), "[ -~]{0,24}"],
            prop_oneof![Just("443".to_string()), risky_number()],
            prop_oneof![Just("200-299".to_string()), "[0-9,-]{0,8}"],
            prop_oneof![Just("shared".to_string()), "[a-z.-]{0,10}"],
        ),
        (risky_number(), risky_number(), any::<bool>()),
    )
        .prop_map(|(paths, annotations, health)| {
            let (ports, redirect, codes, group) = annotations;
            let (interval, timeout, grpc) = health;
            let json = |text: &str| serde_json::Value::String(text.to_string()).to_string();
            let kinds = ["Exact", "Prefix", "ImplementationSpecific"];
            let rules: String = paths
                .iter()
                .map(|(host, path, kind)| {
                    format!(
                        "    - host: {}\n      http:\n        paths:\n          - {{path: {}, pathType: {}, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}\n",
                        json(host),
                        json(path),
                        kinds[*kind]
                    )
                })
                .collect();
            format!(
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    alb.ingress.kubernetes.io/listen-ports: {}\n    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n    alb.ingress.kubernetes.io/ssl-redirect: {}\n    alb.ingress.kubernetes.io/success-codes: {}\n    alb.ingress.kubernetes.io/group.name: {}\n    alb.ingress.kubernetes.io/healthcheck-interval-seconds: {}\n    alb.ingress.kubernetes.io/healthcheck-timeout-seconds: {}\n    alb.ingress.kubernetes.io/backend-protocol-version: {}\nspec:\n  defaultBackend: {{service: {{name: web, port: {{number: 80}}}}}}\n  rules:\n{rules}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  selector: {{app: web}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers: [{{name: web, image: \"nginx:1.27.3\", ports: [{{containerPort: 8080}}]}}]\n",
                json(&ports),
                json(&redirect),
                json(&codes),
                json(&group),
                json(&interval),
                json(&timeout),
                if grpc { "GRPC" } else { "HTTP1" },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Whatever the hosts, paths and annotation values, compiling an Ingress does not panic, is
    /// deterministic, and every rule it writes is one an application load balancer accepts.
    #[test]
    fn risky_ingresses_are_refused_or_route_within_alb_quotas(input in risky_ingress()) {
        let (_, compilation) = compile_bytes("ingress.yaml", input.as_bytes(), false);
        let (_, again) = compile_bytes("ingress.yaml", input.as_bytes(), false);
        prop_assert_eq!(&compilation.template, &again.template);
        let Some(template) = compilation.template.as_deref() else {
            prop_assert!(compilation.has_errors());
            return Ok(());
        };
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let resources = parsed["Resources"].as_object().expect("resources");
        let rules: Vec<&serde_json::Value> = resources
            .values()
            .filter(|resource| resource["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule")
            .collect();
        prop_assert!(rules.len() <= 100, "{} rules", rules.len());
        let mut priorities = std::collections::BTreeSet::new();
        for rule in rules {
            let properties = &rule["Properties"];
            let listener = properties["ListenerArn"]["Ref"].as_str().unwrap_or_default().to_string();
            prop_assert!(priorities.insert((listener, properties["Priority"].as_u64())), "priority twice");
            let mut values = 0;
            let mut wildcards = 0;
            for condition in properties["Conditions"].as_array().expect("conditions") {
                let config = if condition["Field"] == "host-header" { &condition["HostHeaderConfig"] } else { &condition["PathPatternConfig"] };
                for value in config["Values"].as_array().expect("values") {
                    let value = value.as_str().expect("a string");
                    values += 1;
                    wildcards += value.chars().filter(|c| matches!(c, '*' | '?')).count();
                    prop_assert!(!value.is_empty() && value.len() <= 128, "value {value:?}");
                    if condition["Field"] == "path-pattern" {
                        prop_assert!(value.starts_with('/'), "path {value:?}");
                    }
                }
            }
            prop_assert!((1..=5).contains(&values) && wildcards <= 5, "{values} values, {wildcards} wildcards");
        }
    }
}

/// A Deployment with a HorizontalPodAutoscaler, a PodDisruptionBudget and a ServiceAccount
/// whose numbers and ARN are drawn from risky values, so the group arithmetic of autoscaling
/// and disruption budgets meets overflows and out-of-range values.
fn risky_scaling() -> impl Strategy<Value = String> {
    // Mostly plausible values, so that most cases compile and their templates are checked.
    let number = || prop_oneof![10 => (1..12i64).prop_map(|n| n.to_string()), 1 => risky_number()];
    let request = prop_oneof![4 => Just("\"250m\"".to_string()), 1 => Just("\"0\"".to_string()), 1 => quantity()];
    (
        (number(), number(), number(), any::<bool>()),
        (number(), number(), number(), request),
        (number(), any::<bool>(), proptest::sample::select(vec!["policy/v1", "policy/v1beta1"])),
        prop_oneof![
            4 => Just("arn:aws:iam::123456789012:role/web".to_string()),
            1 => Just("arn:aws:iam::123456789012:role//web".to_string()),
            1 => "arn:aws:iam::[0-9]{12}:role/[ -~]{0,20}",
            1 => "[ -~]{0,30}",
        ],
    )
        .prop_map(|(rollout, scaling, budget, arn)| {
            let (replicas, surge, unavailable, recreate) = rollout;
            let (min, max, cpu, request) = scaling;
            let (amount, minimum, version) = budget;
            let strategy = if recreate {
                "{type: Recreate}".to_string()
            } else {
                format!("{{rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}}}")
            };
            let field = if minimum { "minAvailable" } else { "maxUnavailable" };
            let arn = serde_json::Value::String(arn).to_string();
            format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: app, annotations: {{eks.amazonaws.com/role-arn: {arn}}}}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: risky}}\nspec:\n  replicas: {replicas}\n  strategy: {strategy}\n  selector: {{matchLabels: {{app: r}}}}\n  template:\n    metadata: {{labels: {{app: r}}}}\n    spec:\n      serviceAccountName: app\n      containers:\n        - name: app\n          image: \"nginx:1.27.3\"\n          ports: [{{containerPort: 80}}]\n          resources: {{requests: {{cpu: {request}}}}}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: risky}}\nspec:\n  scaleTargetRef: {{kind: Deployment, name: risky}}\n  minReplicas: {min}\n  maxReplicas: {max}\n  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {cpu}}}}}}}]\n---\napiVersion: {version}\nkind: PodDisruptionBudget\nmetadata: {{name: risky}}\nspec:\n  {field}: {amount}\n  selector: {{matchLabels: {{app: r}}}}\n"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Whatever the bounds, targets and budgets, compiling does not panic, and a template
    /// keeps the group valid for CloudFormation and EC2 Auto Scaling: MinSize ≤ MaxSize ≤
    /// 10,000, MinInstancesInService < MaxSize, no DesiredCapacity under an autoscaler, a
    /// maintenance policy within AWS's ranges and a reachable positive CPU target.
    #[test]
    fn risky_scaling_is_refused_or_compiles_within_limits(input in risky_scaling()) {
        let (_, compilation) = compile_bytes("risky.yaml", input.as_bytes(), false);
        let Some(template) = compilation.template.as_deref() else {
            prop_assert!(compilation.has_errors());
            return Ok(());
        };
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let number = |value: &serde_json::Value| -> u64 {
            value.as_str().and_then(|text| text.parse().ok()).or_else(|| value.as_u64()).expect("a count")
        };
        let resources = parsed["Resources"].as_object().expect("resources");
        let group = &resources["RiskyAutoScalingGroup"];
        let properties = &group["Properties"];
        let (min, max) = (number(&properties["MinSize"]), number(&properties["MaxSize"]));
        prop_assert!(min >= 1 && min <= max && max <= 10_000, "MinSize {min}, MaxSize {max}");
        prop_assert!(properties.get("DesiredCapacity").is_none());
        let in_service = number(&group["UpdatePolicy"]["AutoScalingRollingUpdate"]["MinInstancesInService"]);
        prop_assert!(in_service < max, "MinInstancesInService {in_service} ≥ MaxSize {max}");
        let maintenance = &properties["InstanceMaintenancePolicy"];
        let (low, high) = (number(&maintenance["MinHealthyPercentage"]), number(&maintenance["MaxHealthyPercentage"]));
        prop_assert!(low <= 100 && (100..=200).contains(&high) && high - low <= 100 && (low < 100 || high > 100), "{low} {high}");
        let target = resources["RiskyScalingPolicy"]["Properties"]["TargetTrackingConfiguration"]["TargetValue"].as_f64().expect("a number");
        prop_assert!((1.0..=100.0).contains(&target), "TargetValue {target}");
        let account: serde_yaml::Value = serde_yaml::from_str(input.split("\n---\n").next().unwrap_or_default()).expect("YAML");
        let arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].as_str().unwrap_or_default();
        let role = arn.rsplit('/').next();
        prop_assert_eq!(resources["AppInstanceProfile"]["Properties"]["Roles"][0].as_str(), role);
    }
}

/// Names and namespaces that meet once PascalCased and joined (`team` + `admin` and
/// `team-admin`; `web-2` and `web2`; `a` + `ClusterDnsRecord` and `a-cluster` + `DnsRecord`).
const ALIKE_NAMES: [&str; 8] = [
    "admin",
    "team-admin",
    "a",
    "a-cluster",
    "web-2",
    "web2",
    "team",
    "cluster",
];
const ALIKE_NAMESPACES: [&str; 2] = ["default", "team"];
const ROLES: [&str; 2] = ["ReadOnlyRole", "AdministratorRole"];

/// A ServiceAccount: indices of its name, namespace and role.
type AlikeAccount = (usize, usize, usize);
/// A Deployment: indices of its name, namespace and account's name, and whether a Service
/// exposes it.
type AlikeDeployment = (usize, usize, usize, bool);

/// ServiceAccounts with roles and Deployments running as them (each with a service when
/// `exposed`), named from [`ALIKE_NAMES`]: (accounts, deployments). Accounts are `admin` or
/// `team-admin`, and deployments run as one of those, so that they often find theirs.
fn alike_objects() -> impl Strategy<Value = (Vec<AlikeAccount>, Vec<AlikeDeployment>)> {
    let name = 0..ALIKE_NAMES.len();
    let namespace = 0..ALIKE_NAMESPACES.len();
    (
        proptest::collection::vec((0..2usize, namespace.clone(), 0..ROLES.len()), 0..4),
        proptest::collection::vec((name, namespace, 0..2usize, any::<bool>()), 1..4),
    )
}

fn render_alike(accounts: &[AlikeAccount], deployments: &[AlikeDeployment]) -> String {
    let mut text = String::new();
    for &(name, namespace, role) in accounts {
        text.push_str(&format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {}\n  namespace: {}\n  annotations: {{eks.amazonaws.com/role-arn: \"arn:aws:iam::123456789012:role/{}\"}}\n---\n",
            ALIKE_NAMES[name], ALIKE_NAMESPACES[namespace], ROLES[role]
        ));
    }
    for &(name, namespace, account, exposed) in deployments {
        let (name, namespace, account) = (
            ALIKE_NAMES[name],
            ALIKE_NAMESPACES[namespace],
            ALIKE_NAMES[account],
        );
        text.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      serviceAccountName: {account}\n      containers: [{{name: main, image: \"nginx:1.27.3\", ports: [{{containerPort: 80}}]}}]\n---\n"
        ));
        if exposed {
            text.push_str(&format!(
                "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  type: LoadBalancer\n  selector: {{app: {name}}}\n  ports: [{{port: 80}}]\n---\n"
            ));
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Issue 16: however alike the names, a template i2kit writes gives each id to one object
    /// (across Parameters, Conditions, Resources and Outputs), and each Deployment's VMs act as
    /// exactly the role of their own ServiceAccount.
    #[test]
    fn each_deployment_acts_as_its_own_accounts_role_and_ids_never_meet(
        (accounts, deployments) in alike_objects()
    ) {
        let input = render_alike(&accounts, &deployments);
        let (_, compilation) = compile_bytes("alike.yaml", input.as_bytes(), false);
        let Some(template) = compilation.template.as_deref() else {
            prop_assert!(compilation.has_errors());
            return Ok(());
        };
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let keys = |section: &str| -> Vec<String> {
            parsed[section].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
        };
        let mut seen = std::collections::BTreeSet::new();
        for section in ["Parameters", "Conditions", "Resources"] {
            for id in keys(section) {
                prop_assert!(seen.insert(id.clone()), "`{}` twice", id);
            }
        }
        for id in keys("Outputs") {
            prop_assert!(id == "ClusterDnsZoneId" || !seen.contains(&id), "output `{}` is also another id", id);
        }
        let resources = parsed["Resources"].as_object().expect("resources");
        for &(name, namespace, account, _) in &deployments {
            let (name, namespace, account) = (ALIKE_NAMES[name], ALIKE_NAMESPACES[namespace], ALIKE_NAMES[account]);
            let expected = accounts
                .iter()
                .find(|&&(a, n, _)| ALIKE_NAMES[a] == account && ALIKE_NAMESPACES[n] == namespace)
                .map(|&(_, _, role)| ROLES[role]);
            let launch_template = resources
                .values()
                .find(|resource| {
                    resource["Type"] == "AWS::EC2::LaunchTemplate"
                        && resource["Properties"]["LaunchTemplateData"]["TagSpecifications"][0]["Tags"][0]["Value"] == name
                })
                .expect("a launch template per deployment");
            let profile = launch_template["Properties"]["LaunchTemplateData"]["IamInstanceProfile"]["Arn"]["Fn::GetAtt"][0].as_str();
            let role = profile.and_then(|profile| resources[profile]["Properties"]["Roles"][0].as_str());
            prop_assert_eq!(role, expected, "the VMs of `{}` in `{}`", name, namespace);
        }
    }
}

/// Strings that YAML readers are prone to take for something else: YAML 1.1 numbers with
/// underscores, bases and signs, sexagesimals, dates, special floats, booleans and nulls in
/// any case, indicators, and arbitrary printable text.
fn yaml_lookalike() -> impl Strategy<Value = String> {
    let word = proptest::sample::select(vec![
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "=", "<<", ".inf",
        ".nan", "@pkg:", "---", "...", "- ", "? ", ": ", "#", "!", "&a", "*a", "|", ">", "%",
    ]);
    prop_oneof![
        "[-+.0-9_:eExXoObB]{1,12}",
        "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9:.]{0,12}(Z|[-+][0-9:]{1,5})?)?",
        (word, any::<u32>()).prop_map(|(word, case)| word
            .chars()
            .enumerate()
            .map(|(index, character)| if case >> (index % 32) & 1 == 1 {
                character.to_ascii_uppercase()
            } else {
                character
            })
            .collect()),
        "[ -~]{0,20}",
        "\\PC{0,12}",
    ]
}

/// What PyYAML (YAML 1.1, as LinuxKit's Go library and most CI linters read) makes of a
/// document, as JSON; a date or other non-JSON value comes back as its Python `repr`.
fn read_with_pyyaml(text: &str) -> serde_json::Value {
    use std::io::Write as _;
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout, default=repr)",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (PyYAML: pip install -r tests/external/requirements.txt)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("document written");
    let output = child.wait_with_output().expect("python3 finishes");
    assert!(
        output.status.success(),
        "PyYAML refused the document: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON from python")
}

proptest! {
    // One PyYAML run per case, each reading a batch of strings.
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases() / 16))]

    /// Every string the LinuxKit emitter writes, as a value or a key, reads back as the same
    /// string with a YAML 1.1 reader (PyYAML) and a YAML 1.2 reader (saphyr).
    #[test]
    fn emitted_strings_read_back_unchanged(
        strings in proptest::collection::vec(yaml_lookalike(), 1..96)
    ) {
        use saphyr::{LoadableYamlNode, Yaml};
        let keys: serde_json::Map<String, serde_json::Value> = strings
            .iter()
            .map(|text| (text.clone(), serde_json::Value::from("key")))
            .collect();
        let document = serde_json::json!({ "values": strings, "keys": keys });
        let text = i2kit::emit::yaml_text::to_yaml_text(&document, "a test document").expect("serializes");
        prop_assert_eq!(&read_with_pyyaml(&text), &document, "PyYAML read\n{}", text);
        let read = Yaml::load_from_str(&text).expect("saphyr reads the document");
        let values = read[0]["values"].as_vec().expect("a list");
        prop_assert_eq!(values.len(), strings.len());
        for (value, written) in values.iter().zip(&strings) {
            prop_assert_eq!(value.as_str(), Some(written.as_str()), "saphyr read\n{}", text);
        }
        let read_keys = read[0]["keys"].as_mapping().expect("a mapping");
        for (key, _) in read_keys {
            prop_assert!(key.as_str().is_some_and(|key| keys.contains_key(key)), "saphyr read key {:?}\n{}", key, text);
        }
        prop_assert_eq!(read_keys.len(), keys.len());
    }
}

/// Counts the heap each test thread holds, so a property can assert the peak of one case
/// (other tests of this binary run on other threads and are not counted).
mod heap {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn note(delta: isize) {
        let _ = LIVE.try_with(|live| {
            let now = live.get().saturating_add(delta);
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
    }

    fn signed(size: usize) -> isize {
        isize::try_from(size).unwrap_or(isize::MAX)
    }

    // SAFETY (all four): each call forwards to the system allocator with the same arguments;
    // counting touches only const-initialised thread-locals, which never allocate.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let pointer = unsafe { System.alloc(layout) };
            if !pointer.is_null() {
                note(signed(layout.size()));
            }
            pointer
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let pointer = unsafe { System.alloc_zeroed(layout) };
            if !pointer.is_null() {
                note(signed(layout.size()));
            }
            pointer
        }
        unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
            unsafe { System.dealloc(pointer, layout) };
            note(-signed(layout.size()));
        }
        unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let moved = unsafe { System.realloc(pointer, layout, new_size) };
            if !moved.is_null() {
                // Old and new blocks may both be held for a moment: count the new one first.
                note(signed(new_size));
                note(-signed(layout.size()));
            }
            moved
        }
    }

    /// Runs `work` and returns its result with the most heap it held at once, in bytes.
    pub fn peak_of<T>(work: impl FnOnce() -> T) -> (T, usize) {
        let start = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(start));
        let result = work();
        let peak = PEAK.with(Cell::get);
        (
            result,
            usize::try_from(peak.saturating_sub(start)).unwrap_or(0),
        )
    }
}

#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

#[test]
fn the_heap_counter_sees_what_a_case_holds() {
    // The bound below is only as good as the count: a 50 MB buffer, grown by reallocation and
    // freed before the end, is at the peak; what was held before the case is not.
    let held_before = vec![0_u8; 10_000_000];
    let (length, peak) = heap::peak_of(|| {
        let mut buffer = vec![1_u8; 25_000_000];
        buffer.extend_from_slice(&vec![2_u8; 25_000_000]);
        buffer.len()
    });
    assert_eq!(length, 50_000_000);
    assert!(peak >= 50_000_000, "peak {peak}");
    assert!(peak < 120_000_000, "peak {peak}");
    assert!(held_before.len() == 10_000_000);
}

/// The README's bound on any input up to the 8 MiB cap: 1 s (release build) and 100 MB.
const CASE_MAX_BYTES: usize = 100_000_000;
/// A debug build runs i2kit's code 10–30× slower; the bound there catches what grows faster
/// than the input (a quadratic lookup, an unbounded copy), and the release run states the 1 s.
const CASE_MAX_SECONDS: f64 = if cfg!(debug_assertions) { 30.0 } else { 1.0 };

/// How one case ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Compiled,
    /// Refused with I2K007, at a limit.
    AtLimit,
    /// Refused for another reason (most mutations break the YAML).
    Refused,
}

/// Compiles `input` (with its LinuxKit files) and checks it kept within the bounds; returns how
/// it ended and the seconds and bytes it took.
fn compile_within_bounds(name: &str, input: &[u8]) -> (Outcome, f64, usize) {
    let started = std::time::Instant::now();
    let ((_, compilation), peak) = heap::peak_of(|| compile_bytes(name, input, false));
    let seconds = started.elapsed().as_secs_f64();
    let outcome = if !compilation.has_errors() {
        Outcome::Compiled
    } else if compilation
        .diagnostics
        .iter()
        .any(|d| d.code.as_str() == "I2K007")
    {
        Outcome::AtLimit
    } else {
        Outcome::Refused
    };
    assert!(
        peak <= CASE_MAX_BYTES,
        "{name}: {peak} bytes of heap at peak, over {CASE_MAX_BYTES}"
    );
    assert!(
        seconds <= CASE_MAX_SECONDS,
        "{name}: {seconds:.2} s, over {CASE_MAX_SECONDS} s"
    );
    (outcome, seconds, peak)
}

/// A Deployment whose variables refer to one another (`refs[i]` lists, for variable i, the
/// earlier variables its value repeats), read from a ConfigMap through `envFrom` and volumes
/// as many times as asked, with a command line that expands them again.
#[allow(clippy::too_many_arguments)]
fn render_env_deployment(
    seed: usize,
    refs: &[Vec<usize>],
    config_keys: usize,
    config_value: usize,
    env_from: usize,
    volumes: usize,
    words: &[Vec<usize>],
    undefined: usize,
) -> String {
    let reference = |variables: &[usize]| -> String {
        let mut text: String = variables
            .iter()
            .map(|index| format!("$(V{index})"))
            .collect();
        text.push_str(&"$(UNDEFINED)$$".repeat(undefined));
        text
    };
    let mut env = format!(
        "          - {{name: V0, value: \"{}\"}}\n",
        "x".repeat(seed)
    );
    for (index, earlier) in refs.iter().enumerate() {
        let earlier: Vec<usize> = earlier.iter().map(|e| e % (index + 1)).collect();
        env.push_str(&format!(
            "          - {{name: V{}, value: \"{}\"}}\n",
            index + 1,
            reference(&earlier)
        ));
    }
    let command: Vec<String> = words
        .iter()
        .map(|word| {
            format!(
                "\"{}\"",
                reference(
                    &word
                        .iter()
                        .map(|w| w % (refs.len() + 1))
                        .collect::<Vec<_>>()
                )
            )
        })
        .collect();
    let from: String = (0..env_from)
        .map(|index| format!("          - {{prefix: P{index}_, configMapRef: {{name: cfg}}}}\n"))
        .collect();
    let mounts: String = (0..volumes)
        .map(|index| format!("          - {{name: v{index}, mountPath: /etc/v{index}}}\n"))
        .collect();
    let declared: String = (0..volumes)
        .map(|index| format!("        - {{name: v{index}, configMap: {{name: cfg}}}}\n"))
        .collect();
    let data: String = (0..config_keys)
        .map(|index| format!("  k{index}: \"{}\"\n", "y".repeat(config_value)))
        .collect();
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg}}\ndata:\n{data}---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27.3\n          command: [{}]\n          env:\n{env}          envFrom:\n{from}          volumeMounts:\n{mounts}      volumes:\n{declared}",
        command.join(", ")
    )
}

/// Mostly `small`, sometimes (one in `odds`) up to `large`: the large cases find what grows,
/// and the small ones keep a run of 10⁶ cases within minutes.
fn mostly_small(small: usize, large: usize, odds: u32) -> impl Strategy<Value = usize> {
    prop_oneof![odds - 1 => 0..small, 1 => 0..large]
}

fn env_deployment() -> impl Strategy<Value = String> {
    let references = || proptest::collection::vec(0..64usize, 0..4);
    (
        (
            mostly_small(64, 4096, 10),
            prop_oneof![8 => proptest::collection::vec(references(), 0..8), 2 => proptest::collection::vec(references(), 0..48)],
        ),
        (mostly_small(8, 64, 10), mostly_small(64, 4096, 10), mostly_small(4, 24, 10), mostly_small(4, 24, 10)),
        (proptest::collection::vec(references(), 0..8), 0..4usize),
    )
        .prop_map(|((seed, refs), (keys, value, env_from, volumes), (words, undefined))| {
            render_env_deployment(seed, &refs, keys, value, env_from, volumes, &words, undefined)
        })
}

/// Anchors and aliases: a string of `size` bytes, `aliases` times in a container's command,
/// anchored inside `depth` nested anchored mappings, and `levels` levels of a sequence of
/// aliases of the level before (a "billion laughs"). Without nesting or levels it compiles.
fn render_aliases(
    size: usize,
    depth: usize,
    aliases: usize,
    levels: usize,
    width: usize,
) -> String {
    let mut text = format!(
        "name: web\ncontainers:\n  web:\n    image: nginx:1.27.3\n    env:\n      LEAF: &s \"{}\"\n    command: [{}]\n",
        "z".repeat(size),
        vec!["*s"; aliases.max(1)].join(", ")
    );
    if depth > 0 {
        text.push_str("x-anchors:\n");
        for level in 0..depth {
            text.push_str(&format!("{}n{level}: &n{level}\n", "  ".repeat(level + 1)));
        }
        text.push_str(&format!(
            "{}leaf: *s\nx-nested: *n0\n",
            "  ".repeat(depth + 1)
        ));
    }
    if levels > 0 {
        text.push_str("x-bomb:\n  l0: &l0 [*s]\n");
        for level in 1..levels {
            let previous = format!("*l{}", level - 1);
            text.push_str(&format!(
                "  l{level}: &l{level} [{}]\n",
                vec![previous.as_str(); width].join(", ")
            ));
        }
    }
    text
}

fn aliases() -> impl Strategy<Value = String> {
    (
        mostly_small(1000, 200_000, 10),
        mostly_small(1, 48, 2),
        mostly_small(50, 3000, 10),
        mostly_small(1, 12, 2),
        1..12usize,
    )
        .prop_map(|(size, depth, aliases, levels, width)| {
            render_aliases(size, depth, aliases, levels, width)
        })
}

/// Flow collections: `items` items, nested `depth` deep, on one line or one per line, as a
/// document of their own or under a key, with a key `key_bytes` long, maybe left unclosed.
fn render_flow(
    items: usize,
    depth: usize,
    mapping: bool,
    one_line: bool,
    under_key: bool,
    key_bytes: usize,
    closed: bool,
) -> String {
    let separator = if one_line { ", " } else { ",\n      " };
    let body: Vec<String> = (0..items)
        .map(|index| {
            if mapping {
                format!("K{index}: {index}")
            } else {
                format!("a{index}")
            }
        })
        .collect();
    let (open, close) = if mapping { ("{", "}") } else { ("[", "]") };
    let mut flow = format!("{open}{}{}", "k".repeat(key_bytes), body.join(separator));
    if closed {
        flow.push_str(close);
    }
    for _ in 0..depth {
        flow = format!("[{flow}]");
    }
    // A mapping is an `env`, a sequence a `command`: with no nesting, they compile.
    let field = if mapping { "env" } else { "command" };
    if under_key {
        format!("name: web\ncontainers:\n  web:\n    image: nginx:1.27.3\n    {field}: {flow}\n")
    } else {
        flow
    }
}

fn flow_collection() -> impl Strategy<Value = String> {
    (
        mostly_small(100, 300_000, 30),
        mostly_small(1, 70, 2),
        (
            any::<bool>(),
            any::<bool>(),
            prop_oneof![3 => Just(true), 1 => Just(false)],
        ),
        prop_oneof![3 => Just(0usize), 1 => 0..3000usize],
        prop_oneof![3 => Just(true), 1 => Just(false)],
    )
        .prop_map(
            |(items, depth, (mapping, one_line, under_key), key_bytes, closed)| {
                render_flow(
                    items, depth, mapping, one_line, under_key, key_bytes, closed,
                )
            },
        )
}

/// A hostile structure, then a few mutations: characters YAML gives meaning to, inserted,
/// replaced or removed at random places.
fn hostile_yaml() -> impl Strategy<Value = String> {
    (
        prop_oneof![4 => env_deployment(), 3 => aliases(), 3 => flow_collection()],
        // Half the cases as generated, half with one to three mutations.
        prop_oneof![Just(0usize), 1..4usize].prop_flat_map(|count| {
            proptest::collection::vec(
                (
                    any::<proptest::sample::Index>(),
                    0..3usize,
                    proptest::sample::select(vec![
                        "[", "]", "{", "}", ",", ": ", "\n", "  ", "- ", "&a ", "*a", "$(V1)",
                        "\"", "'", "#", "\\u", "---\n", "? ",
                    ]),
                ),
                count,
            )
        }),
    )
        .prop_map(|(mut text, mutations)| {
            for (at, kind, piece) in mutations {
                let mut index = at.index(text.len() + 1);
                while !text.is_char_boundary(index) {
                    index -= 1;
                }
                match kind {
                    0 => text.insert_str(index, piece),
                    1 => text.replace_range(index..(index + piece.len()).min(text.len()), piece),
                    _ => {
                        let end = (index + piece.len()).min(text.len());
                        if text.is_char_boundary(end) {
                            text.replace_range(index..end, "");
                        }
                    }
                }
            }
            text
        })
}

/// Cases for the hostile structures: 64 by default, each compiled whole; CI's run and the
/// 10⁶-case run in BENCHMARKS.md set `I2KIT_HOSTILE_CASES`.
fn hostile_cases() -> u32 {
    std::env::var("I2KIT_HOSTILE_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64)
}

/// Env expansion, aliases and flow collections, structured to multiply and then mutated: each
/// compiles or is refused with no panic, within the time and memory bounds. Prints what the
/// cases did, for BENCHMARKS.md.
#[test]
fn arbitrary_hostile_structures_stay_within_bounds() {
    use std::cell::Cell;
    let config = ProptestConfig {
        cases: hostile_cases(),
        max_shrink_iters: 256,
        // A failing case is printed; a runner built by hand has no source file to save it by.
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let counts = Cell::new([0_u64; 3]);
    let (slowest, most_heap, largest) =
        (Cell::new(0.0_f64), Cell::new(0_usize), Cell::new(0_usize));
    let started = std::time::Instant::now();
    let result = runner.run(&hostile_yaml(), |input| {
        let (outcome, seconds, peak) = compile_within_bounds("hostile.yaml", input.as_bytes());
        let mut tally = counts.get();
        tally[outcome as usize] += 1;
        counts.set(tally);
        slowest.set(slowest.get().max(seconds));
        most_heap.set(most_heap.get().max(peak));
        largest.set(largest.get().max(input.len()));
        Ok(())
    });
    let [compiled, at_limit, refused] = counts.get();
    eprintln!(
        "hostile structures: {} cases in {:.1} s ({compiled} compiled, {at_limit} refused at a limit, {refused} refused otherwise); largest input {} bytes; slowest case {:.3} s; most heap in one case {} bytes",
        compiled + at_limit + refused,
        started.elapsed().as_secs_f64(),
        largest.get(),
        slowest.get(),
        most_heap.get(),
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[path = "common/network.rs"]
mod network;

/// One exposed workload: its form (a short manifest, a Kubernetes Service, an Ingress),
/// whether the manifest asks for internet-facing, a load balancer choice within the form, and
/// whether it speaks UDP (for an Ingress: dual-stack).
type Exposure = (usize, bool, usize, bool);

fn render_exposure(index: usize, (form, public, kind, flag): Exposure) -> String {
    let name = format!("w{index}");
    let deployment = |port: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: c, image: \"nginx:1.27.3\", ports: [{port}]}}]\n---\n"
        )
    };
    match form {
        0 => {
            let choice = [
                "",
                "loadBalancer: classic\n",
                "loadBalancer: network\n",
                "loadBalancer: application\n",
            ][kind];
            let port = if flag {
                "{port: 53, protocol: udp}"
            } else {
                "\"80:8080\""
            };
            format!(
                "name: {name}\n{}{choice}containers:\n  c: {{image: \"nginx:1.27.3\", ports: [{port}]}}\n---\n",
                if public { "public: true\n" } else { "" }
            )
        }
        1 => {
            let prefix = "service.beta.kubernetes.io/aws-load-balancer";
            let scheme = if public {
                "internet-facing"
            } else {
                "internal"
            };
            let annotations = [
                String::new(),
                format!("{prefix}-internal: \"{}\"", !public),
                format!("{prefix}-type: nlb"),
                format!("{prefix}-type: external, {prefix}-scheme: {scheme}"),
            ][kind]
                .clone();
            let service_type = if public || kind > 0 {
                "LoadBalancer"
            } else {
                "ClusterIP"
            };
            let protocol = if flag { "UDP" } else { "TCP" };
            deployment(&format!("{{containerPort: 8080, protocol: {protocol}}}"))
                + &format!(
                    "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, annotations: {{{annotations}}}}}\nspec:\n  type: {service_type}\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: 8080, protocol: {protocol}}}]\n---\n"
                )
        }
        _ => {
            let scheme = if public {
                "internet-facing"
            } else {
                "internal"
            };
            let address = if flag { "dualstack" } else { "ipv4" };
            deployment("{containerPort: 8080}")
                + &format!(
                    "apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  annotations: {{alb.ingress.kubernetes.io/scheme: {scheme}, alb.ingress.kubernetes.io/ip-address-type: {address}}}\nspec:\n  defaultBackend: {{service: {{name: {name}, port: {{number: 80}}}}}}\n---\n"
                )
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Whatever mix of load balancer kinds and schemes an application asks for: no rule admits
    /// 0.0.0.0/0 or ::/0 but on an internet-facing load balancer; every internal listener
    /// admits the application's group, which every VM carries, and no range unless
    /// InternalClientCidr is given, and then exactly that one.
    #[test]
    fn only_internet_facing_load_balancers_admit_the_world(
        exposures in proptest::collection::vec((0..3usize, any::<bool>(), 0..4usize, any::<bool>()), 1..5)
    ) {
        let input: String = exposures
            .iter()
            .enumerate()
            .map(|(index, exposure)| render_exposure(index, *exposure))
            .collect();
        let (_, compilation) = compile_bytes("exposed.yaml", input.as_bytes(), false);
        let Some(template) = compilation.template.as_deref() else {
            prop_assert!(compilation.has_errors());
            return Ok(());
        };
        let template: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        for given in [
            std::collections::BTreeMap::new(),
            std::collections::BTreeMap::from([("InternalClientCidr", "10.1.0.0/16")]),
        ] {
            let problems = network::admission_problems(&template, &given);
            prop_assert!(problems.is_empty(), "{:?}\n{}", problems, input);
        }
    }
}

/// A range as a manifest might write it: any IPv4 address (host bits and all) and prefix.
fn written_range() -> impl Strategy<Value = (u32, u8)> {
    (any::<u32>(), 0u8..=32)
}

/// The network a written range names, computed here without i2kit's parser.
fn network_of((address, prefix): (u32, u8)) -> String {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    };
    let network = std::net::Ipv4Addr::from(address & mask);
    format!("{network}/{prefix}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A load balancer with source ranges admits exactly those ranges on each listener port:
    /// no 0.0.0.0/0 beside them, no range of a deploy-time parameter, and (internal) the
    /// application's group as the only other source.
    #[test]
    fn source_ranges_are_the_only_ranges_admitted(
        ranges in proptest::collection::vec(written_range(), 1..6),
        public in any::<bool>(),
        ports in proptest::collection::btree_set(1u16..=65535, 1..4),
    ) {
        let written: Vec<String> = ranges
            .iter()
            .map(|(address, prefix)| format!("\"{}/{prefix}\"", std::net::Ipv4Addr::from(*address)))
            .collect();
        let listed: Vec<String> = ports
            .iter()
            .map(|port| format!("{{name: p{port}, port: {port}, targetPort: 8080}}"))
            .collect();
        let scheme = if public { "internet-facing" } else { "internal" };
        let input = format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: {scheme}\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [{}]\n  selector: {{app: api}}\n  ports: [{}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api}}\nspec:\n  selector: {{matchLabels: {{app: api}}}}\n  template:\n    metadata: {{labels: {{app: api}}}}\n    spec:\n      containers: [{{name: api, image: \"nginx:1.27.3\", ports: [{{containerPort: 8080}}]}}]\n",
            written.join(", "),
            listed.join(", ")
        );
        let (_, compilation) = compile_bytes("ranges.yaml", input.as_bytes(), false);
        let template = compilation.template.as_deref().expect("compiles");
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let group = &parsed["Resources"]["ApiLoadBalancerSecurityGroup"];
        let rules = group["Properties"]["SecurityGroupIngress"].as_array().expect("rules");
        let expected: std::collections::BTreeSet<String> = ranges.iter().copied().map(network_of).collect();
        for port in &ports {
            let on_port: Vec<&serde_json::Value> = rules.iter().filter(|rule| rule["FromPort"] == *port).collect();
            let cidrs: std::collections::BTreeSet<String> = on_port
                .iter()
                .filter_map(|rule| rule.get("CidrIp").and_then(|cidr| cidr.as_str()).map(str::to_string))
                .collect();
            prop_assert_eq!(&cidrs, &expected, "port {}", port);
            let groups: Vec<&serde_json::Value> = on_port.iter().filter_map(|rule| rule.get("SourceSecurityGroupId")).collect();
            if public {
                prop_assert!(groups.is_empty());
            } else {
                let application = serde_json::json!({ "Ref": "ApplicationSecurityGroup" });
                prop_assert_eq!(groups, vec![&application]);
            }
            prop_assert_eq!(on_port.len(), expected.len() + usize::from(!public));
        }
        prop_assert!(rules.iter().all(|rule| rule.get("Fn::If").is_none() && rule.get("CidrIpv6").is_none()));
    }
}

/// Deployments `d0`…`d{n-1}`, each with a Service; `team` labels pods so that one peer can
/// select several Deployments; one NetworkPolicy isolates `d0` and admits the peers given.
fn policed_application(teams: &[u8], peers: &[(bool, u8)], block: Option<u8>) -> String {
    let mut documents = Vec::new();
    for (index, team) in teams.iter().enumerate() {
        documents.push(format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{index}}}\nspec:\n  selector: {{matchLabels: {{app: d{index}}}}}\n  template:\n    metadata: {{labels: {{app: d{index}, team: t{team}}}}}\n    spec:\n      containers:\n      - {{name: c, image: \"nginx:1.27.3\", ports: [{{containerPort: 8080}}]}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: d{index}}}\nspec:\n  selector: {{app: d{index}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
        ));
    }
    let mut from: Vec<String> = peers
        .iter()
        .map(|(by_team, value)| {
            if *by_team {
                format!("{{podSelector: {{matchLabels: {{team: t{value}}}}}}}")
            } else {
                format!("{{podSelector: {{matchLabels: {{app: d{value}}}}}}}")
            }
        })
        .collect();
    if let Some(octet) = block {
        from.push(format!("{{ipBlock: {{cidr: 10.{octet}.0.0/16}}}}"));
    }
    documents.push(format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: only}}\nspec:\n  podSelector: {{matchLabels: {{app: d0}}}}\n  ingress: [{{from: [{}]}}]\n",
        from.join(", ")
    ));
    documents.join("---\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A Deployment a NetworkPolicy selects admits, on its load balancer, exactly the callers the
    /// policy names: the groups of the Deployments its peers select and its blocks; never the
    /// application's group, a parameter's range or group, or anyone else. Its VMs admit only
    /// their load balancer.
    #[test]
    fn a_policed_deployment_admits_only_what_the_policy_names(
        teams in proptest::collection::vec(0..3u8, 2..5),
        peers in proptest::collection::vec((any::<bool>(), 0..5u8), 1..4),
        block in proptest::option::of(0..255u8),
    ) {
        let input = policed_application(&teams, &peers, block);
        let (_, compiled) = compile_bytes("p.yaml", input.as_bytes(), false);
        let template = compiled.template.as_deref().unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let mut named: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for (by_team, value) in &peers {
            for (index, team) in teams.iter().enumerate() {
                if (*by_team && team == value) || (!*by_team && usize::from(*value) == index) {
                    named.insert(format!("D{index}ClientSecurityGroup"));
                }
            }
        }
        let rules = parsed["Resources"]["D0LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"]
            .as_array().cloned().unwrap_or_default();
        let mut groups = std::collections::BTreeSet::new();
        let mut cidrs = Vec::new();
        for rule in &rules {
            prop_assert_eq!(&rule["FromPort"], &serde_json::json!(80));
            prop_assert_eq!(&rule["ToPort"], &serde_json::json!(80));
            if let Some(group) = rule["SourceSecurityGroupId"]["Ref"].as_str() {
                groups.insert(group.to_string());
            } else if let Some(cidr) = rule["CidrIp"].as_str() {
                cidrs.push(cidr.to_string());
            } else {
                prop_assert!(false, "a rule with another source: {}", rule);
            }
        }
        prop_assert_eq!(groups, named);
        let wanted: Vec<String> = block.map(|octet| format!("10.{octet}.0.0/16")).into_iter().collect();
        prop_assert_eq!(cidrs, wanted);
        let instance = &parsed["Resources"]["D0InstanceSecurityGroup"]["Properties"]["SecurityGroupIngress"];
        for rule in instance.as_array().cloned().unwrap_or_default() {
            prop_assert_eq!(&rule["SourceSecurityGroupId"]["Ref"], &serde_json::json!("D0LoadBalancerSecurityGroup"));
        }
    }
}

/// `policed_application`'s Deployments and Services; one NetworkPolicy restricts `d0`'s egress
/// to the peers given (on port 8080 when `on_port`), and nothing restricts the others'.
fn egress_application(
    teams: &[u8],
    peers: &[(bool, u8)],
    block: Option<u8>,
    on_port: bool,
) -> String {
    let ingress_only = policed_application(teams, peers, block);
    let (deployments, policy) = ingress_only
        .rsplit_once("---\napiVersion: networking.k8s.io/v1")
        .expect("a policy last");
    let peers_text = policy
        .split_once("from: [")
        .and_then(|(_, rest)| rest.rsplit_once("]}]"))
        .map(|(peers, _)| peers)
        .expect("peers");
    let ports = if on_port {
        ", ports: [{port: 8080}]"
    } else {
        ""
    };
    format!(
        "{deployments}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: out}}\nspec:\n  podSelector: {{matchLabels: {{app: d0}}}}\n  policyTypes: [Egress]\n  egress: [{{to: [{peers_text}]{ports}}}]\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A Deployment whose egress a NetworkPolicy restricts may call exactly the load balancers of
    /// the Deployments its peers select (on the listener port forwarding to the port named) and
    /// its blocks: its own group says so, every other group it carries allows nothing, and every
    /// other Deployment's own group still allows every destination.
    #[test]
    fn a_restricted_deployment_calls_only_what_the_policy_allows(
        teams in proptest::collection::vec(0..3u8, 2..5),
        peers in proptest::collection::vec((any::<bool>(), 0..5u8), 1..4),
        block in proptest::option::of(0..255u8),
        on_port in any::<bool>(),
    ) {
        let input = egress_application(&teams, &peers, block, on_port);
        let (_, compiled) = compile_bytes("e.yaml", input.as_bytes(), false);
        let template = compiled.template.as_deref().unwrap_or_else(|| panic!("{:?}\n{input}", compiled.diagnostics));
        let parsed: serde_json::Value = serde_json::from_str(template).expect("template is JSON");
        let mut named = std::collections::BTreeSet::new();
        for (by_team, value) in &peers {
            for (index, team) in teams.iter().enumerate() {
                if (*by_team && team == value) || (!*by_team && usize::from(*value) == index) {
                    named.insert(format!("D{index}LoadBalancerSecurityGroup"));
                }
            }
        }
        let resources = &parsed["Resources"];
        let rules = resources["D0InstanceSecurityGroup"]["Properties"]["SecurityGroupEgress"]
            .as_array().cloned().unwrap_or_default();
        let mut groups = std::collections::BTreeSet::new();
        let mut cidrs = Vec::new();
        for rule in &rules {
            if let Some(group) = rule["DestinationSecurityGroupId"]["Ref"].as_str() {
                prop_assert_eq!(&rule["FromPort"], &serde_json::json!(80));
                prop_assert_eq!(&rule["IpProtocol"], &serde_json::json!("tcp"));
                groups.insert(group.to_string());
            } else if let Some(cidr) = rule["CidrIp"].as_str() {
                if cidr == "255.255.255.255/32" {
                    prop_assert_eq!(rules.len(), 1, "the no-traffic rule stands alone");
                    continue;
                }
                if on_port {
                    prop_assert_eq!(&rule["FromPort"], &serde_json::json!(8080));
                    prop_assert_eq!(&rule["ToPort"], &serde_json::json!(8080));
                } else {
                    prop_assert_eq!(&rule["IpProtocol"], &serde_json::json!("-1"));
                }
                cidrs.push(cidr.to_string());
            } else {
                prop_assert!(false, "a rule with another destination: {}", rule);
            }
        }
        prop_assert_eq!(groups, named);
        let wanted: Vec<String> = block.map(|octet| format!("10.{octet}.0.0/16")).into_iter().collect();
        prop_assert_eq!(cidrs, wanted);
        let placeholder = serde_json::json!([{"CidrIp": "255.255.255.255/32", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}]);
        let strip = |rules: &serde_json::Value| {
            let mut rules = rules.clone();
            for rule in rules.as_array_mut().into_iter().flatten() {
                rule.as_object_mut().map(|rule| rule.remove("Description"));
            }
            rules
        };
        for (id, resource) in resources.as_object().expect("resources") {
            if resource["Type"] != "AWS::EC2::SecurityGroup" || id.contains("LoadBalancer") || id == "D0InstanceSecurityGroup" {
                continue;
            }
            let egress = strip(&resource["Properties"]["SecurityGroupEgress"]);
            if id.ends_with("InstanceSecurityGroup") {
                prop_assert_eq!(egress, serde_json::json!([{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}, {"CidrIpv6": "::/0", "IpProtocol": "-1"}]), "{}", id);
            } else {
                prop_assert_eq!(egress, placeholder.clone(), "{}", id);
            }
        }
    }
}

/// A StatefulSet as generated: replicas, `ordinals.start`, claims (name, size as written), a
/// storage class or none, and `whenDeleted`, `whenScaled`.
type StatefulCase = (
    u32,
    u32,
    Vec<(String, String)>,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// A StatefulSet with `replicas` ordinals from `start`, the claims named, sizes as written, a
/// storage class or none, and a retention policy.
fn stateful_set() -> impl Strategy<Value = StatefulCase> {
    (
        1..=8u32,
        0..=5u32,
        proptest::collection::btree_map(
            "[a-z][a-z0-9]{0,6}",
            prop_oneof![
                Just("1Gi"),
                Just("1500Mi"),
                Just("10G"),
                Just("125Gi"),
                Just("1Ti")
            ],
            0..=3,
        )
        .prop_map(|claims| {
            claims
                .into_iter()
                .map(|(name, size)| (name, size.to_string()))
                .collect()
        }),
        proptest::option::of(proptest::sample::select(vec![
            "gp2", "gp3", "st1", "standard",
        ])),
        proptest::sample::select(vec!["Retain", "Delete"]),
        proptest::sample::select(vec!["Retain", "Delete"]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a StatefulSet asks that compiles: one instance per ordinal; one volume per
    /// ordinal and claim, in the zone of the instance it is tagged with, encrypted, replaced
    /// only with the old one kept; deleted with the stack only when both retention fields say
    /// Delete; and each ordinal's attach permission names only its own instance and volumes.
    #[test]
    fn every_ordinal_has_its_instance_and_its_volumes_in_its_zone(
        (replicas, start, claims, class, when_deleted, when_scaled) in stateful_set()
    ) {
        let templates: String = claims.iter().map(|(name, size)| {
            let class = class.map(|class| format!(", storageClassName: {class}")).unwrap_or_default();
            format!("  - metadata: {{name: {name}}}\n    spec: {{resources: {{requests: {{storage: {size}}}}}{class}}}\n")
        }).collect();
        let mounts: Vec<String> = claims.iter().map(|(name, _)| format!("{{name: {name}, mountPath: /{name}}}")).collect();
        let text = format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec: {{clusterIP: None, selector: {{app: db}}, ports: [{{port: 5432}}]}}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db}}\nspec:\n  serviceName: db\n  replicas: {replicas}\n  ordinals: {{start: {start}}}\n  persistentVolumeClaimRetentionPolicy: {{whenDeleted: {when_deleted}, whenScaled: {when_scaled}}}\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec:\n      containers: [{{name: db, image: \"postgres:17.2\", ports: [{{containerPort: 5432}}], volumeMounts: [{}]}}]\n  volumeClaimTemplates:{}\n{templates}",
            mounts.join(", "),
            if claims.is_empty() { " []" } else { "" },
        );
        let (_, compilation) = compile_bytes("set.yaml", text.as_bytes(), false);
        // Sizes a type cannot hold (st1 under 125 GiB, standard over 1 TiB) are refused.
        if compilation.has_errors() {
            let refused_size = compilation.diagnostics.iter().all(|d| !d.is_error() || d.message.contains("GiB"));
            prop_assert!(refused_size, "{:?}", compilation.diagnostics);
            return Ok(());
        }
        let template: serde_json::Value = serde_json::from_str(compilation.template.as_deref().unwrap_or("{}")).expect("JSON");
        let resources = template["Resources"].as_object().expect("resources");
        let of = |kind: &str| resources.iter().filter(move |(_, r)| r["Type"] == kind).collect::<Vec<_>>();
        let instances = of("AWS::EC2::Instance");
        prop_assert_eq!(instances.len(), replicas as usize);
        for (index, (_, instance)) in instances.iter().enumerate() {
            let ordinal = start + u32::try_from(index).expect("small");
            prop_assert_eq!(&instance["Properties"]["Tags"][1]["Value"], &serde_json::json!(format!("db-{ordinal}")));
        }
        let volumes = of("AWS::EC2::Volume");
        prop_assert_eq!(volumes.len(), replicas as usize * claims.len());
        let both_delete = when_deleted == "Delete" && when_scaled == "Delete";
        for (id, volume) in &volumes {
            let zone_of = &volume["Properties"]["AvailabilityZone"]["Fn::GetAtt"][0];
            let tagged = &volume["Properties"]["Tags"][2]["Value"]["Ref"];
            prop_assert_eq!(zone_of, tagged, "{}", id);
            prop_assert!(resources.contains_key(zone_of.as_str().unwrap_or_default()));
            prop_assert_eq!(&volume["UpdateReplacePolicy"], "Retain");
            prop_assert_eq!(&volume["DeletionPolicy"], if both_delete { "Delete" } else { "Retain" });
            prop_assert_eq!(&volume["Properties"]["Encrypted"], true);
            prop_assert_eq!(&volume["Properties"]["VolumeType"], class.unwrap_or("gp3"));
        }
        if let Some((_, policy)) = of("AWS::IAM::Policy").first() {
            for statement in policy["Properties"]["PolicyDocument"]["Statement"].as_array().expect("statements").iter().skip(1) {
                let source = &statement["Condition"]["ArnEquals"]["ec2:SourceInstanceARN"]["Fn::Join"][1][7]["Ref"];
                for resource in statement["Resource"].as_array().expect("resources") {
                    let named = resource["Fn::Join"][1][7]["Ref"].as_str().expect("an id");
                    let owner = if resources[named]["Type"] == "AWS::EC2::Instance" {
                        serde_json::json!(named)
                    } else {
                        resources[named]["Properties"]["AvailabilityZone"]["Fn::GetAtt"][0].clone()
                    };
                    prop_assert_eq!(&owner, source);
                }
            }
        }
        let records: Vec<_> = of("AWS::Route53::RecordSet");
        prop_assert_eq!(records.len(), replicas as usize + 1);
    }
}

/// A Deployment whose containers read Secrets absent from the input: `(name, id override)`
/// each, in one store, with or without a role of its own.
fn boot_secrets() -> impl Strategy<Value = (Vec<(String, Option<String>)>, bool, bool)> {
    (
        proptest::collection::vec(
            (
                "[a-z][a-z0-9.-]{0,20}",
                proptest::option::of(prop_oneof![
                    "[A-Za-z0-9/_+=.@-]{1,30}",
                    "/[A-Za-z0-9_.-]{1,30}",
                    "[ -~]{0,12}",
                    Just("*".to_string()),
                    Just("db-*".to_string()),
                    Just("${AWS::AccountId}".to_string()),
                ]),
            ),
            1..5,
        ),
        any::<bool>(),
        any::<bool>(),
    )
}

fn render_boot_secrets(
    secrets: &[(String, Option<String>)],
    parameter_store: bool,
    role: bool,
) -> String {
    let mut annotations = serde_json::Map::new();
    if parameter_store {
        annotations.insert("i2kit.io/secret-store".into(), "parameter-store".into());
    }
    let mut env = Vec::new();
    for (index, (name, id)) in secrets.iter().enumerate() {
        if let Some(id) = id {
            annotations.insert(format!("secret-id.i2kit.io/{name}"), id.clone().into());
        }
        env.push(serde_json::json!({"name": format!("V{index}"), "valueFrom": {"secretKeyRef": {"name": name, "key": "k"}}}));
    }
    let mut documents = Vec::new();
    if role {
        documents.push(serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "app", "namespace": "shop", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/app"}}}));
    }
    documents.push(serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "app", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "app"}}, "template": {
            "metadata": {"labels": {"app": "app"}, "annotations": annotations},
            "spec": {"serviceAccountName": if role { "app" } else { "default" },
                "containers": [{"name": "app", "image": "app:1", "command": ["/app"], "env": env}]}}}}));
    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": documents}).to_string()
}

/// Every text of `value` (strings, and the parts of `Fn::Join`).
fn texts(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => out.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|item| texts(item, out)),
        serde_json::Value::Object(map) => map.values().for_each(|item| texts(item, out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// The VMs may read exactly the secrets their pods reference, never a `*` resource: an id
    /// that would widen the grant is refused at the annotation.
    #[test]
    fn boot_secrets_grant_exactly_their_ids_and_never_a_wildcard(
        (secrets, parameter_store, role) in boot_secrets()
    ) {
        let input = render_boot_secrets(&secrets, parameter_store, role);
        let (_, compilation) = compile_bytes("m.json", input.as_bytes(), false);
        let Some(template) = compilation.template.as_deref() else {
            for diagnostic in compilation.diagnostics.iter().filter(|d| d.is_error()) {
                prop_assert_eq!(diagnostic.code.as_str(), "I2K071", "{}", diagnostic.message);
            }
            return Ok(());
        };
        // The id each secret is fetched as: its annotation's (the last one written), else the
        // default rule.
        let mut wanted = std::collections::BTreeSet::new();
        for (name, _) in &secrets {
            let id = secrets.iter().rev().find_map(|(other, id)| (other == name).then_some(id.clone()).flatten())
                .unwrap_or_else(|| if parameter_store { format!("/shop/{name}") } else { format!("shop/{name}") });
            wanted.insert(if parameter_store {
                format!("parameter/{}", id.trim_start_matches('/'))
            } else {
                format!("secret:{id}-??????")
            });
        }
        let parsed: serde_json::Value = serde_json::from_str(template).expect("JSON");
        let mut granted = std::collections::BTreeSet::new();
        for resource in parsed["Resources"].as_object().expect("resources").values() {
            let documents: Vec<&serde_json::Value> = match resource["Type"].as_str() {
                Some("AWS::IAM::Policy") => vec![&resource["Properties"]["PolicyDocument"]],
                Some("AWS::IAM::Role") => resource["Properties"]["Policies"].as_array().into_iter().flatten().map(|p| &p["PolicyDocument"]).collect(),
                _ => continue,
            };
            for statement in documents.iter().flat_map(|d| d["Statement"].as_array().into_iter().flatten()) {
                let mut found = Vec::new();
                texts(&statement["Resource"], &mut found);
                for text in &found {
                    prop_assert!(!text.contains('*'), "a wildcard resource: {}", text);
                }
                if statement["Action"] != "kms:Decrypt" {
                    granted.extend(found.into_iter().filter(|text| text.starts_with("secret:") || text.starts_with("parameter/")));
                }
            }
        }
        prop_assert_eq!(granted, wanted);
    }
}

/// An IPv4 address as an Endpoints object might list it: mostly hosts, sometimes one of the
/// ranges Kubernetes refuses.
fn endpoint_address() -> impl Strategy<Value = std::net::Ipv4Addr> {
    prop_oneof![
        8 => any::<u32>().prop_map(std::net::Ipv4Addr::from),
        1 => prop_oneof![
            Just([127, 0, 0, 1]),
            Just([169, 254, 1, 1]),
            Just([224, 0, 0, 5]),
            Just([0, 0, 0, 0]),
            Just([255, 255, 255, 255]),
        ]
        .prop_map(std::net::Ipv4Addr::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A Service without a selector answers with exactly the ready addresses of its Endpoints:
    /// never one written under `notReadyAddresses` alone, and never one Kubernetes refuses
    /// (that is an error, and nothing is written).
    #[test]
    fn a_selectorless_name_lists_exactly_the_ready_addresses(
        addresses in proptest::collection::vec((endpoint_address(), any::<bool>()), 1..8)
    ) {
        let list = |ready: bool| -> String {
            let written: Vec<String> = addresses
                .iter()
                .filter(|(_, is_ready)| *is_ready == ready)
                .map(|(ip, _)| format!("{{ip: \"{ip}\"}}"))
                .collect();
            format!("[{}]", written.join(", "))
        };
        let input = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers: [{{name: web, image: \"nginx:1.27.3\"}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: db}}\nspec:\n  ports: [{{port: 5432}}]\n---\napiVersion: v1\nkind: Endpoints\nmetadata: {{name: db}}\nsubsets:\n- addresses: {}\n  notReadyAddresses: {}\n  ports: [{{port: 5432}}]\n",
            list(true),
            list(false),
        );
        let (_, compilation) = compile_bytes("endpoints.yaml", input.as_bytes(), false);
        let refused = addresses.iter().any(|(ip, _)| {
            ip.is_unspecified() || ip.is_loopback() || ip.is_link_local() || ip.is_multicast() || ip.is_broadcast()
        });
        if refused {
            prop_assert!(compilation.has_errors());
            prop_assert!(compilation.template.is_none());
            return Ok(());
        }
        prop_assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        let template: serde_json::Value =
            serde_json::from_str(compilation.template.as_deref().expect("a template")).unwrap();
        let ready: std::collections::BTreeSet<String> = addresses
            .iter()
            .filter(|(_, ready)| *ready)
            .map(|(ip, _)| ip.to_string())
            .collect();
        let record = &template["Resources"]["DbEndpoints"];
        if ready.is_empty() {
            prop_assert!(record.is_null());
        } else {
            let listed: std::collections::BTreeSet<String> = record["Properties"]["ResourceRecords"]
                .as_array()
                .expect("addresses")
                .iter()
                .map(|ip| ip.as_str().expect("text").to_string())
                .collect();
            prop_assert_eq!(&listed, &ready);
        }
        for (ip, _) in addresses.iter().filter(|(ip, ready)| !*ready && !ready_contains(&addresses, *ip)) {
            let quoted = format!("\"{ip}\"");
            prop_assert!(!compilation.template.as_deref().unwrap_or_default().contains(&quoted));
        }
    }
}

fn ready_contains(addresses: &[(std::net::Ipv4Addr, bool)], ip: std::net::Ipv4Addr) -> bool {
    addresses
        .iter()
        .any(|(other, ready)| *ready && *other == ip)
}
