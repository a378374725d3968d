//! Generated documentation stays in sync with the code that defines it.

use std::fs;
use std::path::Path;

fn check_generated(relative: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("I2KIT_BLESS").is_some() {
        fs::create_dir_all(path.parent().expect("a folder")).expect("create folder");
        fs::write(&path, generated).expect("write generated doc");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} is stale: run `I2KIT_BLESS=1 cargo test --test docs`"
    );
}

#[test]
fn diagnostic_codes_are_documented() {
    check_generated("docs/diagnostics.md", &i2kit::diagnostic::codes_markdown());
}

#[test]
fn manifest_reference_is_generated_from_the_schema() {
    check_generated(
        "docs/manifest.md",
        &i2kit::input::schema::reference_markdown(),
    );
}

/// Editors show a property's title and description on hover: every property has both.
#[test]
fn every_schema_property_has_a_title_and_description() {
    fn walk(value: &serde_json::Value, path: &str, missing: &mut Vec<String>) {
        if let Some(serde_json::Value::Object(properties)) = value.get("properties") {
            for (name, property) in properties {
                for key in ["title", "description"] {
                    if property
                        .get(key)
                        .and_then(serde_json::Value::as_str)
                        .is_none_or(str::is_empty)
                    {
                        missing.push(format!("{path}/{name}: {key}"));
                    }
                }
            }
        }
        if let serde_json::Value::Object(entries) = value {
            for (key, child) in entries {
                walk(child, &format!("{path}/{key}"), missing);
            }
        }
    }
    let schema = i2kit::input::schema::manifest_schema();
    let mut missing = Vec::new();
    walk(schema, "", &mut missing);
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(
        schema.get("$id").is_some()
            && schema.get("title").is_some()
            && schema.get("examples").is_some()
    );
}
