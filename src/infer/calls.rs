//! The calls pass: each host a container's environment names is looked up among the Services
//! as the pod's resolver would look it up, and a call to a Service whose selector picks no
//! Deployment is an error at the variable: nothing would answer it, and were a Deployment of
//! that name given the name instead, the call would reach VMs the author did not select.

use crate::diagnostic::{Code, Diagnostic};
use crate::dns::{CLUSTER_DOMAIN, search_domains};
use crate::infer::label_selector::{explain_no_match, selects};
use crate::model::Namespace;
use crate::model::intent::{Call, Selector, Service, Workload};
use std::collections::{BTreeMap, BTreeSet};

/// The input's Services by (namespace, name), the first of each: one lookup per name a call
/// may mean, so the cost is linear in calls, whatever the number of Services.
struct Index<'a>(BTreeMap<(&'a str, &'a str), &'a Service>);

impl<'a> Index<'a> {
    fn new(services: &'a [Service]) -> Self {
        let mut index = BTreeMap::new();
        for service in services {
            index
                .entry((service.namespace.as_str(), service.name.as_str()))
                .or_insert(service);
        }
        Index(index)
    }

    /// The Service `call` reaches: its host tried under each domain of the caller's search
    /// list, then as written, as the pod's resolver tries them (kubelet's `ndots:5`), the first
    /// that is `<name>.<namespace>.svc.cluster.local` of a Service in the input.
    fn called(&self, call: &Call) -> Option<&'a Service> {
        let suffix = [".svc.", CLUSTER_DOMAIN].concat();
        search_domains(&call.namespace)
            .iter()
            .map(|domain| [call.host.as_str(), ".", domain].concat())
            .chain(std::iter::once(call.host.clone()))
            .find_map(|name| {
                let (service, namespace) = name.strip_suffix(&suffix)?.split_once('.')?;
                self.0.get(&(namespace, service)).copied()
            })
    }
}

/// The Services the calls reach, by (namespace, name).
#[must_use]
pub fn called_services(calls: &[Call], services: &[Service]) -> BTreeSet<(Namespace, String)> {
    let index = Index::new(services);
    calls
        .iter()
        .filter_map(|call| index.called(call))
        .map(|service| (service.namespace.clone(), service.name.as_str().to_string()))
        .collect()
}

/// An error for each Service whose selector picks no Deployment and that a container calls,
/// at the first call: once per Service, since the fix is in its selector, and so the number
/// of errors is bounded by the Services, not by the variables naming them.
pub fn check_calls(
    calls: &[Call],
    services: &[Service],
    deployments: &[Workload],
    sink: &mut Vec<Diagnostic>,
) {
    let index = Index::new(services);
    // Per Service called, in (namespace, name) order: its first call and how many call it.
    let mut called: BTreeMap<(&str, &str), (&Service, &Call, usize)> = BTreeMap::new();
    for call in calls {
        if let Some(service) = index.called(call) {
            called
                .entry((service.namespace.as_str(), service.name.as_str()))
                .or_insert((service, call, 0))
                .2 += 1;
        }
    }
    for (service, call, count) in called.into_values() {
        let Some(why) = selects_nothing(service, deployments) else {
            continue;
        };
        let line = if service.span.file == call.span.file {
            format!(" (line {})", service.span.start.line)
        } else {
            String::new()
        };
        let others = match count {
            0 | 1 => String::new(),
            2 => " (and 1 more variable)".to_string(),
            more => format!(" (and {} more variables)", more - 1),
        };
        sink.push(
            Diagnostic::error(
                Code::ServiceSelection,
                Some(call.span),
                format!(
                    "variable `{}` of Deployment `{}` calls Service `{}`{line} at `{}`{others}, whose selector picks no Deployment in namespace `{}` of this input, so nothing would answer the call",
                    call.variable, call.caller, service.name, call.host, service.namespace
                ),
            )
            .with_help(why),
        );
    }
}

/// Why `service`'s selector picks no Deployment, or `None` when it picks one or has no
/// selector (a Service without one is warned about where it is planned).
fn selects_nothing(service: &Service, deployments: &[Workload]) -> Option<String> {
    let Selector::Labels(labels) = &service.selector else {
        return None;
    };
    if labels.is_empty() || deployments.iter().any(|pending| selects(service, pending)) {
        return None;
    }
    Some(explain_no_match(&service.namespace, labels, deployments))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn service(name: &str, namespace: &str) -> Service {
        Service {
            selector: Selector::Labels(vec![("app".to_string(), name.to_string())]),
            ..Service::as_read(
                crate::model::intent::ReadName::Checked(
                    crate::model::ServiceName::new(name).expect("a label"),
                ),
                Namespace::new(namespace).unwrap(),
                Default::default(),
                Span::default(),
            )
        }
    }

    fn call(host: &str, namespace: &str) -> Call {
        Call {
            host: host.to_string(),
            caller: "web".to_string(),
            namespace: Namespace::new(namespace).unwrap(),
            variable: "API_URL".to_string(),
            span: Span::default(),
        }
    }

    #[test]
    fn hosts_resolve_as_the_pods_resolver_resolves_them() {
        let services = [service("api", "shop"), service("api", "default")];
        let found = |host: &str, namespace: &str| {
            Index::new(&services)
                .called(&call(host, namespace))
                .map(|found| found.namespace.to_string())
        };
        // A short name is the caller's namespace's first.
        assert_eq!(found("api", "shop"), Some("shop".to_string()));
        assert_eq!(found("api", "default"), Some("default".to_string()));
        assert_eq!(found("api.shop", "default"), Some("shop".to_string()));
        assert_eq!(found("api.shop.svc", "default"), Some("shop".to_string()));
        assert_eq!(
            found("api.default.svc.cluster.local", "shop"),
            Some("default".to_string())
        );
        assert_eq!(found("api", "other"), None);
        assert_eq!(found("api.example.com", "shop"), None);
        assert_eq!(found("cart", "shop"), None);
    }
}
