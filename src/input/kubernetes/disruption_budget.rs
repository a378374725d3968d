//! PodDisruptionBudget (policy/v1, and v1beta1) → how many VMs of the Deployments it selects
//! stay in service while CloudFormation replaces them, and the groups' instance maintenance
//! policy. It selects Deployments by their pod template labels within its namespace, as a
//! Service does (`crate::infer::label_selector::matches`).

use super::metadata::{Metadata, read_metadata};
use super::preamble::Preamble;
use super::reader::{Object, Sink, int_or_string, missing_spec};
use crate::diagnostic::{Code, Diagnostic};
use crate::input::rules;
use crate::model::intent::Budget;
use crate::model::intent::requests::{Amount, BudgetAmount, IntOrString};

pub const API_VERSIONS: [&str; 2] = ["policy/v1", "policy/v1beta1"];

/// Reads a PodDisruptionBudget of one of [`API_VERSIONS`]; one with no `apiVersion` is an error, as
/// `kubectl` refuses it.
pub fn collect(object: Object<'_>, preamble: &Preamble<'_>, sink: &mut Sink) -> Option<Budget> {
    let version = preamble.required_api_version(&API_VERSIONS, sink)?;
    read_budget(object, version, sink)
}

/// Reads a PodDisruptionBudget of one of [`API_VERSIONS`]; `None` for
/// one with errors, or one that budgets nothing (warned).
fn read_budget(mut object: Object<'_>, version: &str, sink: &mut Sink) -> Option<Budget> {
    let Metadata {
        name,
        name_span,
        namespace,
        ..
    } = read_metadata(&mut object, sink);
    object.accept(&["status"]);
    let spec = object.object("spec", sink);
    object.finish(sink, |_| None);
    let Some(mut spec) = spec else {
        sink.push(missing_spec("PodDisruptionBudget", &name, name_span));
        return None;
    };
    let selector = spec
        .object("selector", sink)
        .map(|mut selector| {
            let labels = selector.string_map("matchLabels", sink);
            selector.finish(sink, |key| {
                (key == "matchExpressions").then_some(
                    "i2kit matches budgets to Deployments by labels; matchExpressions are not evaluated",
                )
            });
            labels
        });
    let minimum = amount(&mut spec, "minAvailable", sink);
    let maximum_span = spec.key_span("maxUnavailable");
    let maximum = amount(&mut spec, "maxUnavailable", sink);
    spec.finish(sink, |key| {
        (key == "unhealthyPodEvictionPolicy")
            .then_some("the load balancer's health check decides which VMs are replaced")
    });
    let amount = match (minimum?, maximum?) {
        (Some(_), Some(_)) => {
            sink.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    maximum_span,
                    format!(
                        "PodDisruptionBudget `{name}` sets both minAvailable and maxUnavailable"
                    ),
                )
                .with_help("keep one, as Kubernetes requires"),
            );
            return None;
        }
        (Some(minimum), None) => BudgetAmount::MinAvailable(minimum),
        (None, Some(maximum)) => BudgetAmount::MaxUnavailable(maximum),
        // policy/v1beta1 defaulted minAvailable to 1; policy/v1 budgets nothing.
        (None, None) if version == "policy/v1beta1" => BudgetAmount::MinAvailable(Amount::Count(1)),
        (None, None) => {
            sink.push(Diagnostic::warning(
                Code::DisruptionBudget,
                Some(name_span),
                format!("PodDisruptionBudget `{name}` sets neither minAvailable nor maxUnavailable, so it allows every disruption; it is ignored"),
            ));
            return None;
        }
    };
    (!name.is_empty()).then_some(Budget {
        name,
        namespace,
        span: name_span,
        selector,
        empty_selects_all: version == "policy/v1",
        amount,
    })
}

/// `Some(None)` when absent, `None` after an error.
fn amount(spec: &mut Object<'_>, key: &str, sink: &mut Sink) -> Option<Option<Amount>> {
    let Some(node) = spec.take(key) else {
        return Some(None);
    };
    let path = spec.child(key);
    let written = int_or_string(node, &path, sink)?;
    let written = match &written {
        IntOrString::Int(count) => rules::WrittenAmount::Count(*count),
        IntOrString::Text(text) => rules::WrittenAmount::Text(text),
    };
    match rules::parse_amount(written, &path) {
        Ok(amount) => Some(Some(amount)),
        Err(message) => {
            sink.push(Diagnostic::error(
                Code::InvalidValue,
                Some(node.span),
                message,
            ));
            None
        }
    }
}
