//! The first phase of reading Kubernetes input: each document's objects, read by the reader of
//! their kind into [`Objects`]. A kind i2kit compiles is one entry in [`READERS`], whose
//! function lives in the kind's own module; every other kind is reported by `kinds`.

use super::objects::Objects;
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use super::{
    autoscaler, config_map, deployment, disruption_budget, endpoint_slice, endpoints, fields, helm,
    ingress, ingress_class, kinds, list, network_policy, persistent_volume_claim, secret, service,
    service_account, stateful_set, storage_class,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::yaml::Node;

/// Reads one object whose kind and version are in the preamble, and keeps what it gives.
type ReadKind = fn(Object<'_>, &Preamble<'_>, &mut Objects, &mut Sink);

/// The kinds i2kit compiles, each with its reader.
const READERS: [(&str, ReadKind); 15] = [
    ("Deployment", |object, preamble, objects, sink| {
        if let Some((workload, config)) = deployment::collect(object, preamble, sink) {
            objects.deployments.push(workload);
            objects.pod_configs.push(config);
        }
    }),
    ("StatefulSet", |object, preamble, objects, sink| {
        if let Some((workload, config)) = stateful_set::collect(object, preamble, sink) {
            objects.deployments.push(workload);
            objects.pod_configs.push(config);
        }
    }),
    (
        "PersistentVolumeClaim",
        |object, preamble, objects, sink| {
            let read = persistent_volume_claim::collect(object, preamble, sink);
            objects.claims.extend(read);
        },
    ),
    ("StorageClass", |object, preamble, objects, sink| {
        let read = storage_class::collect(object, preamble, sink);
        objects.storage_classes.extend(read);
    }),
    (
        "Service",
        |object, preamble, objects, sink| match service::collect(object, preamble, sink) {
            Some(service::ReadService::Balanced(service)) => objects.services.push(*service),
            Some(service::ReadService::ExternalName(name)) => objects.external_names.push(name),
            None => {}
        },
    ),
    ("ConfigMap", |object, preamble, objects, sink| {
        if let Some((config_map, name_span)) = config_map::collect(object, preamble, sink) {
            objects.add_config_map(config_map, name_span, sink);
        }
    }),
    ("Secret", |object, preamble, objects, sink| {
        let read = secret::collect(object, preamble, sink);
        objects.secrets.extend(read);
    }),
    ("Ingress", |object, preamble, objects, sink| {
        let read = ingress::collect(object, preamble, sink);
        objects.ingresses.extend(read);
    }),
    ("IngressClass", |object, preamble, objects, sink| {
        let read = ingress_class::collect(object, preamble, sink);
        objects.ingress_classes.extend(read);
    }),
    ("ServiceAccount", |object, preamble, objects, sink| {
        let read = service_account::collect(object, preamble, sink);
        objects.service_accounts.extend(read);
    }),
    (
        "HorizontalPodAutoscaler",
        |object, preamble, objects, sink| {
            let read = autoscaler::collect(object, preamble, sink);
            objects.autoscalers.extend(read);
        },
    ),
    ("PodDisruptionBudget", |object, preamble, objects, sink| {
        let read = disruption_budget::collect(object, preamble, sink);
        objects.budgets.extend(read);
    }),
    ("NetworkPolicy", |object, preamble, objects, sink| {
        let read = network_policy::collect(object, preamble, sink);
        objects.network_policies.extend(read);
    }),
    ("Endpoints", |object, preamble, objects, sink| {
        let read = endpoints::collect(object, preamble, sink);
        objects.endpoints.extend(read);
    }),
    ("EndpointSlice", |object, preamble, objects, sink| {
        let read = endpoint_slice::collect(object, preamble, sink);
        objects.endpoints.extend(read);
    }),
];

/// Reads one document (an object, or a List of them) into `objects`.
pub fn collect(root: &Node, objects: &mut Objects, sink: &mut Sink) {
    let Some(mut object) = Object::new(root, "", sink) else {
        return;
    };
    let kind = object.string("kind", sink);
    let api_version = object.string("apiVersion", sink);
    let Some(kind) = kind else {
        sink.push(
            Diagnostic::error(
                Code::MissingField,
                Some(root.span),
                "a Kubernetes object needs `kind`",
            )
            .with_help("add `kind: Deployment` or `kind: Service`"),
        );
        return;
    };
    if let Some(events) = helm::hook_events(root) {
        object.accept_all();
        sink.push(helm::skipped_hook(root, &kind, &events));
        return;
    }
    fields::check(root, &kind, api_version.as_deref(), sink);
    if list::is_list(&kind, root) {
        list::collect_items(object, objects, sink, collect);
        return;
    }
    let kind_span = root.get("kind").map_or(root.span, |node| node.span);
    match READERS.iter().find(|(name, _)| *name == kind) {
        Some((_, read)) => {
            let preamble = Preamble {
                root,
                kind,
                api_version,
                kind_span,
                order: objects.next_order(),
            };
            read(object, &preamble, objects, sink);
        }
        None => kinds::report_uncompiled(object, &kind, kind_span, sink),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The apiVersions each reader accepts: its own constant where it has one (the v1 kinds
    /// check the literal "v1"). A reader added without an entry here fails the test below.
    fn versions_read(kind: &str) -> Option<&'static [&'static str]> {
        Some(match kind {
            "Deployment" => &deployment::DEPLOYMENT_API_VERSIONS,
            "StatefulSet" => &stateful_set::API_VERSIONS,
            "StorageClass" => &[storage_class::API_VERSION],
            "Service"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "PersistentVolumeClaim"
            | "Endpoints" => &["v1"],
            "Ingress" => &[ingress::API_VERSION],
            "IngressClass" => &[ingress_class::API_VERSION],
            "HorizontalPodAutoscaler" => &autoscaler::API_VERSIONS,
            "PodDisruptionBudget" => &disruption_budget::API_VERSIONS,
            "NetworkPolicy" => &[network_policy::API_VERSION],
            "EndpointSlice" => &[endpoint_slice::API_VERSION],
            _ => return None,
        })
    }

    #[test]
    fn every_kind_and_version_read_has_its_fields() {
        for (kind, _) in &READERS {
            let versions = versions_read(kind)
                .unwrap_or_else(|| panic!("say which apiVersions of {kind} are read, above"));
            for version in versions {
                assert!(
                    fields::entry(kind, Some(version)).is_some(),
                    "{kind} {version} is read but has no fields: add it to ROOTS in tools/kubernetes-fields/generate.py and regenerate"
                );
            }
            assert!(
                fields::entry(kind, None).is_some_and(|entry| entry.api_version == versions[0]),
                "{kind} without apiVersion is not checked against the version its reader reads first"
            );
        }
        assert!(fields::entry("List", Some("v1")).is_some());
    }

    #[test]
    fn each_kind_read_has_one_reader_no_disposition_and_a_spelling_hint() {
        for (index, (kind, _)) in READERS.iter().enumerate() {
            assert!(
                READERS[index + 1..].iter().all(|(other, _)| other != kind),
                "{kind} has two readers"
            );
            assert_eq!(
                kinds::disposition(kind),
                None,
                "{kind} is read and disposed of"
            );
            assert!(
                kinds::COMMON_KINDS.contains(kind),
                "{kind} is missing from COMMON_KINDS, so a misspelling of it gets no hint"
            );
        }
    }
}
