//! Valid manifests skip the schema validator (it costs most of a run), so the Rust types plus
//! `within_schema_limits` must accept exactly what the schema accepts. Checked on every
//! fixture and example, and on generated manifests with values around every limit.

use i2kit::input::manifest::{Manifest, within_schema_limits};
use i2kit::input::schema::check_against_schema;
use i2kit::yaml::{Node, parse_documents};
use proptest::prelude::*;
use std::fs;

mod common;
use common::manifest_inputs;

fn fast_path_accepts(root: &Node) -> bool {
    serde_json::from_value::<Manifest>(root.to_json())
        .is_ok_and(|manifest| within_schema_limits(&manifest))
}

fn schema_accepts(root: &Node) -> bool {
    check_against_schema(root).is_empty()
}

fn short_documents(text: &str) -> Vec<Node> {
    parse_documents(text)
        .map(|documents| {
            documents
                .into_iter()
                .map(|document| document.root)
                .filter(|root| matches!(root.value, i2kit::yaml::Value::Mapping(_)))
                .filter(|root| root.get("apiVersion").is_none() && root.get("kind").is_none())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn fixtures_and_examples_agree() {
    let mut compared = 0;
    for path in manifest_inputs() {
        let text = fs::read_to_string(&path).expect("readable");
        for document in short_documents(&text) {
            compared += 1;
            assert_eq!(
                fast_path_accepts(&document),
                schema_accepts(&document),
                "{}: the types and the schema disagree at line {}",
                path.display(),
                document.span.start.line
            );
        }
    }
    assert!(compared > 40, "only {compared} documents compared");
}

/// Values just inside and just outside each limit the schema states. The first value is a
/// valid one and is drawn most often, so most cases break one limit at a time.
fn around<T: Clone + std::fmt::Debug + 'static>(values: Vec<T>) -> impl Strategy<Value = T> {
    let valid = values[0].clone();
    prop_oneof![6 => Just(valid), 1 => proptest::sample::select(values)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_manifests_agree(
        name in around(vec!["web", "a", "Web", "-web", "web-", "a_b", "", "x".repeat(63).leak(), "x".repeat(64).leak()]),
        replicas in around(vec![0i64, 1, 10_000, 10_001, -1]),
        instance_type in around(vec!["t3.micro", "m7i.large", "t3", "T3.micro", ".large", "t3.", "u-6tb1.metal"]),
        port in around(vec![serde_json::json!(0), serde_json::json!(1), serde_json::json!(65535), serde_json::json!(65536),
            serde_json::json!("8080:80"), serde_json::json!("https:443:http:80"), serde_json::json!(":80"), serde_json::json!("80:"),
            serde_json::json!({"port": 0}), serde_json::json!({"port": 443, "certificate": "nope"}), serde_json::json!({"port": 80, "targetPort": 0})]),
        interval in around(vec![None, Some(4), Some(5), Some(300), Some(301)]),
        timeout in around(vec![None, Some(1), Some(2), Some(120), Some(121)]),
        threshold in around(vec![None, Some(1), Some(2), Some(10), Some(11)]),
        path in around(vec![None, Some("/healthz"), Some("healthz")]),
        pause in around(vec![None, Some(0), Some(3600), Some(3601)]),
        surge in around(vec![None, Some(serde_json::json!("25%")), Some(serde_json::json!("1000%")), Some(serde_json::json!("%")), Some(serde_json::json!(2))]),
        image in around(vec!["nginx:1.27.3", ""]),
        empty_containers in proptest::bool::weighted(0.1),
        autoscaling in around(vec![None, Some(serde_json::json!({"max": 3})), Some(serde_json::json!({"min": 0, "max": 3})),
            Some(serde_json::json!({"min": 1, "max": 10_000, "cpu": 100})), Some(serde_json::json!({"max": 10_001})),
            Some(serde_json::json!({"max": 2, "cpu": 0})), Some(serde_json::json!({"max": 2, "cpu": 101})), Some(serde_json::json!({"min": 2})),
            Some(serde_json::json!({"max": 2, "memory": 50}))]),
        role in around(vec![None, Some("arn:aws:iam::123456789012:role/web"), Some("arn:aws-us-gov:iam::123456789012:role/a/b/web"),
            Some("arn:aws:iam::12345678901:role/web"), Some("arn:aws:iam::123456789012:role//web"), Some("arn:aws:iam::123456789012:role/"),
            Some("arn:aws-eu:iam::123456789012:role/web"), Some("arn:aws:iam::123456789012:role/p:q/web"), Some("arn:aws:iam::123456789012:role/web name"),
            Some("arn:aws:iam::123456789012:user/web"), Some("arn:aws:iam:us-east-1:123456789012:role/web")]),
    ) {
        let mut health = serde_json::Map::new();
        if let Some(value) = interval { health.insert("intervalSeconds".into(), value.into()); }
        if let Some(value) = timeout { health.insert("timeoutSeconds".into(), value.into()); }
        if let Some(value) = threshold { health.insert("healthyThreshold".into(), value.into()); }
        if let Some(value) = path { health.insert("path".into(), value.into()); }
        let mut update = serde_json::Map::new();
        if let Some(value) = pause { update.insert("pauseSeconds".into(), value.into()); }
        if let Some(value) = surge { update.insert("maxSurge".into(), value); }
        let containers = if empty_containers {
            serde_json::json!({})
        } else {
            serde_json::json!({"web": {"image": image, "ports": [port]}})
        };
        let mut manifest = serde_json::json!({
            "name": name, "replicas": replicas, "instanceType": instance_type,
            "healthCheck": health, "update": update, "containers": containers,
        });
        if let Some(autoscaling) = autoscaling { manifest["autoscaling"] = autoscaling; }
        if let Some(role) = role { manifest["role"] = role.into(); }
        let text = serde_json::to_string(&manifest).expect("JSON");
        let documents = short_documents(&text);
        let document = documents.first().expect("one document");
        // Port strings are checked beside the schema in both paths; compare the rest.
        prop_assume!(i2kit::input::short::check_port_strings(document).is_empty());
        prop_assert_eq!(fast_path_accepts(document), schema_accepts(document), "{}", text);
    }
}

/// `schema/images-lock.schema.json` documents the lock format that `--images` reads: on every
/// fixture's lock, the schema and the reader accept and refuse alike.
#[test]
fn image_lock_schema_and_reader_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join("schema/images-lock.schema.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let mut compared = 0;
    let mut refused = 0;
    for entry in fs::read_dir(root.join("tests/fixtures"))
        .expect("fixtures")
        .flatten()
    {
        let path = entry.path().join("images.lock.json");
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let reader_accepts = i2kit::image_lock::read_lock(&i2kit::source::SourceFile::new(
            "images.lock.json",
            text.as_str(),
        ))
        .is_ok();
        let schema_accepts = serde_json::from_str::<serde_json::Value>(&text)
            .is_ok_and(|instance| validator.is_valid(&instance));
        assert_eq!(
            reader_accepts,
            schema_accepts,
            "{}: reader {reader_accepts}, schema {schema_accepts}",
            path.display()
        );
        compared += 1;
        refused += usize::from(!reader_accepts);
    }
    assert!(
        compared >= 5 && refused >= 2,
        "{compared} locks, {refused} refused"
    );
}
