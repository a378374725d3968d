//! StatefulSet → a deployment whose VMs are ordinals, each with its own name and disks: the
//! pod template as a Deployment's, plus its volume claims, its ordinals, its update strategy
//! and what becomes of its volumes.

use super::deployment::{OwnFields, read_strategy, read_workload};
use super::pod::PodConfig;
use super::preamble::Preamble;
use super::reader::{Object, Sink};
use super::volume_claim::{ClaimRequest, read_claim_spec};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::rules;
use crate::model::intent::Workload;
use crate::model::intent::requests::Amount;
use crate::model::stateful::{Retention, Stateful};
use crate::source::Span;

pub const API_VERSIONS: [&str; 1] = ["apps/v1"];

/// What the StatefulSet says beside its pod template.
struct SetFields {
    start: u32,
    claims: Vec<ClaimRequest>,
    /// Every claim's name, read with errors or not, so mounts of it are not reported again.
    claim_names: Vec<String>,
    retention: Retention,
    service_name: Option<String>,
    ordered: bool,
}

/// Reads a StatefulSet of apps/v1.
pub fn collect(
    object: Object<'_>,
    preamble: &Preamble<'_>,
    sink: &mut Sink,
) -> Option<(Workload, PodConfig)> {
    if !preamble.accepts_api_version(&API_VERSIONS, sink) {
        return None;
    }
    let (mut workload, mut config, set) =
        read_workload(object, preamble.order, "StatefulSet", sink, |spec, sink| {
            let set = read_set_fields(spec, sink);
            let min_ready = spec.key_span("minReadySeconds");
            let mut rollout = read_strategy(spec, sink);
            if let Some(span) = min_ready {
                sink.ignored(
                    span,
                    "spec.minReadySeconds",
                    "the ordinals are instances of the stack, which no Auto Scaling group paces",
                );
            }
            // One ordinal at a time and never a surge: an ordinal's disk attaches to one VM.
            rollout.max_surge = Amount::Count(0);
            rollout.max_unavailable = Amount::Count(1);
            rollout.span = spec.key_span("updateStrategy");
            OwnFields {
                rollout,
                claims: set.claim_names.clone(),
                own: set,
            }
        })?;
    // The claims' volumes are made once their storage classes are known
    // (`persistent_volume_claim::resolve_claims`).
    config.claim_templates = set.claims;
    workload.deployment.stateful = Some(Stateful {
        start: set.start,
        claims: Vec::new(),
        retention: set.retention,
        service_name: set.service_name,
        ordered: set.ordered,
        fs_group: None,
        headless: Vec::new(),
        ports: Vec::new(),
    });
    Some((workload, config))
}

fn read_set_fields(spec: &mut Object<'_>, sink: &mut Sink) -> SetFields {
    let service_name = spec.string("serviceName", sink);
    let start = spec
        .object("ordinals", sink)
        .and_then(|mut ordinals| {
            let start = ordinals.integer("start", sink);
            ordinals.finish(sink, |_| None);
            start
        })
        .map_or(0, |(value, span)| {
            // Kubernetes takes an int32 of 0 or more (apps/v1 StatefulSetOrdinals.start).
            u32::try_from(value)
                .ok()
                .filter(|start| i32::try_from(*start).is_ok())
                .unwrap_or_else(|| {
                    sink.push(Diagnostic::error(
                        Code::InvalidValue,
                        Some(span),
                        format!("ordinals.start {value} is not within 0–{}", i32::MAX),
                    ));
                    0
                })
        });
    let ordered = match spec.string("podManagementPolicy", sink).as_deref() {
        None | Some("OrderedReady") => true,
        Some("Parallel") => false,
        Some(other) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                spec.value_span("podManagementPolicy"),
                format!("podManagementPolicy `{other}` is not OrderedReady or Parallel"),
            ));
            true
        }
    };
    read_update_strategy(spec, sink);
    let retention = read_retention(spec, sink);
    let mut claims: Vec<ClaimRequest> = Vec::new();
    let mut claim_names: Vec<String> = Vec::new();
    let path = spec.child("volumeClaimTemplates");
    for (index, node) in spec.list("volumeClaimTemplates", sink).iter().enumerate() {
        let Some(template) = Object::new(node, &format!("{path}[{index}]"), sink) else {
            continue;
        };
        if let Some((name, span, claim)) = read_claim(template, sink) {
            if claim_names.contains(&name) {
                sink.push(
                    Diagnostic::error(
                        Code::PodConflict,
                        Some(span),
                        format!("a volume claim named `{name}` is already declared"),
                    )
                    .with_help("Kubernetes refuses two claims of one name: rename one"),
                );
                continue;
            }
            claim_names.push(name);
            claims.extend(claim);
        }
    }
    SetFields {
        start,
        claims,
        claim_names,
        retention,
        service_name,
        ordered,
    }
}

/// `updateStrategy`: each ordinal's VM is replaced when its launch template changes, by
/// CloudFormation, in the order of the ordinals' dependencies. What waits for a person
/// (`OnDelete`) or keeps some ordinals at the old template (`partition`) cannot be carried out
/// by a stack update, so it is an error rather than a different rollout.
fn read_update_strategy(spec: &mut Object<'_>, sink: &mut Sink) {
    let Some(mut strategy) = spec.object("updateStrategy", sink) else {
        return;
    };
    match strategy.string("type", sink).as_deref() {
        None | Some("RollingUpdate") => {}
        Some("OnDelete") => sink.push(
            Diagnostic::error(
                Code::StatefulUpdate,
                strategy.value_span("type"),
                "updateStrategy `OnDelete` cannot be compiled: a stack update replaces each ordinal's VM as soon as its launch template changes, and nothing waits for you to delete it",
            )
            .with_help("remove `updateStrategy` (RollingUpdate: the stack update replaces the ordinals), and deploy the new template when you are ready to replace them"),
        ),
        Some(other) => sink.push(Diagnostic::error(
            Code::InvalidValue,
            strategy.value_span("type"),
            format!("updateStrategy type `{other}` is not RollingUpdate or OnDelete"),
        )),
    }
    if let Some(mut rolling) = strategy.object("rollingUpdate", sink) {
        if let Some((partition, span)) = rolling.integer("partition", sink)
            && partition != 0
        {
            sink.push(
                Diagnostic::error(
                    Code::StatefulUpdate,
                    Some(span),
                    format!("`partition: {partition}` cannot be compiled: one stack holds one launch template for every ordinal, so a stack update cannot keep the ordinals below the partition at the old one"),
                )
                .with_help("remove `partition`; to try a new template on a few VMs first, deploy it as a second stack"),
            );
        }
        rolling.finish(sink, |key| {
            (key == "maxUnavailable").then_some(
                "CloudFormation replaces the ordinals' VMs in the order of their dependencies",
            )
        });
    }
    strategy.finish(sink, |_| None);
}

/// `persistentVolumeClaimRetentionPolicy`: CloudFormation applies one DeletionPolicy both when
/// the stack is deleted and when an ordinal leaves the template (scaled down), so volumes are
/// deleted only when both say `Delete`; anything else keeps them, never the other way round.
fn read_retention(spec: &mut Object<'_>, sink: &mut Sink) -> Retention {
    let Some(mut policy) = spec.object("persistentVolumeClaimRetentionPolicy", sink) else {
        return Retention::Retain;
    };
    let mut read = |key: &str, sink: &mut Sink| match policy.string(key, sink).as_deref() {
        None | Some("Retain") => (Retention::Retain, None),
        Some("Delete") => (Retention::Delete, policy.value_span(key)),
        Some(other) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                policy.value_span(key),
                format!("`{key}: {other}` is not Retain or Delete"),
            ));
            (Retention::Retain, None)
        }
    };
    let (deleted, deleted_span) = read("whenDeleted", sink);
    let (scaled, scaled_span) = read("whenScaled", sink);
    policy.finish(sink, |_| None);
    if deleted == scaled {
        return deleted;
    }
    let (path, span) = match (deleted_span, scaled_span) {
        (Some(span), _) => ("persistentVolumeClaimRetentionPolicy.whenDeleted", span),
        (_, Some(span)) => ("persistentVolumeClaimRetentionPolicy.whenScaled", span),
        (None, None) => return Retention::Retain,
    };
    sink.ignored(
        span,
        path,
        "CloudFormation has one DeletionPolicy for a deleted stack and a removed ordinal, and the other field keeps the volumes, so they are kept in both cases",
    );
    Retention::Retain
}

/// One `volumeClaimTemplates` entry's name and where it is written, and the claim when it
/// reads without errors.
fn read_claim(
    mut template: Object<'_>,
    sink: &mut Sink,
) -> Option<(String, Span, Option<ClaimRequest>)> {
    let mut metadata = template.object("metadata", sink)?;
    let name_span = metadata.value_span("name");
    let name = metadata.string("name", sink);
    metadata.accept(&["labels", "annotations"]);
    metadata.finish(sink, |_| None);
    let name = name?;
    let span = name_span.unwrap_or(template.span());
    if let Some(problem) = rules::check_volume_name(&name, Some(span)) {
        sink.push(problem);
        return None;
    }
    let Some(spec) = template.object("spec", sink) else {
        sink.push(Diagnostic::error(
            Code::MissingField,
            Some(span),
            format!("volume claim `{name}` has no `spec`"),
        ));
        return Some((name, span, None));
    };
    template.finish(sink, |_| None);
    let claim = read_claim_spec(spec, name.clone(), span, sink);
    Some((name, span, claim))
}
