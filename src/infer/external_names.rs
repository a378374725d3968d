//! The external-names pass: each `ExternalName` Service keeps its name, unless another Service
//! of the input has the same name in the same namespace. Kubernetes stores one object per name
//! and namespace, so `kubectl apply` of both would keep only the last, and which one the
//! author meant cannot be told: an error at the second, never a silent choice.

use crate::diagnostic::{Code, Diagnostic, other_line};
use crate::model::intent::Service;
use crate::model::{ExternalName, Namespace, ServiceName};
use crate::source::Span;
use std::collections::BTreeMap;

/// The external names to compile, in document order; an error for each that shares its name
/// and namespace with a Service read before it.
#[must_use]
pub fn resolve_external_names(
    mut names: Vec<ExternalName>,
    services: &[Service],
    sink: &mut Vec<Diagnostic>,
) -> Vec<ExternalName> {
    names.sort_by_key(|name| name.order);
    // (namespace, name) → where the first Service of it is written: Services with load
    // balancers first, then each external name as it is kept.
    let mut first: BTreeMap<(Namespace, ServiceName), Span> = BTreeMap::new();
    for service in services {
        // A refused name (already an error) is the name of nothing.
        if let Some(name) = service.name.checked() {
            first
                .entry((service.namespace.clone(), name.clone()))
                .or_insert(service.span);
        }
    }
    let mut kept = Vec::with_capacity(names.len());
    for name in names {
        let key = (name.namespace.clone(), name.name.clone());
        if let Some(other) = first.get(&key) {
            let place = other_line(*other, name.span);
            sink.push(
                Diagnostic::error(
                    Code::DuplicateDeployment,
                    Some(name.span),
                    format!(
                        "Service `{}` of namespace `{}` is defined twice",
                        name.name, name.namespace
                    ),
                )
                .with_help(format!(
                    "{place}Kubernetes keeps one Service per name and namespace: rename one of them"
                )),
            );
        } else {
            first.insert(key, name.span);
            kept.push(name);
        }
    }
    kept
}
