//! The ingress class pass: each Ingress is compiled with the semantics of the controller its
//! class names, so an Ingress written for ingress-nginx, GKE or Traefik means on an
//! application load balancer what it meant there.
//!
//! - Class `alb`, or an IngressClass whose controller is `ingress.k8s.aws/alb`: the AWS Load
//!   Balancer Controller's semantics, unchanged (internal unless `scheme` says otherwise, its
//!   path order).
//! - Any other class, or none: the Kubernetes Ingress spec's, as those controllers serve it
//!   (internet-facing; the longest matching path wins; see `routing`), with a warning saying
//!   so. An Ingress without a class takes the input's default IngressClass
//!   (`ingressclass.kubernetes.io/is-default-class: "true"`) when there is one; else, if it
//!   carries `alb.ingress.kubernetes.io/` annotations, it was written for the AWS controller
//!   (which served Ingresses without a class before IngressClass existed) and keeps its
//!   semantics, the more closed reading.
//! - ingress-nginx's `ssl-redirect`, `force-ssl-redirect` and `backend-protocol` apply to
//!   the Ingresses ingress-nginx serves; elsewhere they are reported as not applied.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::intent::IngressClass;
use crate::model::intent::balancing::Written;
use crate::model::intent::ingress::{Ingress, PathType, Semantics};
use crate::model::intent::ingress_class::{
    ALB_CLASS, ALB_CONTROLLER, ClassSource, NGINX_CLASS, NGINX_CONTROLLER,
};
use crate::model::{Port, Protocol};
use crate::source::Span;

/// The controller whose semantics an Ingress is compiled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controller {
    Alb,
    Nginx,
    /// Any other, or none: Kubernetes' semantics, ImplementationSpecific globs as GKE reads
    /// them.
    Other,
}

/// How the class was decided, for the warning.
enum Decided<'a> {
    /// The Ingress names class `alb`, or a class whose controller is the AWS one: said by
    /// the author, so no warning.
    Named,
    /// The Ingress names another class (and maybe an IngressClass in the input).
    Class(&'a str, Option<&'a IngressClass>),
    /// No class: the input's default IngressClass.
    Default(&'a IngressClass),
    /// No class and no default, but `alb.ingress.kubernetes.io/` annotations.
    AlbAnnotations(Span),
    /// No class at all.
    None,
}

/// Decides each Ingress's semantics and rewrites what its controller means into the load
/// balancer's terms (scheme, HTTPS redirect, backend protocol, nginx's path reading).
pub fn resolve_ingress_classes(
    ingresses: &mut [Ingress],
    classes: &[IngressClass],
    sink: &mut Vec<Diagnostic>,
) {
    let default = default_class(classes, ingresses, sink);
    for ingress in ingresses.iter_mut() {
        let (controller, note) = {
            let (controller, decided) = decide(ingress, classes, default);
            (controller, note(ingress, controller, &decided))
        };
        sink.extend(note);
        ingress.semantics = match controller {
            Controller::Alb => Semantics::AwsLoadBalancerController,
            Controller::Nginx | Controller::Other => Semantics::Kubernetes,
        };
        if controller == Controller::Nginx {
            apply_nginx(ingress);
        } else {
            report_unapplied_nginx(ingress, sink);
        }
        if ingress.semantics == Semantics::Kubernetes && ingress.balancer.public.is_none() {
            ingress.balancer.public = Some(Written {
                value: true,
                span: ingress.class.as_ref().map_or(ingress.span, |c| c.name.span),
            });
        }
    }
}

/// The input's default IngressClass; two defaults are an error when an Ingress without a
/// class would need one (the admission controller refuses such an Ingress).
fn default_class<'a>(
    classes: &'a [IngressClass],
    ingresses: &[Ingress],
    sink: &mut Vec<Diagnostic>,
) -> Option<&'a IngressClass> {
    let mut defaults = classes.iter().filter(|class| class.default.is_some());
    let first = defaults.next()?;
    if let Some(second) = defaults.next()
        && ingresses.iter().any(|ingress| ingress.class.is_none())
    {
        sink.push(
            Diagnostic::error(
                Code::IngressConflict,
                second.default.or(Some(second.span)),
                format!(
                    "IngressClasses `{}` and `{}` are both marked default, and an Ingress without a class names neither",
                    first.name, second.name
                ),
            )
            .with_help("mark one IngressClass default, or give every Ingress `spec.ingressClassName`"),
        );
    }
    Some(first)
}

fn decide<'a>(
    ingress: &'a Ingress,
    classes: &'a [IngressClass],
    default: Option<&'a IngressClass>,
) -> (Controller, Decided<'a>) {
    match &ingress.class {
        Some(class) => {
            let name = class.name.value.as_str();
            let found = classes.iter().find(|known| known.name == name);
            let controller = match found.and_then(|known| known.controller.as_deref()) {
                Some(controller) => of_controller(controller),
                None => of_class_name(name),
            };
            if controller == Controller::Alb {
                (controller, Decided::Named)
            } else {
                (controller, Decided::Class(name, found))
            }
        }
        None => match (default, ingress.alb_annotation) {
            (Some(class), _) => (
                class
                    .controller
                    .as_deref()
                    .map_or_else(|| of_class_name(&class.name), of_controller),
                Decided::Default(class),
            ),
            (None, Some(span)) => (Controller::Alb, Decided::AlbAnnotations(span)),
            (None, None) => (Controller::Other, Decided::None),
        },
    }
}

fn of_controller(controller: &str) -> Controller {
    match controller {
        ALB_CONTROLLER => Controller::Alb,
        NGINX_CONTROLLER => Controller::Nginx,
        _ => Controller::Other,
    }
}

fn of_class_name(name: &str) -> Controller {
    match name {
        ALB_CLASS => Controller::Alb,
        NGINX_CLASS => Controller::Nginx,
        _ => Controller::Other,
    }
}

/// The warning saying which semantics were applied and why; none where the author named the
/// AWS controller.
fn note(ingress: &Ingress, controller: Controller, decided: &Decided<'_>) -> Option<Diagnostic> {
    let name = &ingress.name;
    let class_span = ingress.class.as_ref().map(|class| class.name.span);
    let (why, span) = match decided {
        Decided::Named => return None,
        Decided::Class(class, found) => {
            let written = match ingress.class.as_ref().map(|class| class.source) {
                Some(ClassSource::Annotation) => "annotation `kubernetes.io/ingress.class`",
                _ => "`spec.ingressClassName`",
            };
            let served = match found.and_then(|known| known.controller.as_deref()) {
                Some(controller) => format!("its IngressClass names controller `{controller}`"),
                None => format!("no IngressClass `{class}` in the input says otherwise"),
            };
            (format!("its {written} is `{class}` and {served}"), class_span)
        }
        Decided::Default(class) => (
            format!(
                "it has no class, and IngressClass `{}` is the input's default{}",
                class.name,
                class
                    .controller
                    .as_deref()
                    .map_or_else(String::new, |c| format!(" (controller `{c}`)"))
            ),
            None,
        ),
        Decided::AlbAnnotations(span) => (
            "it has no class and carries alb.ingress.kubernetes.io/ annotations, written for that controller".to_string(),
            Some(*span),
        ),
        Decided::None => (
            "it has no class and the input no default IngressClass: Ingresses without a class are served so by GKE".to_string(),
            None,
        ),
    };
    let span = span.or(Some(ingress.span));
    if controller == Controller::Alb {
        return Some(
            Diagnostic::warning(
                Code::IngressSemantics,
                span,
                format!("Ingress `{name}` is compiled with the AWS Load Balancer Controller's semantics, as {why}: internal unless `alb.ingress.kubernetes.io/scheme` says otherwise; each rule's Exact paths first, then Prefix paths longest first, then ImplementationSpecific ones as written"),
            )
            .with_help("write `spec.ingressClassName: alb` to say so; an Ingress of another class, or of none, follows the Kubernetes Ingress spec (internet-facing, the longest path first)"),
        );
    }
    let reading = match controller {
        Controller::Nginx => {
            "ImplementationSpecific paths without a wildcard as Prefix paths, a trailing `/*` as a prefix"
        }
        _ => {
            "ImplementationSpecific paths as GKE reads them: a trailing `/*` is a prefix, others match exactly"
        }
    };
    let scheme = if ingress.balancer.public.is_some() {
        "the scheme its annotation sets"
    } else {
        "internet-facing"
    };
    Some(
        Diagnostic::warning(
            Code::IngressSemantics,
            span,
            format!("Ingress `{name}` is compiled with the Kubernetes Ingress spec's semantics, as {why}: {scheme}; for each host, Exact paths first, then the longest matching path; {reading}"),
        )
        .with_help("for the AWS Load Balancer Controller's semantics (internal by default, its path order) write `spec.ingressClassName: alb`; to keep this load balancer internal add `alb.ingress.kubernetes.io/scheme: internal`"),
    )
}

/// What ingress-nginx does with what it is given: HTTP redirected to HTTPS when the Ingress
/// has TLS (unless `ssl-redirect: "false"`) or `force-ssl-redirect: "true"`; both HTTP and
/// HTTPS served with `ssl-redirect: "false"`; `backend-protocol`; an ImplementationSpecific
/// path without a regex read as a Prefix one (nginx's own reading is a prefix of characters,
/// `/foo` also taking `/foobar`: the element-wise Prefix is never more open than that).
fn apply_nginx(ingress: &mut Ingress) {
    let nginx = &ingress.nginx;
    let tls = ingress.tls.is_some();
    let redirect_off = nginx.ssl_redirect.as_ref().is_some_and(|w| !w.value);
    let forced = nginx.force_ssl_redirect.as_ref().filter(|w| w.value);
    let redirect_span = forced.map(|w| w.span).or_else(|| {
        (tls && !redirect_off).then(|| {
            nginx
                .ssl_redirect
                .as_ref()
                .map_or_else(|| ingress.tls.unwrap_or(ingress.span), |w| w.span)
        })
    });
    let balancer = &mut ingress.balancer;
    let both = vec![(Port::HTTP, Protocol::Http), (Port::HTTPS, Protocol::Https)];
    if balancer.listen_ports.is_none() && balancer.ssl_redirect.is_none() {
        if let Some(span) = redirect_span {
            balancer.listen_ports = Some(Written { value: both, span });
            balancer.ssl_redirect = Some(Written {
                value: Port::HTTPS,
                span,
            });
        } else if let (true, Some(off)) = (tls, nginx.ssl_redirect.as_ref()) {
            balancer.listen_ports = Some(Written {
                value: both,
                span: off.span,
            });
        }
    }
    if let Some(written) = &nginx.backend_protocol {
        let (protocol, version) = written.value;
        ingress.targets.protocol = ingress.targets.protocol.or(Some(protocol));
        ingress.targets.protocol_version = ingress.targets.protocol_version.or(Some(version));
    }
    for rule in &mut ingress.rules {
        for path in &mut rule.paths {
            if path.kind != PathType::ImplementationSpecific || path.path.contains(['*', '?']) {
                continue;
            }
            let written = if path.path.is_empty() {
                "/"
            } else {
                &path.path
            };
            let written = written.to_string();
            path.written = Some(std::mem::replace(&mut path.path, written));
            path.kind = PathType::Prefix;
        }
    }
}

/// ingress-nginx's annotations on an Ingress another controller serves: not applied, as any
/// other controller's.
fn report_unapplied_nginx(ingress: &Ingress, sink: &mut Vec<Diagnostic>) {
    let nginx = &ingress.nginx;
    let written = [
        ("ssl-redirect", nginx.ssl_redirect.as_ref().map(|w| w.span)),
        (
            "force-ssl-redirect",
            nginx.force_ssl_redirect.as_ref().map(|w| w.span),
        ),
        (
            "backend-protocol",
            nginx.backend_protocol.as_ref().map(|w| w.span),
        ),
    ];
    for (setting, span) in written {
        if let Some(span) = span {
            sink.push(
                Diagnostic::warning(
                    Code::IgnoredField,
                    Some(span),
                    format!("annotation `nginx.ingress.kubernetes.io/{setting}` is not applied: it configures ingress-nginx, and this Ingress's class is not served by ingress-nginx"),
                )
                .with_help("the application load balancer follows the AWS Load Balancer Controller's alb.ingress.kubernetes.io/ annotations (see README, Ingress)"),
            );
        }
    }
}
