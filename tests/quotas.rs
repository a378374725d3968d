//! CloudFormation's quotas, checked on what the template builder records as it builds: a
//! count error states what the record holds and comes exactly when that is over the quota;
//! the byte limits read the text that is written; `validate` (which keeps no text) reports
//! what `compile` reports. And the record is the template's own: for every example and
//! fixture that compiles, its ids are the template's keys, in order.

use i2kit::compile::{compile_bytes, infer_application};
use i2kit::diagnostic::{Code, Diagnostic, Severity};
use i2kit::emit::aws_quotas::{
    MAX_INLINE_TEMPLATE_BYTES, MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES,
};
use i2kit::emit::cloudformation::{
    TemplateError, build_template, check_template, emit_template, plan_template,
};
use i2kit::emit::naming::Section;
use i2kit::emit::quotas::check_bytes;
use i2kit::infer::group::plan_groups;
use i2kit::infer::link::link;
use i2kit::input::MAX_WORKLOADS;
use i2kit::input::kubernetes::restriction::Waivers;
use i2kit::model::Application;
use i2kit::source::SourceFile;
use std::fs;
use std::path::Path;

fn inputs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for entry in fs::read_dir(root.join("examples"))
        .expect("examples")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() || path.extension().is_some_and(|ext| ext == "yaml") {
            found.push(path);
        }
    }
    for entry in fs::read_dir(root.join("tests/fixtures"))
        .expect("fixtures")
        .flatten()
    {
        found.push(entry.path().join("input.yaml"));
        found.push(entry.path().join("inputs"));
        found.push(entry.path().join("stdin.yaml"));
    }
    found.sort();
    found
        .into_iter()
        .filter_map(|path| Some((path.display().to_string(), read_input(&path)?)))
        .collect()
}

/// A file's text, or a directory's YAML files joined as documents in name order: the same
/// application `i2kit compile DIR` reads (the split-over-files property test holds them equal).
fn read_input(path: &Path) -> Option<String> {
    if !path.is_dir() {
        return fs::read_to_string(path).ok();
    }
    let mut files: Vec<_> = fs::read_dir(path)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .filter(|file| {
            file.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .filter(|file| {
            !file
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|file| fs::read_to_string(file).ok())
        .collect();
    Some(texts.join("\n---\n"))
}

/// The model `compile` emits from, without images.
fn compiled_model(name: &str, text: String) -> Option<Application> {
    let mut application = infer_application(&SourceFile::new(name, text), Waivers::all()).0?;
    link(&mut application);
    plan_groups(&mut application);
    Some(application)
}

/// What `compile` and `validate` report about the template, which must be the same.
fn reported(application: &Application) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let compiled = emit_template(application).map(|(_, warnings)| warnings);
    let validated = check_template(application);
    let plain = |result: Result<Vec<Diagnostic>, TemplateError>| match result {
        Ok(warnings) => Ok(warnings),
        Err(TemplateError::Refused(problems)) => Err(problems),
        Err(TemplateError::Internal(error)) => panic!("{error}"),
    };
    let (compiled, validated) = (plain(compiled), plain(validated));
    assert_eq!(format!("{compiled:?}"), format!("{validated:?}"));
    compiled
}

/// The record's ids are the template's keys, section by section, within every quota, and the
/// length `validate` counts is the text's. Returns the text.
fn assert_record_is_template(name: &str, application: &Application) -> String {
    let built = build_template(application).expect("builds");
    let template = built.to_text().expect("serializes");
    let json: serde_json::Value = serde_json::from_str(&template).expect("JSON");
    let keys = |section: &str| -> Vec<String> {
        json.get(section)
            .and_then(|v| v.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    for (section, key) in [
        (Section::Parameters, "Parameters"),
        (Section::Conditions, "Conditions"),
        (Section::Resources, "Resources"),
        (Section::Outputs, "Outputs"),
    ] {
        assert_eq!(built.record.ids(section), keys(key), "{name}: {key}");
    }
    let counts = built.record.counts();
    assert!(counts.resources <= MAX_RESOURCES, "{name}");
    assert!(counts.parameters <= MAX_PARAMETERS, "{name}");
    assert!(counts.outputs <= MAX_OUTPUTS, "{name}");
    assert_eq!(
        built.text_len().expect("serializes"),
        template.len(),
        "{name}"
    );
    template
}

#[test]
fn the_record_lists_the_templates_own_ids_for_every_input() {
    let mut compared = 0;
    for (name, text) in inputs() {
        let Some(application) = compiled_model(&name, text) else {
            continue;
        };
        let Ok(warnings) = reported(&application) else {
            continue;
        };
        let template = assert_record_is_template(&name, &application);
        assert_eq!(
            warnings
                .iter()
                .any(|warning| warning.code == Code::TemplateLimit),
            template.len() > MAX_INLINE_TEMPLATE_BYTES,
            "{name}"
        );
        compared += 1;
    }
    assert!(compared > 40, "only {compared} inputs compiled");
}

/// 99 deployments (as many as a template's parameters allow), each behind a service: every
/// count quota is exceeded, and each error states the count the builder recorded.
#[test]
fn each_count_over_its_quota_is_an_error_stating_the_recorded_count() {
    let text: String = (0..99)
        .map(|index| {
            format!(
                "---\nname: web{index}\ncontainers:\n  web: {{image: nginx:1.27.3, ports: [80]}}\n"
            )
        })
        .collect();
    let application = compiled_model("many.yaml", text).expect("reads");
    let counts = plan_template(&application).record.counts();
    assert!(counts.resources > MAX_RESOURCES);
    assert!(counts.parameters > MAX_PARAMETERS);
    assert!(counts.outputs > MAX_OUTPUTS);
    let problems = reported(&application).expect_err("over every quota");
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            format!(
                "the template would have {} resources; CloudFormation allows 500",
                counts.resources
            ),
            format!(
                "the template would have {} parameters; CloudFormation allows 200",
                counts.parameters
            ),
            format!(
                "the template would have {} outputs; CloudFormation allows 200",
                counts.outputs
            ),
        ]
    );
    // One fewer of each is within the quotas: the error comes exactly past them.
    let text: String = (0..40)
        .map(|index| {
            format!(
                "---\nname: web{index}\ncontainers:\n  web: {{image: nginx:1.27.3, ports: [80]}}\n"
            )
        })
        .collect();
    let application = compiled_model("some.yaml", text).expect("reads");
    assert!(reported(&application).is_ok());
}

#[test]
fn the_byte_limits_come_exactly_past_them() {
    assert_eq!(check_bytes(MAX_INLINE_TEMPLATE_BYTES), Ok(Vec::new()));
    let over_inline = check_bytes(MAX_INLINE_TEMPLATE_BYTES + 1).expect("a warning only");
    assert_eq!(over_inline.len(), 1);
    assert_eq!(over_inline[0].severity, Severity::Warning);
    assert!(check_bytes(1_000_000).is_ok());
    let over = check_bytes(1_000_001).expect_err("an error");
    assert_eq!(
        over[0].message,
        "the template would be 1000001 bytes; CloudFormation accepts at most 1000000"
    );
}

/// Long names, many listeners, long certificate ARNs and health check paths grow a template
/// past the inline limit: the warning states the written text's length, in `compile` and
/// `validate` alike.
#[test]
fn a_template_past_the_inline_limit_is_told_its_written_length() {
    let mut over_inline = 0;
    for deployments in [1usize, 3, 12] {
        let mut text = String::new();
        for index in 0..deployments {
            let name = format!("d{index}-{}", "x".repeat(58));
            let arn = format!(
                "arn:aws:acm:eu-west-1:123456789012:certificate/{}",
                "c".repeat(900)
            );
            let path = format!("/{}", "p".repeat(1000));
            text.push_str(&format!(
                "---\nname: {name}\npublic: {}\nhealthCheck: {{path: \"{path}\"}}\ncontainers:\n  web:\n    image: nginx:1.27.3\n    ports: [\"https:443:http:80:{arn}\", \"http:80:http:80\", {{port: 8443, protocol: https, targetPort: 8080, certificate: \"{arn}\"}}]\n",
                index % 2 == 0
            ));
        }
        let application = compiled_model("long.yaml", text).expect("reads");
        let warnings = reported(&application).unwrap_or_else(|e| panic!("{e:?}"));
        let (template, _) = emit_template(&application).unwrap_or_else(|e| panic!("{e:?}"));
        if template.len() > MAX_INLINE_TEMPLATE_BYTES {
            over_inline += 1;
            assert_eq!(warnings.len(), 1, "{deployments}");
            assert!(
                warnings[0]
                    .message
                    .starts_with(&format!("the template is {} bytes", template.len())),
                "{}",
                warnings[0].message
            );
        } else {
            assert!(warnings.is_empty(), "{deployments}");
        }
    }
    assert!(over_inline > 0, "no input reached the inline limit");
}

/// More deployments than a template can hold is refused at the first one too many, located,
/// as the emitter plans the template; past i2kit's own bound on workloads, reading stops
/// before the model of the rest is built (a 1.4 MB file once reached 538 MB).
#[test]
fn too_many_deployments_fail_at_the_first_one_too_many() {
    let manifests = |count: usize| -> String {
        (0..count)
            .map(|i| format!("---\nname: w{i}\ncontainers:\n  app: {{image: busybox:1.37.0}}\n"))
            .collect()
    };
    let (_, compilation) = compile_bytes("many.yaml", manifests(100).as_bytes(), false);
    assert!(compilation.template.is_none());
    let error = compilation
        .diagnostics
        .iter()
        .find(|d| d.message.contains("more than 99 deployments"))
        .unwrap_or_else(|| panic!("{:?}", compilation.diagnostics));
    // The 100th deployment (w99) is named at line 4 * 99 + 2.
    assert_eq!(error.span.map(|span| span.start.line), Some(398));
    assert_eq!(
        compilation.diagnostics.len(),
        1,
        "{:?}",
        compilation.diagnostics
    );

    let (_, compilation) = compile_bytes("many.yaml", manifests(99).as_bytes(), false);
    assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);

    let (_, compilation) =
        compile_bytes("many.yaml", manifests(MAX_WORKLOADS + 50).as_bytes(), false);
    let [error] = compilation.diagnostics.as_slice() else {
        panic!("{:?}", compilation.diagnostics);
    };
    assert_eq!(error.code, Code::InputLimit);
    assert!(
        error
            .message
            .contains(&format!("more than {MAX_WORKLOADS} workloads"))
    );
    // Located at the workload one past the bound, the last one read.
    assert_eq!(
        error.span.map(|span| span.start.line),
        Some(4 * MAX_WORKLOADS + 2)
    );
}

/// Ingress load balancers with the longest names, hosts, paths and ARNs ALB takes, many rules
/// and a group of several Ingresses: the record still lists the template's ids, host records
/// and all, and the inline limit is told from the written length.
#[test]
fn the_record_holds_for_ingresses_with_long_strings() {
    let label = "l".repeat(40);
    let host = format!("{label}.{label}.example.com");
    let arn = format!(
        "arn:aws:acm:us-east-1:123456789012:certificate/{}",
        "c".repeat(200)
    );
    for (ingresses, paths) in [(1usize, 1usize), (3, 16), (2, 25)] {
        let mut text = String::new();
        for index in 0..ingresses {
            let name = format!("i{index}-{}", "n".repeat(58));
            text.push_str(&format!(
                "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n  annotations:\n    alb.ingress.kubernetes.io/group.name: {}\n    alb.ingress.kubernetes.io/group.order: '{index}'\n    alb.ingress.kubernetes.io/scheme: internet-facing\n    alb.ingress.kubernetes.io/ip-address-type: dualstack\n    alb.ingress.kubernetes.io/listen-ports: '[{{\"HTTP\": 80}}, {{\"HTTPS\": 443}}]'\n    alb.ingress.kubernetes.io/certificate-arn: {arn}{index},{arn}x{index}\n    alb.ingress.kubernetes.io/healthcheck-path: /{}\nspec:\n  rules:\n",
                "g".repeat(63),
                "h".repeat(1000),
            ));
            for path in 0..paths {
                let backend = format!("b{}-{}", path % 3, "s".repeat(60));
                text.push_str(&format!(
                    "    - host: p{path}i{index}{host}\n      http:\n        paths:\n          - {{path: /{}{path}, pathType: Prefix, backend: {{service: {{name: {backend}, port: {{number: 80}}}}}}}}\n",
                    "p".repeat(100)
                ));
            }
        }
        for backend in 0..3 {
            let name = format!("b{backend}-{}", "s".repeat(60));
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: app, image: \"nginx:1.27.3\", ports: [{{containerPort: 8080}}]}}]\n"
            ));
        }
        let application = compiled_model("ingress.yaml", text).expect("reads");
        let warnings = reported(&application).unwrap_or_else(|e| panic!("{e:?}"));
        let template = assert_record_is_template("ingress.yaml", &application);
        assert_eq!(
            warnings.len(),
            usize::from(template.len() > MAX_INLINE_TEMPLATE_BYTES),
            "{ingresses} ingresses of {paths} paths"
        );
    }
}
