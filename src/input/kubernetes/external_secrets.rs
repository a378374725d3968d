//! Secrets kept outside the input: where a pod's containers fetch them when the VM boots.
//! The pod template's annotations choose the store, rename a secret, and name the KMS key
//! that encrypts them:
//! - `i2kit.io/secret-store`: `secrets-manager` (the default) or `parameter-store`;
//! - `secret-id.i2kit.io/<Secret name>`: the id in the store, in place of the default
//!   `<namespace>/<name>` (Parameter Store: `/<namespace>/<name>`);
//! - `i2kit.io/secrets-kms-key`: a customer-managed KMS key's ARN, which the role may then
//!   decrypt with (without it, the store's AWS-managed key, which needs no grant).
//!
//! A Kubernetes key is a key of the secret's JSON object, as External Secrets reads them.

use super::reader::Sink;
use crate::arn::parse_arn;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::boot::{ExternalSecret, SecretStore, check_secret_id};
use crate::source::Span;
use std::collections::BTreeMap;

pub const STORE_ANNOTATION: &str = "i2kit.io/secret-store";
pub const ID_ANNOTATION_PREFIX: &str = "secret-id.i2kit.io/";
pub const KMS_KEY_ANNOTATION: &str = "i2kit.io/secrets-kms-key";

/// What a pod template's annotations say of its external secrets.
#[derive(Debug, Clone, Default)]
pub struct SecretSettings {
    pub store: SecretStore,
    /// Secret name → (id, where the annotation's value is).
    ids: BTreeMap<String, (String, Span)>,
    pub kms_key: Option<String>,
}

impl SecretSettings {
    /// Reads the annotations that concern secrets; the others are left to their readers.
    pub fn read(annotations: &[(String, String, Span)], sink: &mut Sink) -> SecretSettings {
        let mut settings = SecretSettings::default();
        for (key, value, span) in annotations {
            if key == STORE_ANNOTATION {
                settings.store = match value.as_str() {
                    "secrets-manager" => SecretStore::SecretsManager,
                    "parameter-store" => SecretStore::ParameterStore,
                    _ => {
                        sink.push(
                            Diagnostic::error(
                                Code::ExternalSecret,
                                Some(*span),
                                format!("`{STORE_ANNOTATION}` is `{value}`, not a store i2kit fetches from"),
                            )
                            .with_help("write `secrets-manager` (AWS Secrets Manager, the default) or `parameter-store` (SSM Parameter Store)"),
                        );
                        SecretStore::SecretsManager
                    }
                };
            } else if key == KMS_KEY_ANNOTATION {
                let is_key = parse_arn(value).is_some_and(|arn| {
                    arn.service == "kms"
                        && !arn.region.is_empty()
                        && arn.resource.strip_prefix("key/").is_some_and(|id| {
                            !id.is_empty()
                                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        })
                });
                if is_key {
                    settings.kms_key = Some(value.clone());
                } else {
                    sink.push(
                        Diagnostic::error(
                            Code::ExternalSecret,
                            Some(*span),
                            format!("`{KMS_KEY_ANNOTATION}` must be a KMS key's ARN"),
                        )
                        .with_help("write `arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`: IAM grants kms:Decrypt on a key's ARN, not on an alias"),
                    );
                }
            } else if let Some(name) = key.strip_prefix(ID_ANNOTATION_PREFIX) {
                settings
                    .ids
                    .insert(name.to_string(), (value.clone(), *span));
            }
        }
        settings
    }

    /// Where Secret `name` of `namespace` is kept, or why that cannot be named.
    ///
    /// # Errors
    /// I2K071 at the annotation that renames it, or at `reference`, when the id is not one
    /// the store allows.
    pub fn secret(
        &self,
        name: &str,
        namespace: &str,
        reference: Span,
    ) -> Result<ExternalSecret, Diagnostic> {
        let (id, span) = match self.ids.get(name) {
            Some((id, span)) => (id.clone(), *span),
            None => {
                let id = match self.store {
                    SecretStore::SecretsManager => format!("{namespace}/{name}"),
                    SecretStore::ParameterStore => format!("/{namespace}/{name}"),
                };
                (id, reference)
            }
        };
        match check_secret_id(self.store, &id) {
            None => Ok(ExternalSecret {
                store: self.store,
                id,
            }),
            Some(problem) => Err(Diagnostic::error(
                Code::ExternalSecret,
                Some(span),
                format!("Secret `{name}` would be fetched as `{id}`, but {problem}"),
            )
            .with_help(format!(
                "name it in the store with the annotation `{ID_ANNOTATION_PREFIX}{name}: <id>` on the pod template"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotation(key: &str, value: &str) -> (String, String, Span) {
        (key.to_string(), value.to_string(), Span::default())
    }

    #[test]
    fn the_default_id_is_namespace_slash_name_and_an_annotation_renames_it() {
        let mut sink = Sink::default();
        let settings = SecretSettings::read(
            &[annotation("secret-id.i2kit.io/db", "prod/shop/db")],
            &mut sink,
        );
        assert_eq!(sink.error_count(), 0);
        let id = |name: &str| settings.secret(name, "shop", Span::default()).map(|s| s.id);
        assert_eq!(id("db").ok().as_deref(), Some("prod/shop/db"));
        assert_eq!(id("api").ok().as_deref(), Some("shop/api"));
    }

    #[test]
    fn parameter_store_ids_are_paths_and_kms_keys_are_key_arns() {
        let mut sink = Sink::default();
        let settings = SecretSettings::read(
            &[
                annotation(STORE_ANNOTATION, "parameter-store"),
                annotation(
                    KMS_KEY_ANNOTATION,
                    "arn:aws:kms:eu-west-1:123456789012:alias/x",
                ),
            ],
            &mut sink,
        );
        assert_eq!(sink.error_count(), 1);
        assert_eq!(settings.kms_key, None);
        let secret = settings.secret("api", "shop", Span::default()).ok();
        assert_eq!(secret.map(|s| s.id).as_deref(), Some("/shop/api"));
    }
}
