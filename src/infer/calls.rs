//! The calls pass: each host a container's environment names is looked up among the Services
//! as the pod's resolver would look it up, and a call to a Service whose selector picks no
//! Deployment is an error at the variable: nothing would answer it, and were a Deployment of
//! that name given the name instead, the call would reach VMs the author did not select.

use crate::diagnostic::{Code, Diagnostic};
use crate::dns::{CLUSTER_DOMAIN, search_domains};
use crate::infer::label_selector::{explain_no_match, selects};
use crate::model::intent::{Call, Selector, Service, Workload};
use std::collections::BTreeSet;

/// The Service `call` reaches: its host tried under each domain of the caller's search list,
/// then as written, as the pod's resolver tries them (kubelet's `ndots:5`), the first that is
/// `<name>.<namespace>.svc.cluster.local` of a Service in the input.
#[must_use]
pub fn called_service<'a>(call: &Call, services: &'a [Service]) -> Option<&'a Service> {
    let suffix = [".svc.", CLUSTER_DOMAIN].concat();
    search_domains(&call.namespace)
        .iter()
        .map(|domain| [call.host.as_str(), ".", domain].concat())
        .chain(std::iter::once(call.host.clone()))
        .find_map(|name| {
            let (service, namespace) = name.strip_suffix(&suffix)?.split_once('.')?;
            services
                .iter()
                .find(|known| known.name == service && known.namespace == namespace)
        })
}

/// The Services the calls reach, by (namespace, name).
#[must_use]
pub fn called_services(calls: &[Call], services: &[Service]) -> BTreeSet<(String, String)> {
    calls
        .iter()
        .filter_map(|call| called_service(call, services))
        .map(|service| (service.namespace.clone(), service.name.clone()))
        .collect()
}

/// An error for each call to a Service whose selector picks no Deployment.
pub fn check_calls(
    calls: &[Call],
    services: &[Service],
    deployments: &[Workload],
    sink: &mut Vec<Diagnostic>,
) {
    for call in calls {
        let Some(service) = called_service(call, services) else {
            continue;
        };
        let Selector::Labels(labels) = &service.selector else {
            continue;
        };
        if labels.is_empty() || deployments.iter().any(|pending| selects(service, pending)) {
            continue;
        }
        let line = if service.span.file == call.span.file {
            format!(" (line {})", service.span.start.line)
        } else {
            String::new()
        };
        let problem = Diagnostic::error(
            Code::ServiceSelection,
            Some(call.span),
            format!(
                "variable `{}` of Deployment `{}` calls Service `{}`{line} at `{}`, whose selector picks no Deployment in namespace `{}` of this input, so nothing would answer the call",
                call.variable, call.caller, service.name, call.host, service.namespace
            ),
        )
        .with_help(explain_no_match(&service.namespace, labels, deployments));
        if !sink.contains(&problem) {
            sink.push(problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::intent::SslPorts;
    use crate::source::Span;

    fn service(name: &str, namespace: &str) -> Service {
        Service {
            name: name.to_string(),
            namespace: namespace.to_string(),
            order: Default::default(),
            span: Span::default(),
            selector: Selector::Labels(vec![("app".to_string(), name.to_string())]),
            public: false,
            kind: None,
            ports: Vec::new(),
            requests: Vec::new(),
            certificate: None,
            ssl_ports: SslPorts::All,
            backend: None,
            health: Default::default(),
            ingress_targets: Default::default(),
        }
    }

    fn call(host: &str, namespace: &str) -> Call {
        Call {
            host: host.to_string(),
            caller: "web".to_string(),
            namespace: namespace.to_string(),
            variable: "API_URL".to_string(),
            span: Span::default(),
        }
    }

    #[test]
    fn hosts_resolve_as_the_pods_resolver_resolves_them() {
        let services = [service("api", "shop"), service("api", "default")];
        let found = |host: &str, namespace: &str| {
            called_service(&call(host, namespace), &services).map(|found| found.namespace.as_str())
        };
        // A short name is the caller's namespace's first.
        assert_eq!(found("api", "shop"), Some("shop"));
        assert_eq!(found("api", "default"), Some("default"));
        assert_eq!(found("api.shop", "default"), Some("shop"));
        assert_eq!(found("api.shop.svc", "default"), Some("shop"));
        assert_eq!(
            found("api.default.svc.cluster.local", "shop"),
            Some("default")
        );
        assert_eq!(found("api", "other"), None);
        assert_eq!(found("api.example.com", "shop"), None);
        assert_eq!(found("cart", "shop"), None);
    }
}
