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
