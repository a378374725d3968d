//! Secrets stay out of VM images: a `Secret` in the input is an error at its line, and its
//! help says how to keep it in AWS Secrets Manager instead, where a reference to a Secret the
//! input does not hold is fetched when the VM boots (`super::external_secrets`).

use super::metadata::{NameRule, read_metadata_as};
use super::object_key::key_problem;
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use std::collections::BTreeSet;

/// Why a compiler that bakes files into machine images must not take secrets.
pub const SECRETS_IN_IMAGES: &str = "secrets must not be baked into machine images, which anyone who can launch or copy the image can read";

/// A `v1 Secret`: an error at its `kind`, and its (name, namespace), so that references to it
/// are not reported again.
pub fn collect(
    mut object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<(String, String)> {
    if !preamble.accepts_api_version(&["v1"], sink) {
        return None;
    }
    let metadata = read_metadata_as(&mut object, NameRule::DnsSubdomain, sink);
    // Only the keys' names are read, for the help; the values never are, so nothing of them
    // can reach an output or a message.
    let mut keys = BTreeSet::new();
    for field in ["data", "stringData"] {
        if let Some(mut map) = object.object(field, sink) {
            keys.extend(
                map.entries()
                    .into_iter()
                    .filter_map(|(key, _)| key.scalar_text())
                    .filter(|key| key_problem(key).is_none()),
            );
            map.accept_all();
        }
    }
    object.accept_all();
    sink.push(secret_in_input(
        &metadata.name,
        &metadata.namespace,
        &keys,
        preamble.kind_span,
    ));
    Some((metadata.name, metadata.namespace.into()))
}

/// The error for a `Secret` object, at its `kind`: its help is the command that stores it in
/// AWS Secrets Manager under the id its references are then fetched by, with its keys.
#[must_use]
pub fn secret_in_input(
    name: &str,
    namespace: &str,
    keys: &BTreeSet<String>,
    span: Span,
) -> Diagnostic {
    let object = if name.is_empty() {
        "a Secret".to_string()
    } else {
        format!("Secret `{name}`")
    };
    let name = if name.is_empty() { "NAME" } else { name };
    let skeleton: serde_json::Map<String, serde_json::Value> = if keys.is_empty() {
        std::iter::once(("KEY".to_string(), "…".into())).collect()
    } else {
        keys.iter().map(|key| (key.clone(), "…".into())).collect()
    };
    Diagnostic::error(
        Code::SecretInInput,
        Some(span),
        format!("{object} cannot be compiled: {SECRETS_IN_IMAGES}"),
    )
    .with_help(format!(
        "keep it out of the input and store it in AWS Secrets Manager, as a JSON object of its keys: `aws secretsmanager create-secret --name {namespace}/{name} --secret-string file://{name}.json` with {name}.json holding `{}`; the pod's `secretKeyRef`, `envFrom.secretRef` and `secret` volumes then fetch it when the VM boots. To keep it under another id, annotate the pod template `secret-id.i2kit.io/{name}: <id>`; for SSM Parameter Store, `i2kit.io/secret-store: parameter-store`",
        serde_json::Value::Object(skeleton)
    ))
}
