//! The quota counts taken from the model before a template is built must equal what the
//! built template holds, for every example and fixture that compiles: the early check is only
//! as good as this agreement.

use i2kit::emit::cloudformation::{
    count_template, emit_template, logical_ids, template_size_bound,
};
use i2kit::infer::group::plan_groups;
use i2kit::infer::link::link;
use i2kit::input::kubernetes::restriction::Waivers;
use i2kit::input::read_application;
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

#[test]
fn counts_from_the_model_match_the_built_template() {
    let mut compared = 0;
    for (name, text) in inputs() {
        let source = SourceFile::new(&name, text);
        let Some(mut application) = read_application(&source, Waivers::all()).application else {
            continue;
        };
        link(&mut application);
        plan_groups(&mut application);
        let Ok((template, _)) = emit_template(&application) else {
            continue;
        };
        let json: serde_json::Value = serde_json::from_str(&template).expect("JSON");
        let len = |section: &str| {
            json.get(section)
                .and_then(|v| v.as_object())
                .map_or(0, |o| o.len())
        };
        let counts = count_template(&application);
        assert_eq!(
            (counts.parameters, counts.resources, counts.outputs),
            (len("Parameters"), len("Resources"), len("Outputs")),
            "{name}"
        );
        let keys = |section: &str| -> Vec<String> {
            json.get(section)
                .and_then(|v| v.as_object())
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let [parameters, conditions, resources, outputs] = logical_ids(&application);
        assert_eq!(parameters, keys("Parameters"), "{name}: parameter ids");
        assert_eq!(conditions, keys("Conditions"), "{name}: condition ids");
        assert_eq!(resources, keys("Resources"), "{name}: resource ids");
        assert_eq!(outputs, keys("Outputs"), "{name}: output ids");
        let bound = template_size_bound(&application);
        assert!(
            bound >= template.len(),
            "{name}: bound {bound} < {} bytes",
            template.len()
        );
        compared += 1;
    }
    assert!(compared > 40, "only {compared} inputs compiled");
}

/// Long names, many listeners, long certificate ARNs and health check paths: the strings that
/// grow a template, at sizes no fixture reaches.
#[test]
fn the_size_bound_holds_for_long_strings_and_many_listeners() {
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
        let source = SourceFile::new("long.yaml", text);
        let reading = read_application(&source, Waivers::default());
        let mut application = reading
            .application
            .unwrap_or_else(|| panic!("{:?}", reading.diagnostics));
        link(&mut application);
        plan_groups(&mut application);
        let (template, _) = emit_template(&application).unwrap_or_else(|e| panic!("{e:?}"));
        let bound = template_size_bound(&application);
        assert!(
            bound >= template.len(),
            "{deployments}: bound {bound} < {}",
            template.len()
        );
    }
}

/// A file of more deployments than a template can hold stops at the first one too many,
/// located, before the model of the rest is built (a 1.4 MB file once reached 538 MB).
#[test]
fn too_many_deployments_fail_at_the_first_one_too_many() {
    let text: String = (0..150)
        .map(|i| format!("---\nname: w{i}\ncontainers:\n  app: {{image: busybox:1.37.0}}\n"))
        .collect();
    let reading = read_application(&SourceFile::new("many.yaml", text), Waivers::default());
    assert!(reading.application.is_none());
    let error = reading
        .diagnostics
        .iter()
        .find(|d| d.message.contains("more than 99 deployments"))
        .unwrap_or_else(|| panic!("{:?}", reading.diagnostics));
    // The 100th deployment (w99) starts at line 4 * 99 + 2.
    assert_eq!(error.span.map(|span| span.start.line), Some(398));
}

/// Ingress load balancers with the longest names, hosts, paths and ARNs ALB takes, many rules
/// and a group of several Ingresses: the size bound still holds, and the counts and ids taken
/// from the model still match the template.
#[test]
fn the_size_bound_and_counts_hold_for_ingresses_with_long_strings() {
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
        let source = SourceFile::new("ingress.yaml", text);
        let reading = read_application(&source, Waivers::default());
        let mut application = reading
            .application
            .unwrap_or_else(|| panic!("{:?}", reading.diagnostics));
        link(&mut application);
        plan_groups(&mut application);
        let (template, _) = emit_template(&application).unwrap_or_else(|e| panic!("{e:?}"));
        let json: serde_json::Value = serde_json::from_str(&template).expect("JSON");
        let counts = count_template(&application);
        let len = |section: &str| json[section].as_object().map_or(0, serde_json::Map::len);
        assert_eq!(
            (counts.parameters, counts.resources, counts.outputs),
            (len("Parameters"), len("Resources"), len("Outputs")),
            "{ingresses} ingresses of {paths} paths"
        );
        let bound = template_size_bound(&application);
        assert!(
            bound >= template.len(),
            "{ingresses} ingresses of {paths} paths: bound {bound} < {}",
            template.len()
        );
    }
}
