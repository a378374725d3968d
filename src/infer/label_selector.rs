//! Label selection, as Kubernetes does it: a selector picks the Deployments whose pod template
//! carries every label it names, within its own namespace. Services, Ingress routing and
//! PodDisruptionBudgets all select this way; a short manifest's service selects the one
//! workload of its own document.

use crate::diagnostic::{did_you_mean, one_slip_from};
use crate::model::intent::{Selector, Service, Workload};
use std::collections::BTreeSet;

/// Whether `service` selects the Deployment. A Service without a selector selects no pod
/// (its addresses, if any, are its Endpoints': `crate::infer::endpoints`).
pub fn selects(service: &Service, pending: &Workload) -> bool {
    match &service.selector {
        Selector::Labels(labels) => {
            !labels.is_empty() && matches(&service.namespace, labels, pending)
        }
        Selector::SameDocument(order) => *order == pending.order,
    }
}

/// Whether a label selector in `namespace` picks the Deployment: every label it names is on
/// the pod template, in the same namespace (Services, PodDisruptionBudgets).
pub fn matches(namespace: &str, selector: &[(String, String)], pending: &Workload) -> bool {
    namespace == pending.deployment.namespace
        && selector.iter().all(|label| pending.labels.contains(label))
}

/// How many of a namespace's labels a help lists before it says how many more there are.
const LISTED_LABELS: usize = 12;

/// Why a label selector in `namespace` picks no Deployment, for its error's help: each label of
/// the selector that no pod template there carries, with the closest that one does, then the
/// labels the namespace's pod templates carry, so a typo shows beside what was meant.
#[must_use]
pub fn explain_no_match(
    namespace: &str,
    selector: &[(String, String)],
    deployments: &[Workload],
) -> String {
    let present: BTreeSet<&(String, String)> = deployments
        .iter()
        .filter(|pending| pending.deployment.namespace == namespace)
        .flat_map(|pending| pending.labels.iter())
        .collect();
    let mut parts: Vec<String> = selector
        .iter()
        .filter(|label| !present.contains(label))
        .map(|label| match closest(label, &present) {
            Some(closest) => format!(
                "`{}` is on no pod template (did you mean `{}`?)",
                render(label),
                render(&closest)
            ),
            None => format!("`{}` is on no pod template", render(label)),
        })
        .collect();
    if parts.is_empty() {
        parts.push(
            "each of its labels is on some pod template, but none carries them all".to_string(),
        );
    }
    if present.is_empty() {
        parts.push(format!(
            "no Deployment of namespace `{namespace}` in this input has pod labels"
        ));
    } else {
        let mut listed: Vec<String> = present
            .iter()
            .take(LISTED_LABELS)
            .map(|label| format!("`{}`", render(label)))
            .collect();
        if present.len() > LISTED_LABELS {
            listed.push(format!("and {} more", present.len() - LISTED_LABELS));
        }
        parts.push(format!(
            "the pod templates of namespace `{namespace}` carry {}",
            listed.join(", ")
        ));
    }
    if let Some(elsewhere) = deployments.iter().find(|pending| {
        !selector.is_empty()
            && pending.deployment.namespace != namespace
            && selector.iter().all(|label| pending.labels.contains(label))
    }) {
        parts.push(format!(
            "Deployment `{}` of namespace `{}` carries them all, but a selector picks only in its own namespace",
            elsewhere.deployment.name, elsewhere.deployment.namespace
        ));
    }
    parts.join("; ")
}

/// The label of `present` closest to `wanted`: the same key with a value like it, or a key
/// like it (with the same value if that is there, else the closest of its values), or else
/// the one label with the same value (`tier: cache` for `role: cache`). Key and
/// value are compared apart: whole pairs sharing a key such as `app: ` look alike whatever
/// their values.
fn closest<'a>(
    wanted: &(String, String),
    present: &BTreeSet<&'a (String, String)>,
) -> Option<(String, String)> {
    let (key, value) = wanted;
    let values_of = |key: &str| -> Vec<&'a str> {
        present
            .iter()
            .filter(|(other, _)| other == key)
            .map(|(_, value)| value.as_str())
            .collect()
    };
    let like = |word: &str, candidates: Vec<&'a str>| {
        did_you_mean(word, candidates.iter().copied()).or_else(|| one_slip_from(word, candidates))
    };
    if present.iter().any(|(other, _)| other == key) {
        return like(value, values_of(key.as_str())).map(|found| (key.clone(), found.to_string()));
    }
    let keys: BTreeSet<&str> = present.iter().map(|(key, _)| key.as_str()).collect();
    let Some(similar) = like(key, keys.into_iter().collect()) else {
        // No key like it: the one label with the same value under another key, if one is.
        let mut same_value = present.iter().filter(|(_, other)| other == value);
        let found = same_value.next()?;
        return same_value.next().is_none().then(|| (*found).clone());
    };
    if present.contains(&(similar.to_string(), value.clone())) {
        return Some((similar.to_string(), value.clone()));
    }
    like(value, values_of(similar)).map(|found| (similar.to_string(), found.to_string()))
}

/// A label as a selector and a pod template write it.
fn render((key, value): &(String, String)) -> String {
    format!("{key}: {value}")
}
