//! The i2kit manifest → model: typed reading and the schema's limits (the JSON Schema
//! validator runs only on a document that fails them, to word its errors), then the rules a
//! schema cannot express.

use crate::diagnostic::{Code, Diagnostic};
use crate::input::autoscaler_bounds::{Bound, check_autoscaler_bounds};
use crate::input::capabilities::{CapabilityName, effective};
use crate::input::credential;
use crate::input::manifest::{
    Amount, AutoscalingSpec, CapabilityChanges, ContainerSpec, EnvSpec, EnvValue,
    LoadBalancerChoice, Manifest, PortSpec, ProtocolName, within_schema_limits,
};
use crate::input::mount_target::MountTargets;
use crate::input::port_syntax::parse_port;

use crate::input::rules::{self, LinuxKitField};
use crate::input::schema::{check_against_schema, escape_pointer_segment};
use crate::model::document_order::DocumentOrder;
use crate::model::intent::requests::{
    self, AutoscalerRequest, CpuBasis, CpuRequest, DEFAULT_CPU_PERCENT, HealthCheckRequest,
    InstanceRequest, PortRequest, RolloutRequest,
};
use crate::model::intent::{Identity, ReadName, Selector, Service, Workload};
use crate::model::{
    BalancerLayer, Container, ContainerSpans, Deployment, DeploymentName, InstanceRole, Mount,
    Namespace, Protocol, Resources, RoleGiver, ServiceName,
};
use crate::role_arn::{invalid_role_arn, parse_role_arn, trust_policy_reminder};
use crate::yaml::{Node, Value};

/// Grace period before the load balancer's verdict can replace a new VM: boot plus two checks.
pub const DEFAULT_GRACE_PERIOD_SECONDS: u32 = 60;

/// What one short manifest document gave: its workload and, when it exposes ports, the
/// service of the same name that selects it (the paper's model: a deployment is named where
/// it is served), with every problem found. A document whose structure is wrong gives neither.
#[derive(Debug, Default)]
pub struct ShortReading {
    pub workload: Option<Workload>,
    pub service: Option<Service>,
    pub diagnostics: Vec<Diagnostic>,
    pub failed: bool,
}

/// Reads the short manifest `root`, the document at `order`.
#[must_use]
pub fn parse_short(root: &Node, order: DocumentOrder) -> ShortReading {
    let port_problems = check_port_strings(root);
    let typed = serde_json::from_value::<Manifest>(root.to_json())
        .ok()
        .filter(|manifest| within_schema_limits(manifest) && port_problems.is_empty())
        // The schema's pattern makes the name a label; checking it again gives its type.
        .and_then(|manifest| Some((DeploymentName::new(&manifest.name)?, manifest)));
    let Some((name, manifest)) = typed else {
        let mut structural = check_against_schema(root);
        structural.extend(port_problems);
        if structural.is_empty() {
            // The schema accepted what the types did not: report the types' own reason.
            let reason = serde_json::from_value::<Manifest>(root.to_json())
                .err()
                .map_or_else(
                    || "the manifest does not match its schema".to_string(),
                    |error| error.to_string(),
                );
            structural.push(Diagnostic::error(Code::WrongType, Some(root.span), reason));
        }
        return ShortReading {
            diagnostics: structural,
            failed: true,
            ..ShortReading::default()
        };
    };
    let mut checker = Checker {
        root,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let (mut workload, service) = checker.workload(&manifest, name, order);
    let failed = !checker.problems.is_empty();
    workload.failed = failed;
    let mut diagnostics = checker.problems;
    diagnostics.extend(checker.warnings);
    ShortReading {
        workload: Some(workload),
        service,
        diagnostics,
        failed,
    }
}

struct Checker<'a> {
    root: &'a Node,
    problems: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn span(&self, pointer: &str) -> Option<crate::source::Span> {
        self.root.find(pointer, false).map(|node| node.span)
    }

    fn workload(
        &mut self,
        manifest: &Manifest,
        name: DeploymentName,
        order: DocumentOrder,
    ) -> (Workload, Option<Service>) {
        let mut containers = Vec::new();
        let mut ports = Vec::new();
        for (name, spec) in &manifest.containers {
            let pointer = format!("/containers/{}", escape_pointer_segment(name));
            let key_span = self.root.find(&pointer, true).map(|node| node.span);
            if let Some(problem) = rules::check_container_name(name, key_span) {
                self.problems.push(problem);
            }
            if let Some(problem) =
                rules::check_image(&spec.image, self.span(&format!("{pointer}/image")))
            {
                if problem.is_error() {
                    self.problems.push(problem);
                } else {
                    self.warnings.push(problem);
                }
            }
            ports.extend(self.ports(name, spec, &pointer));
            containers.push(self.container(name, spec, &pointer));
        }
        let update = manifest.update.clone().unwrap_or_default();
        let surge = self
            .amount(update.max_surge.as_ref(), "/update/maxSurge")
            .unwrap_or(requests::DEFAULT_SURGE);
        let unavailable = self
            .amount(update.max_unavailable.as_ref(), "/update/maxUnavailable")
            .unwrap_or(requests::DEFAULT_UNAVAILABLE);
        if let Some(problem) =
            rules::check_surge_and_unavailable(surge, unavailable, self.span("/update"))
        {
            // The short format has always said why; the Kubernetes reader has not, and both
            // formats' stderr is pinned by golden fixtures.
            self.problems.push(
                problem.with_help(
                    "an update could then neither add nor remove a VM; allow a surge of 1",
                ),
            );
        }
        let rollout = RolloutRequest {
            max_surge: surge,
            max_unavailable: unavailable,
            pause_seconds: update
                .pause_seconds
                .unwrap_or(requests::DEFAULT_PAUSE_SECONDS),
            recreate: false,
            span: self.span("/update").or(self.span("/replicas")),
        };
        let span = self.span("/name").unwrap_or(self.root.span);
        let mut deployment = Deployment {
            replicas: manifest.replicas,
            grace_period_seconds: DEFAULT_GRACE_PERIOD_SECONDS,
            span: Some(span),
            ..Deployment::as_read(
                ReadName::Checked(name.clone()),
                Namespace::default(),
                containers,
            )
        };
        let autoscaler = manifest
            .autoscaling
            .as_ref()
            .and_then(|spec| self.autoscaling(spec, (surge, unavailable)));
        if let Some(arn) = &manifest.role {
            self.role(&mut deployment, &name, arn);
        }
        let service = (!ports.is_empty()).then(|| Service {
            selector: Selector::SameDocument(order),
            public: manifest.public,
            layer: manifest.load_balancer.map(|choice| match choice {
                LoadBalancerChoice::Application => BalancerLayer::Http,
                LoadBalancerChoice::Network => BalancerLayer::Connection,
                LoadBalancerChoice::Classic => BalancerLayer::PerListener,
            }),
            requests: ports,
            health: self.health_request(manifest),
            ..Service::as_read(
                ReadName::Checked(ServiceName::of_deployment(&name)),
                deployment.namespace.clone(),
                order,
                span,
            )
        });
        let workload = Workload {
            order,
            deployment,
            labels: Vec::new(),
            ports: Vec::new(),
            readiness: None,
            liveness_delay: None,
            span,
            failed: false,
            failed_containers: Vec::new(),
            identity: Identity::Own,
            cpu_request_millis: 0,
            rollout,
            instance: InstanceRequest::Named(manifest.instance_type.clone()),
            autoscaler,
            replicas_span: self.root.find("/replicas", true).map(|node| node.span),
        };
        (workload, service)
    }

    /// `autoscaling:` as a HorizontalPodAutoscaler would be read, with `cpu` already a
    /// percentage of the instance (the manifest has no CPU requests to count against).
    fn autoscaling(
        &mut self,
        spec: &AutoscalingSpec,
        strategy: (requests::Amount, requests::Amount),
    ) -> Option<AutoscalerRequest> {
        let bound = |value, field, pointer: &str| Bound {
            value,
            field,
            span: self.span(pointer).or(self.span("/autoscaling")),
        };
        let problems = check_autoscaler_bounds(
            bound(spec.min, "autoscaling.min", "/autoscaling/min"),
            bound(spec.max, "autoscaling.max", "/autoscaling/max"),
        );
        if !problems.is_empty() {
            self.problems.extend(problems);
            return None;
        }
        Some(AutoscalerRequest {
            what: "`autoscaling`".to_string(),
            min_replicas: spec.min,
            max_replicas: spec.max,
            cpu: Some(CpuRequest {
                percent: spec.cpu.unwrap_or(DEFAULT_CPU_PERCENT),
                basis: CpuBasis::Instance,
                span: self.span("/autoscaling/cpu").or(self.span("/autoscaling")),
            }),
            strategy,
            replicas_span: self.root.find("/replicas", true).map(|node| node.span),
            max_span: self.span("/autoscaling/max"),
        })
    }

    /// `role:`: the VMs get an instance profile of their own with that role.
    fn role(
        &mut self,
        deployment: &mut Deployment<ReadName<DeploymentName>>,
        name: &DeploymentName,
        arn: &str,
    ) {
        let span = self.span("/role");
        match parse_role_arn(arn) {
            Ok(role) => {
                self.warnings
                    .push(trust_policy_reminder(&role.name, &[name.as_str()], span));
                deployment.role = Some(InstanceRole {
                    giver: RoleGiver::Manifest {
                        deployment: name.clone(),
                    },
                    span,
                    arn: arn.to_string(),
                    name: role.name,
                });
            }
            Err(problem) => self
                .problems
                .push(invalid_role_arn("`role`", arn, problem, span)),
        }
    }

    fn amount(&mut self, amount: Option<&Amount>, pointer: &str) -> Option<requests::Amount> {
        let written = match amount? {
            Amount::Count(count) => rules::WrittenAmount::Count(i64::from(*count)),
            Amount::Percent(text) => rules::WrittenAmount::Text(text),
        };
        match rules::parse_amount(written, pointer) {
            Ok(amount) => Some(amount),
            Err(message) => {
                self.problems.push(Diagnostic::error(
                    Code::InvalidValue,
                    self.span(pointer),
                    message,
                ));
                None
            }
        }
    }

    fn health_request(&self, manifest: &Manifest) -> HealthCheckRequest {
        let spec = manifest.health_check.clone().unwrap_or_default();
        HealthCheckRequest {
            protocol: None,
            port: spec.port,
            path: spec.path,
            interval_seconds: spec.interval_seconds,
            timeout_seconds: spec.timeout_seconds,
            healthy_threshold: spec.healthy_threshold,
            unhealthy_threshold: spec.unhealthy_threshold,
            span: self.span("/healthCheck"),
        }
    }

    fn ports(&mut self, container: &str, spec: &ContainerSpec, pointer: &str) -> Vec<PortRequest> {
        let mut requests = Vec::new();
        for (index, port) in spec.ports.iter().enumerate() {
            let span = self.span(&format!("{pointer}/ports/{index}"));
            let request = match port {
                PortSpec::Number(number) => Ok(PortRequest {
                    container: container.to_string(),
                    listener_port: *number,
                    container_port: *number,
                    listener_protocol: None,
                    target_protocol: None,
                    certificate: None,
                    span,
                }),
                // Already checked by `check_port_strings`.
                PortSpec::Text(text) => parse_port(text).map(|syntax| PortRequest {
                    container: container.to_string(),
                    listener_port: syntax.listener_port,
                    container_port: syntax.container_port,
                    listener_protocol: syntax.protocols.map(|(listener, _)| listener),
                    target_protocol: syntax.protocols.map(|(_, target)| target),
                    certificate: syntax.certificate,
                    span,
                }),
                PortSpec::Object(object) => Ok(PortRequest {
                    container: container.to_string(),
                    listener_port: object.port,
                    container_port: object.target_port.unwrap_or(object.port),
                    listener_protocol: object.protocol.map(protocol_of),
                    target_protocol: object.target_protocol.map(protocol_of),
                    certificate: object.certificate.clone(),
                    span,
                }),
            };
            match request {
                Ok(request) => requests.push(request),
                Err(message) => self.problems.push(
                    Diagnostic::error(Code::PortSyntax, span, format!("invalid port: {message}"))
                        .with_help(
                            "write 80, \"8080:80\" or \"https:443:http:80[:certificate-arn]\"",
                        ),
                ),
            }
        }
        requests
    }

    fn container(&mut self, name: &str, spec: &ContainerSpec, pointer: &str) -> Container {
        for (field, words) in [("command", &spec.command), ("args", &spec.args)] {
            for (index, word) in words.iter().flatten().enumerate() {
                let item = format!("{pointer}/{field}/{index}");
                if let Some(problem) =
                    rules::check_linuxkit_scalar(word, LinuxKitField::CommandWord, self.span(&item))
                {
                    self.problems.push(problem);
                } else if let Some(what) = credential::in_argument(word) {
                    self.warnings.push(credential::credential_in_clear(
                        &format!("`{item}`"),
                        what,
                        self.span(&item),
                    ));
                }
            }
        }
        if let Some(directory) = &spec.working_dir
            && let Some(problem) =
                rules::check_working_dir(directory, self.span(&format!("{pointer}/workingDir")))
        {
            self.problems.push(problem);
        }
        let (command, args_after_entrypoint) =
            crate::container_process::join_command(spec.command.clone(), spec.args.clone());
        let env = spec
            .env
            .as_ref()
            .map(|env| self.env(env, &format!("{pointer}/env")));
        let capabilities = self.capabilities(
            spec.privileged,
            spec.capabilities.as_ref(),
            &format!("{pointer}/capabilities"),
        );
        let mut targets = MountTargets::default();
        let mounts = spec
            .tmpfs
            .iter()
            .enumerate()
            .filter_map(|(index, path)| {
                match targets.add(path, self.span(&format!("{pointer}/tmpfs/{index}"))) {
                    Some(problem) => {
                        self.problems.push(problem);
                        None
                    }
                    None => Some(Mount::Tmpfs {
                        path: path.clone(),
                        size_bytes: None,
                    }),
                }
            })
            .collect();
        Container {
            name: name.to_string(),
            image: spec.image.clone(),
            command,
            args_after_entrypoint,
            env,
            working_dir: spec.working_dir.clone(),
            capabilities,
            uid: spec.uid,
            gid: spec.gid,
            additional_gids: Vec::new(),
            read_only_root: spec.read_only,
            no_new_privileges: spec.no_new_privileges,
            mounts,
            resources: Resources::default(),
            boot_env: Vec::new(),
            non_root_required: None,
            spans: ContainerSpans {
                image: self.span(&format!("{pointer}/image")),
                args: self.span(&format!("{pointer}/args")),
                command: self
                    .span(&format!("{pointer}/command"))
                    .or_else(|| self.span(&format!("{pointer}/args"))),
                boot: None,
            },
        }
    }

    fn env(&mut self, env: &EnvSpec, pointer: &str) -> Vec<(String, String)> {
        let pairs: Vec<(String, String)> = match env {
            EnvSpec::Map(map) => map
                .iter()
                .map(|(key, value)| {
                    let value = match value {
                        EnvValue::Text(text) => text.clone(),
                        EnvValue::Number(number) => number.to_string(),
                        EnvValue::Flag(flag) => flag.to_string(),
                    };
                    (key.clone(), value)
                })
                .collect(),
            EnvSpec::List(entries) => entries
                .iter()
                .enumerate()
                .filter_map(|(index, entry)| match entry.split_once('=') {
                    Some((key, value)) if !key.is_empty() => {
                        Some((key.to_string(), value.to_string()))
                    }
                    _ => {
                        self.problems.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                self.span(&format!("{pointer}/{index}")),
                                format!("environment entry `{entry}` is not NAME=value"),
                            )
                            .with_help("write it as NAME=value, e.g. LOG_LEVEL=info"),
                        );
                        None
                    }
                })
                .collect(),
        };
        for (key, value) in &pairs {
            if let Some(problem) = rules::check_env_name(key, self.span(pointer)) {
                self.problems.push(problem);
            }
            if let Some(what) = credential::in_variable(key, value) {
                let entry = match env {
                    EnvSpec::Map(_) => format!("{pointer}/{}", escape_pointer_segment(key)),
                    EnvSpec::List(entries) => {
                        let written = [key.as_str(), "=", value.as_str()].concat();
                        let index = entries.iter().position(|entry| *entry == written);
                        format!("{pointer}/{}", index.unwrap_or_default())
                    }
                };
                self.warnings.push(credential::credential_in_clear(
                    &format!("environment variable `{key}`"),
                    what,
                    self.span(&entry).or(self.span(pointer)),
                ));
            }
        }
        pairs
    }

    fn capabilities(
        &mut self,
        privileged: bool,
        changes: Option<&CapabilityChanges>,
        pointer: &str,
    ) -> crate::model::Capabilities {
        let changes = changes.cloned().unwrap_or_default();
        let mut names = |list: &[String], which: &str| -> Vec<CapabilityName> {
            list.iter()
                .enumerate()
                .filter_map(|(index, name)| {
                    let span = self.span(&format!("{pointer}/{which}/{index}"));
                    rules::capability_name(name, span)
                        .map_err(|problem| self.problems.push(problem))
                        .ok()
                })
                .collect()
        };
        let add = names(&changes.add, "add");
        let drop = names(&changes.drop, "drop");
        effective(privileged, &add, &drop)
    }
}

/// Port strings are a grammar the schema cannot express, so they are checked on the tree,
/// beside the schema, and reported together with its findings.
pub fn check_port_strings(root: &Node) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let Some(Value::Mapping(containers)) = root.get("containers").map(|node| &node.value) else {
        return problems;
    };
    for (_, container) in containers {
        let Some(Value::Sequence(ports)) = container.get("ports").map(|node| &node.value) else {
            continue;
        };
        for port in ports {
            if let Value::String(text) = &port.value
                && let Err(message) = parse_port(text)
            {
                problems.push(
                    Diagnostic::error(
                        Code::PortSyntax,
                        Some(port.span),
                        format!("invalid port: {message}"),
                    )
                    .with_help("write 80, \"8080:80\" or \"https:443:http:80[:certificate-arn]\""),
                );
            }
        }
    }
    problems
}

fn protocol_of(name: ProtocolName) -> Protocol {
    match name {
        ProtocolName::Http => Protocol::Http,
        ProtocolName::Https => Protocol::Https,
        ProtocolName::Tcp => Protocol::Tcp,
        ProtocolName::Tls | ProtocolName::Ssl => Protocol::Tls,
        ProtocolName::Udp => Protocol::Udp,
    }
}
