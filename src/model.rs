//! The one normalised description of what to build, whatever the input format was.
//! Readers fill its intent model (`intent`); the passes of `crate::infer` resolve that into an
//! [`Application`], and emitters read only that.

use crate::source::Span;
use std::collections::BTreeSet;

pub mod admission;
pub mod boot;
pub mod dns_label;
pub mod document_order;
pub mod external_name;
pub mod ingress;
pub mod intent;
pub mod namespace;
pub mod object_names;
pub mod port;
pub mod service_endpoints;
pub mod stateful;
pub use dns_label::DnsLabel;
pub use external_name::ExternalName;
pub use ingress::Ingress;
pub use namespace::{DEFAULT_NAMESPACE, Namespace};
pub use object_names::{DeploymentName, ServiceName};
pub use port::Port;
pub use service_endpoints::ServiceEndpoints;

/// Everything one input asks for, in document order: VM groups and the load balancers in
/// front of them, many-to-many, as Deployments and Services are in Kubernetes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Application {
    pub deployments: Vec<Deployment>,
    pub services: Vec<Service>,
    /// HTTP-aware load balancers that route by host and path to services' VMs.
    pub ingresses: Vec<Ingress>,
    /// Names that answer with another host's name, in document order.
    pub external_names: Vec<ExternalName>,
    /// Headless Services whose names list StatefulSets' ordinals, in document order.
    pub headless_services: Vec<stateful::HeadlessService>,
    /// Services without a selector named for their Endpoints' addresses, in document order.
    pub service_endpoints: Vec<ServiceEndpoints>,
}

/// The most VMs one deployment may ask of its Auto Scaling group, counting the surge of an
/// update (the group's MaxSize). Amazon EC2 Auto Scaling documents no per-group instance cap
/// (docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-quotas.html); 10,000 is
/// the EC2 Fleet quota on target capacity per fleet (ec2/latest/userguide/fleet-quotas.html),
/// and far above any account's default On-Demand vCPU quota, so no real group is refused.
/// The short manifest's schema caps `replicas` at the same value.
pub const MAX_GROUP_SIZE: u32 = 10_000;

/// One pod template run as `replicas` identical VMs. `Name` is what a reader could make of
/// its name (`intent::ReadName`, which may be refused) until the passes resolve it into the
/// application, where every deployment has a [`DeploymentName`].
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment<Name = DeploymentName> {
    /// A DNS label, unique in the application: it names the LinuxKit file and the VM group.
    pub name: Name,
    /// A DNS label: the resolver searches `<namespace>.svc.cluster.local` first.
    pub namespace: Namespace,
    pub replicas: u32,
    pub instance_type: String,
    pub containers: Vec<Container>,
    /// Containers that run to completion before the others start, in order.
    pub init_containers: Vec<Container>,
    pub rollout: Rollout,
    /// Seconds a new VM has before a load balancer's verdict counts: boot plus the pod's own
    /// start-up delays.
    pub grace_period_seconds: u32,
    /// Let the Auto Scaling group replace VMs the load balancer finds unhealthy; set by
    /// [`crate::infer::link`] from the services in front of the deployment.
    pub replace_unhealthy: Option<ReplaceUnhealthy>,
    /// The VMs' host name (`spec.hostname`): a DNS label, checked where it is read.
    pub hostname: Option<DnsLabel>,
    /// Files the VM image carries for its containers (ConfigMap volumes), beside i2kit's own;
    /// sorted by path, each directory before what it holds.
    pub files: Vec<VmFile>,
    /// Where the deployment is defined, for diagnostics of later passes.
    pub span: Option<Span>,
    /// An autoscaler's bounds and CPU target (a HorizontalPodAutoscaler, or the short
    /// manifest's `autoscaling:`); `None` keeps `replicas` VMs.
    pub autoscaling: Option<Autoscaling>,
    /// The IAM role the VMs act as, through an instance profile (a ServiceAccount's
    /// `eks.amazonaws.com/role-arn`, or the short manifest's `role:`).
    pub role: Option<InstanceRole>,
    /// What a disruption budget keeps in service while VMs are replaced.
    pub disruption_budget: Option<DisruptionBudget>,
    /// The Auto Scaling group's sizes and rolling update, recorded by
    /// `infer::group::plan_groups` once every pass that bears on them has run; `None` before.
    pub group: Option<GroupPlan>,
    /// A NetworkPolicy admits these VMs by name somewhere, so they carry a group of their own
    /// that load balancers admit (`crate::infer::network_policy`).
    pub policy_source: bool,
    /// Where the VMs may open connections (`crate::infer::egress_policy`).
    pub egress: Egress,
    /// Each VM is an ordinal with its own name and disks (a StatefulSet), rather than one of
    /// an Auto Scaling group's interchangeable VMs.
    pub stateful: Option<stateful::Stateful>,
    /// `secret` volumes whose files are fetched at boot.
    pub boot_volumes: Vec<boot::BootVolume>,
    /// `downwardAPI` volumes, written at boot.
    pub pod_info_volumes: Vec<boot::PodInfoVolume>,
    /// The KMS key that encrypts the secrets the VMs fetch at boot, when not the store's
    /// AWS-managed key: the role may decrypt with it.
    pub secrets_kms_key: Option<String>,
}

impl<Name> Deployment<Name> {
    /// Every container of the pod: its containers, then its init containers.
    pub fn every_container(&self) -> impl Iterator<Item = &Container> {
        self.containers.iter().chain(&self.init_containers)
    }

    /// A deployment as a reader starts it: `name` in `namespace`, running `containers`, one
    /// replica, and what the passes resolve (instance type, rollout, autoscaling, role, budget,
    /// group, health replacement, policies) at its unresolved value. Readers set what else
    /// they read over it.
    #[must_use]
    pub fn as_read(
        name: Name,
        namespace: Namespace,
        containers: Vec<Container>,
    ) -> Deployment<Name> {
        Deployment {
            name,
            namespace,
            replicas: 1,
            instance_type: String::new(),
            containers,
            init_containers: Vec::new(),
            rollout: Rollout::UNRESOLVED,
            grace_period_seconds: 0,
            replace_unhealthy: None,
            hostname: None,
            files: Vec::new(),
            span: None,
            autoscaling: None,
            role: None,
            disruption_budget: None,
            group: None,
            policy_source: false,
            egress: Egress::Open,
            stateful: None,
            boot_volumes: Vec::new(),
            pod_info_volumes: Vec::new(),
            secrets_kms_key: None,
        }
    }

    /// The same deployment under `name`: how the passes give a read deployment its checked
    /// name once it resolved.
    #[must_use]
    pub fn named<Checked>(self, name: Checked) -> Deployment<Checked> {
        Deployment {
            name,
            namespace: self.namespace,
            replicas: self.replicas,
            instance_type: self.instance_type,
            containers: self.containers,
            init_containers: self.init_containers,
            rollout: self.rollout,
            grace_period_seconds: self.grace_period_seconds,
            replace_unhealthy: self.replace_unhealthy,
            hostname: self.hostname,
            files: self.files,
            span: self.span,
            autoscaling: self.autoscaling,
            role: self.role,
            disruption_budget: self.disruption_budget,
            group: self.group,
            policy_source: self.policy_source,
            egress: self.egress,
            stateful: self.stateful,
            boot_volumes: self.boot_volumes,
            pod_info_volumes: self.pod_info_volumes,
            secrets_kms_key: self.secrets_kms_key,
        }
    }
}

/// What the template's group and its `UpdatePolicy` come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupPlan {
    pub min_size: u32,
    pub max_size: u32,
    /// `None` when an autoscaler owns the count: CloudFormation would set a template value
    /// back on every stack update that touches the group, undoing what scaling did.
    pub desired_capacity: Option<u32>,
    pub min_in_service: u32,
    pub max_batch_size: u32,
    /// `(MinHealthyPercentage, MaxHealthyPercentage)` of the group's instance maintenance
    /// policy, with a disruption budget: AWS's own floor for replacing instances outside
    /// CloudFormation (instance refresh, rebalancing, health replacements).
    pub maintenance: Option<(u32, u32)>,
}

/// The group scales itself between two bounds, as a HorizontalPodAutoscaler scales a
/// Deployment's replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Autoscaling {
    /// At least 1, at most `max_replicas`.
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// The group's average CPU utilisation, in tenths of a percent of the instances' CPU
    /// (10–1000), that a target-tracking policy holds; `None`: the bounds only.
    pub cpu_target_tenths: Option<u32>,
}

/// An IAM role given to VMs through an instance profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRole {
    /// Who gives the role: deployments share an instance profile exactly when they share this,
    /// never because two givers' names look alike.
    pub giver: RoleGiver,
    /// Where the role is given (the ServiceAccount's name, or the manifest's `role:`).
    pub span: Option<Span>,
    /// The role's ARN as written (checked by `crate::role_arn::parse_role_arn`).
    pub arn: String,
    /// The role's name, the ARN's last segment without its path: what an instance profile lists.
    pub name: String,
}

/// The object an [`InstanceRole`] comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoleGiver {
    /// A ServiceAccount with EKS's role annotation; every Deployment that runs as it shares it.
    ServiceAccount { namespace: Namespace, name: String },
    /// A short manifest's `role:`, given to that deployment alone.
    Manifest { deployment: DeploymentName },
}

/// The floor a PodDisruptionBudget puts under the VMs in service, already resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisruptionBudget {
    /// VMs that stay in service through a rolling update.
    pub min_in_service: u32,
    /// The same floor as a percentage of the group's desired capacity (0–100), for the
    /// group's instance maintenance policy.
    pub min_healthy_percent: u32,
}

/// A load balancer and its names: a Kubernetes Service, or a short manifest's ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// A DNS label, unique in the application: `<name>.<namespace>.svc.cluster.local` and
    /// `<name>.<hosted zone>`.
    pub name: ServiceName,
    pub namespace: Namespace,
    pub load_balancer: LoadBalancer,
    /// The deployments whose VMs serve it, in document order; never empty.
    pub backends: Vec<DeploymentName>,
    pub span: Option<Span>,
}

impl DeploymentName {
    /// Whether this is `deployment`'s name.
    #[must_use]
    pub fn names(&self, deployment: &Deployment) -> bool {
        *self == deployment.name
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    /// A containerd id, unique within the deployment.
    pub name: String,
    pub image: String,
    /// The full argv, replacing the image's entrypoint and cmd; `None` keeps the image's.
    pub command: Option<Vec<String>>,
    /// `args` written without `command`: Kubernetes runs them after the image's entrypoint,
    /// which only an image lock tells. [`crate::infer::images`] turns them into `command`
    /// or reports them; emitters never see them.
    pub args_after_entrypoint: Option<Vec<String>>,
    /// The environment: as the manifest wrote it when read, then (after
    /// [`crate::infer::images`]) the full one LinuxKit sets, replacing the image's; `None`
    /// keeps the image's.
    pub env: Option<Vec<(String, String)>>,
    pub working_dir: Option<String>,
    pub capabilities: Capabilities,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub additional_gids: Vec<u32>,
    pub read_only_root: bool,
    pub no_new_privileges: bool,
    pub mounts: Vec<Mount>,
    pub resources: Resources,
    /// Variables fetched when the VM boots, after `env` and replacing it where names meet:
    /// the container's command runs wrapped (see `crate::boot_wrapper`).
    pub boot_env: Vec<boot::BootVariable>,
    /// `runAsNonRoot: true` with no uid written, and where: only the image's USER can satisfy
    /// it, so [`crate::infer::images`] checks it once that is known.
    pub non_root_required: Option<Span>,
    /// Where the input wrote parts the passes report on.
    pub spans: ContainerSpans,
}

/// Positions of a container's fields in the input, for diagnostics of later passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContainerSpans {
    pub image: Option<Span>,
    pub args: Option<Span>,
    /// `command`, or `args` when there is no command: where the command line is written.
    pub command: Option<Span>,
    /// The first variable (or `envFrom`) known only at boot.
    pub boot: Option<Span>,
}

/// The capability bounding set a container runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Capabilities {
    /// Every capability: only for privileged containers.
    All,
    /// Exactly these `CAP_*` names; empty means none at all.
    Only(BTreeSet<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    /// A memory-backed directory; `size_bytes` caps it.
    Tmpfs {
        path: String,
        size_bytes: Option<u64>,
    },
    /// A directory of the VM bound into the container; `create` makes the VM directory first
    /// (LinuxKit `runtime.mkdir`), as a directory shared between containers needs.
    Bind {
        source: String,
        target: String,
        read_only: bool,
        create: bool,
    },
}

/// A file or directory written into the VM image when it is built (LinuxKit `files:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmFile {
    /// Absolute, normalised (no `.`, `..` or empty segments, no trailing `/`).
    pub path: String,
    pub content: VmFileContent,
    /// Permission bits, 0–0o777.
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmFileContent {
    /// A regular file holding this text: LinuxKit's `contents` is a string.
    Text(String),
    Directory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resources {
    pub memory_limit_bytes: Option<u64>,
    /// Relative CPU weight (cgroup cpu.shares, 1024 = one CPU).
    pub cpu_shares: Option<u64>,
    /// CPU time allowed per [`CPU_PERIOD_MICROS`], in microseconds.
    pub cpu_quota_micros: Option<u64>,
}

/// The CFS period that CPU quotas are expressed against (the kernel's and runc's default).
pub const CPU_PERIOD_MICROS: u64 = 100_000;

/// How the deployment's listeners reach its containers.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    pub layer: BalancerLayer,
    pub public: bool,
    pub listeners: Vec<Listener>,
    /// The only ranges its security group admits on every listener port (see
    /// [`admission`]), canonical and without duplicates; empty when the manifest names none.
    pub source_ranges: Vec<crate::cidr::Cidr>,
    /// Where the manifest wrote `source_ranges`.
    pub source_ranges_span: Option<Span>,
}

/// The layer a load balancer works at: what the author asked for, or what the ports' protocols
/// need. Which product of a provider serves it, and which protocols that product's listeners
/// carry, is the emitter's to decide (`crate::emit::balancer_product`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BalancerLayer {
    /// HTTP-aware (layer 7): it reads each request, so its listeners speak HTTP or HTTPS.
    Http,
    /// Connection-forwarding (layer 4): it passes TCP connections (ending TLS first when asked)
    /// and UDP datagrams on without reading them.
    Connection,
    /// Each listener at its own layer: HTTP-aware where it speaks HTTP or HTTPS, forwarding
    /// connections where it speaks TCP or TLS.
    PerListener,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http,
    Https,
    Tcp,
    Tls,
    Udp,
}

impl Protocol {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Https => "HTTPS",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Udp => "UDP",
        }
    }

    /// The `IpProtocol` of security group rules for traffic of this protocol.
    #[must_use]
    pub fn ip_protocol(self) -> &'static str {
        if self == Protocol::Udp { "udp" } else { "tcp" }
    }

    #[must_use]
    pub fn is_http_family(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }

    #[must_use]
    pub fn terminates_tls(self) -> bool {
        matches!(self, Protocol::Https | Protocol::Tls)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Certificate {
    /// No TLS on this listener.
    None,
    /// An ARN written in the manifest.
    Arn(String),
    /// Supplied at deploy time through the template's certificate parameter.
    Parameter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Listener {
    pub port: Port,
    pub protocol: Protocol,
    pub target_port: Port,
    pub target_protocol: Protocol,
    pub certificate: Certificate,
    pub health_check: HealthCheck,
    /// Who may call this listener port.
    pub admission: Admission,
    /// The port as the input wrote it.
    pub span: Option<Span>,
}

/// Who a load balancer admits on one listener port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Admission {
    /// The load balancer's own rule: every address when internet-facing; the application's
    /// VMs (and the internal client parameters, when given) when internal.
    #[default]
    Default,
    /// Exactly these sources and nothing else, not even the internal client parameters: what
    /// the NetworkPolicies isolating every VM behind the port admit (`crate::infer::network_policy`).
    /// Empty admits nobody.
    Only(BTreeSet<Source>),
}

/// Where a deployment's VMs may open connections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Egress {
    /// Anywhere: no NetworkPolicy restricts their egress.
    #[default]
    Open,
    /// To these destinations and nothing else: what the NetworkPolicies restricting the
    /// deployment's egress allow. Empty allows nothing.
    Only(BTreeSet<Destination>),
}

/// A destination a NetworkPolicy's egress rules allow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Destination {
    /// A Service's load balancer, on one listener port: how VMs reach the pods it fronts.
    LoadBalancer {
        service: ServiceName,
        port: Port,
        protocol: Protocol,
    },
    /// An address block on `traffic`.
    Block {
        cidr: intent::network_policy::Cidr,
        traffic: Traffic,
    },
}

/// What traffic an egress rule to an address block allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Traffic {
    /// Every protocol and port.
    Any,
    /// TCP ports `low` to `high`.
    Tcp(u16, u16),
    /// UDP ports `low` to `high`.
    Udp(u16, u16),
    /// Every SCTP port: security groups cannot restrict SCTP ports.
    Sctp,
}

/// A caller a NetworkPolicy names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The VMs of this deployment, by a group only they carry ([`Deployment::policy_source`]).
    Deployment(DeploymentName),
    /// Every VM of the application: every pod of every namespace.
    Application,
    /// An address block.
    Block(intent::network_policy::Cidr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub protocol: Protocol,
    pub port: Port,
    /// Only for HTTP/HTTPS checks.
    pub path: Option<String>,
    /// Which HTTP answers count as healthy (HTTP/HTTPS checks only).
    pub success: HttpSuccess,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// The input never said anything answers this check: a UDP target checked over TCP on
    /// its own port, by default. Such a check may fail on healthy VMs, so it must not decide
    /// their replacement.
    pub guessed: bool,
}

/// Which HTTP status codes a health check accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpSuccess {
    /// 200–399, as a Kubernetes httpGet probe: for a path the manifest named.
    Success,
    /// 200–499: any answer proves the server is up. The default when no path was named, since
    /// many services answer `/` with 404, and a failing default check would have the Auto
    /// Scaling group replace healthy VMs forever.
    AnyAnswer,
    /// HTTP codes the input listed (`200`, `200,302`, `200-299`), within ALB's 200–499.
    Listed(String),
    /// gRPC status codes (`12`, `0-99`): the check of a target group speaking gRPC.
    Grpc(String),
}

impl HttpSuccess {
    #[must_use]
    pub fn codes(&self) -> &str {
        match self {
            HttpSuccess::Success => "200-399",
            HttpSuccess::AnyAnswer => "200-499",
            HttpSuccess::Listed(codes) | HttpSuccess::Grpc(codes) => codes,
        }
    }
}

/// The Auto Scaling group's rolling update, in Kubernetes terms already resolved to counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollout {
    /// Extra VMs allowed above `replicas` during an update.
    pub max_surge: u32,
    /// VMs allowed out of service during an update.
    pub max_unavailable: u32,
    pub pause_seconds: u32,
    /// Replace every VM at once (Kubernetes `Recreate`).
    pub recreate: bool,
}

impl Rollout {
    /// What a workload's rollout holds until the rollout pass resolves it.
    pub const UNRESOLVED: Rollout = Rollout {
        max_surge: 0,
        max_unavailable: 0,
        pause_seconds: 0,
        recreate: false,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplaceUnhealthy {
    pub grace_period_seconds: u32,
}
