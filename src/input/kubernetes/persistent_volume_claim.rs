//! PersistentVolumeClaim → a disk of the VM's own for the one VM that mounts it. An EBS volume
//! attaches to one instance at a time (ReadWriteOnce), so the Deployment that mounts a claim
//! becomes one instance with that volume, as a StatefulSet's ordinal does; a claim more VMs
//! would need at once (more replicas, an autoscaler, a second workload) is an error.

use super::metadata::{Metadata, split_metadata_and_spec};
use super::objects::Objects;
use super::preamble::Preamble;
use super::reader::{Object, Sink, missing_spec};
use super::storage_class::resolve_claim;
use super::volume_claim::{PersistentClaim, read_claim_spec};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::Namespace;
use crate::model::stateful::{Claim, Retention, Stateful};
use std::collections::BTreeMap;

/// Reads a `v1 PersistentVolumeClaim`.
pub fn collect(
    object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<PersistentClaim> {
    if !preamble.accepts_api_version(&["v1"], sink) {
        return None;
    }
    let (
        Metadata {
            name,
            name_span,
            namespace,
            ..
        },
        spec,
    ) = split_metadata_and_spec(object, sink);
    let Some(spec) = spec else {
        sink.push(missing_spec("PersistentVolumeClaim", &name, name_span));
        return None;
    };
    let request = read_claim_spec(spec, name.clone(), name_span, sink);
    Some(PersistentClaim {
        name,
        namespace,
        request,
        span: name_span,
    })
}

/// Gives each workload that mounts PersistentVolumeClaims their volumes, or an error at the
/// reference: a claim the input lacks, one mounted by a workload of several replicas, or one
/// two workloads mount. A claim no pod mounts is warned about: nothing would create it.
pub fn resolve_claims(objects: &mut Objects, sink: &mut Sink) {
    let claims: BTreeMap<(Namespace, String), &PersistentClaim> = objects
        .claims
        .iter()
        .map(|claim| ((claim.namespace.clone(), claim.name.clone()), claim))
        .collect();
    let mut users: BTreeMap<(Namespace, String), String> = BTreeMap::new();
    let classes = &objects.storage_classes;
    for (pending, config) in objects.deployments.iter_mut().zip(&objects.pod_configs) {
        // A StatefulSet's own claims, each with the volume its class gives.
        let templates: Vec<Claim> = config
            .claim_templates
            .iter()
            .filter_map(|request| resolve_claim(request, classes, sink))
            .collect();
        if templates.len() < config.claim_templates.len() {
            pending.failed = true;
        }
        if let Some(stateful) = pending.deployment.stateful.as_mut() {
            stateful.claims.extend(templates);
            stateful.fs_group = config.fs_group;
        }
        if config.claims.is_empty() {
            continue;
        }
        let errors_before = sink.error_count();
        let deployment = &mut pending.deployment;
        let mut disks = Vec::new();
        for used in &config.claims {
            let key = (deployment.namespace.clone(), used.claim.clone());
            let Some(found) = claims.get(&key) else {
                sink.push(
                    Diagnostic::error(
                        Code::ExternalReference,
                        Some(used.span),
                        format!(
                            "PersistentVolumeClaim `{}` is not in namespace `{}` of this input",
                            used.claim, deployment.namespace
                        ),
                    )
                    .with_help("add the PersistentVolumeClaim to the input: i2kit creates its volume with the stack"),
                );
                continue;
            };
            if let Some(first) = users
                .get(&key)
                .filter(|first| **first != deployment.name.as_str())
            {
                sink.push(
                    Diagnostic::error(
                        Code::ClaimSharing,
                        Some(used.span),
                        format!(
                            "PersistentVolumeClaim `{}` is mounted by `{first}` too, and its EBS volume attaches to one VM at a time (ReadWriteOnce)",
                            used.claim
                        ),
                    )
                    .with_help("give each workload a claim of its own, or keep data several VMs share in a shared store (EFS, S3)"),
                );
                continue;
            }
            users.insert(key, deployment.name.as_str().to_string());
            if let Some(claim) = found
                .request
                .as_ref()
                .and_then(|request| resolve_claim(request, classes, sink))
            {
                disks.push(Claim {
                    name: used.volume.clone(),
                    ..claim
                });
            }
        }
        if deployment.replicas > 1 {
            let span = pending
                .replicas_span
                .or(config.claims.first().map(|used| used.span));
            sink.push(
                Diagnostic::error(
                    Code::ClaimSharing,
                    span,
                    format!(
                        "`{}` runs {} replicas and mounts PersistentVolumeClaim `{}`, whose EBS volume attaches to one VM at a time (ReadWriteOnce)",
                        deployment.name,
                        deployment.replicas,
                        config.claims.first().map_or("", |used| used.claim.as_str())
                    ),
                )
                .with_help("run one replica, or make it a StatefulSet with volumeClaimTemplates, which gives each replica a volume of its own"),
            );
        }
        match &mut deployment.stateful {
            Some(stateful) => stateful.claims.extend(disks),
            None => {
                deployment.stateful = Some(Stateful {
                    fs_group: config.fs_group,
                    start: 0,
                    claims: disks,
                    // A standalone claim outlives the workload, as in Kubernetes.
                    retention: Retention::Retain,
                    service_name: None,
                    ordered: true,
                    headless: Vec::new(),
                    ports: Vec::new(),
                });
            }
        }
        if sink.error_count() > errors_before {
            pending.failed = true;
        }
    }
    for claim in &objects.claims {
        if !users.contains_key(&(claim.namespace.clone(), claim.name.clone())) {
            sink.push(Diagnostic::warning(
                Code::IgnoredKind,
                Some(claim.span),
                format!(
                    "PersistentVolumeClaim `{}` is ignored: no pod of the input mounts it, and i2kit creates a volume only for the VM that mounts it",
                    claim.name
                ),
            ));
        }
    }
}
