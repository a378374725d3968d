//! The i2kit manifest (the paper's short form) as Rust types. These types are the single
//! source of the JSON Schema in `schema/`. A document is deserialised into them and checked by
//! [`within_schema_limits`]; only one that fails goes through the schema validator, whose
//! errors say what is wrong.

use crate::model::Port;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// # i2kit manifest
///
/// One deployment: a pod of containers run as `replicas` identical LinuxKit VMs behind a
/// load balancer, named `<name>.<hosted zone>` in Route 53. Several deployments may share a
/// file as separate YAML documents (`---`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("$id" = "https://i2kit.dev/schema/i2kit.schema.json"))]
#[schemars(example = example_manifest())]
pub struct Manifest {
    /// # Deployment name
    ///
    /// A DNS label: lowercase letters, digits and `-`, at most 63 characters. It becomes the
    /// host name `<name>.<hosted zone>` and the name of the LinuxKit file.
    #[schemars(length(min = 1, max = 63), pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    #[schemars(example = &"nginx-deployment")]
    pub name: String,

    /// # Replicas
    ///
    /// How many identical VMs the Auto Scaling group keeps running.
    #[serde(default = "default_replicas")]
    #[schemars(range(max = 10000))]
    pub replicas: u32,

    /// # Public
    ///
    /// `true` puts the load balancer on the internet; `false` (the default) keeps it internal
    /// to the VPC.
    #[serde(default)]
    pub public: bool,

    /// # Instance type
    ///
    /// The EC2 instance type each VM runs on. The template declares it as a parameter with
    /// this value as the default, so it can be changed per environment.
    #[serde(default = "default_instance_type")]
    #[schemars(pattern(r"^[a-z0-9-]+\.[a-z0-9]+$"), example = &"t3.small")]
    pub instance_type: String,

    /// # Load balancer
    ///
    /// Which Elastic Load Balancer serves the ports. Left out, i2kit picks `application`
    /// when every port speaks HTTP or HTTPS and `network` otherwise. `classic` is the
    /// paper's original choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerChoice>,

    /// # Health check
    ///
    /// How the load balancer decides a VM may receive traffic. Defaults: on HTTP targets
    /// `GET /`, where any answer (200–499) counts as up, or `GET <path>` answering 200–399
    /// once `path` is set; a TCP connection on other targets; every 10 s, 5 s timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckSpec>,

    /// # Rolling update
    ///
    /// How the Auto Scaling group replaces VMs when the template changes. Defaults follow
    /// Kubernetes: 25% surge, 25% unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateSpec>,

    /// # Autoscaling
    ///
    /// Let the group scale itself between `min` and `max` VMs on CPU, as a Kubernetes
    /// HorizontalPodAutoscaler scales a Deployment. The group then starts at `min` and
    /// `replicas` is ignored: a count in the template would reset the grown group on every
    /// stack update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoscalingSpec>,

    /// # IAM role
    ///
    /// The ARN of an IAM role the VMs act as, through an instance profile (as an EKS
    /// ServiceAccount's `eks.amazonaws.com/role-arn`). Its trust policy must allow
    /// `ec2.amazonaws.com` to assume it, and deploying the template needs
    /// `--capabilities CAPABILITY_IAM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(
        r"^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/([!-.0-~]+/)*[A-Za-z0-9+=,.@_-]{1,64}$"
    ))]
    #[schemars(example = &"arn:aws:iam::123456789012:role/web")]
    pub role: Option<String>,

    /// # Containers
    ///
    /// The pod: container name → container. All containers run in one VM and share its
    /// network, as the containers of a Kubernetes pod share localhost.
    #[schemars(extend("minProperties" = 1))]
    pub containers: IndexMap<String, ContainerSpec>,
}

fn example_manifest() -> serde_json::Value {
    serde_json::json!({
        "name": "nginx-deployment",
        "replicas": 3,
        "containers": { "nginx": { "image": "nginx:1.7.9", "ports": [80] } }
    })
}

fn default_replicas() -> u32 {
    1
}

pub use crate::model::intent::requests::DEFAULT_INSTANCE_TYPE;

fn default_instance_type() -> String {
    DEFAULT_INSTANCE_TYPE.to_string()
}

/// # Load balancer kind
///
/// `application` (HTTP/HTTPS), `network` (TCP/TLS/UDP) or `classic`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LoadBalancerChoice {
    Application,
    Network,
    Classic,
}

/// # Container
///
/// One container of the pod, run as a LinuxKit service.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerSpec {
    /// # Image
    ///
    /// The OCI image reference. Pin a tag or digest: the VM image is immutable, and `latest`
    /// would build a different VM each time.
    #[schemars(length(min = 1), example = &"nginx:1.7.9")]
    pub image: String,

    /// # Command
    ///
    /// The full command line, replacing the image's entrypoint and cmd (LinuxKit has no
    /// separate arguments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(example = &["nginx", "-g", "daemon off;"])]
    pub command: Option<Vec<String>>,

    /// # Arguments
    ///
    /// Appended to `command`. Without `command` they follow the image's entrypoint, which
    /// i2kit knows only from an image lock (`--images`); otherwise that is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,

    /// # Environment
    ///
    /// A map of names to values, or a list of `NAME=value`. It replaces the image's
    /// environment (LinuxKit semantics), so i2kit merges it over the image's when an image
    /// lock (`--images`) holds the image, and otherwise adds the standard `PATH` unless you
    /// set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvSpec>,

    /// # Ports
    ///
    /// Ports the load balancer exposes: `80`, `"8080:80"` (load balancer : container),
    /// `"https:443:http:80[:certificate-arn]"`, or an object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortSpec>,

    /// # Capabilities
    ///
    /// Changes to the container runtimes' default set of 14 Linux capabilities. Names may
    /// be written `NET_ADMIN`, `net_admin` or `CAP_NET_ADMIN`; `drop: [ALL]` starts empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<CapabilityChanges>,

    /// # Privileged
    ///
    /// Run with every capability. Rarely needed; prefer `capabilities.add`.
    #[serde(default)]
    pub privileged: bool,

    /// # User id
    ///
    /// The numeric uid the process runs as. LinuxKit ignores the image's USER, so the
    /// default is 0 (root), or the image's USER when an image lock (`--images`) holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(example = 1000)]
    pub uid: Option<u32>,

    /// # Group id
    ///
    /// The numeric gid the process runs as (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,

    /// # Read-only root filesystem
    ///
    /// Mount the container's root filesystem read-only.
    #[serde(default)]
    pub read_only: bool,

    /// # No new privileges
    ///
    /// Forbid gaining privileges through setuid binaries or file capabilities.
    #[serde(default)]
    pub no_new_privileges: bool,

    /// # Working directory
    ///
    /// The absolute directory the command starts in (OCI requires it absolute); left out,
    /// the image's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(example = &"/app")]
    pub working_dir: Option<String>,

    /// # Scratch directories
    ///
    /// Absolute paths mounted as memory-backed tmpfs, e.g. `/tmp` for a read-only container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(example = &["/tmp"])]
    pub tmpfs: Vec<String>,
}

/// # Environment
///
/// `{NAME: value}` or `["NAME=value"]`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvSpec {
    /// Name → value; numbers and booleans are written as text.
    Map(IndexMap<String, EnvValue>),
    /// `NAME=value` entries.
    List(Vec<String>),
}

/// # Environment value
///
/// Text, or a number or boolean written as text.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvValue {
    Text(String),
    Number(serde_json::Number),
    Flag(bool),
}

/// # Port
///
/// A port number, a port string, or an object.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PortSpec {
    /// The same port on the load balancer and the container.
    Number(#[schemars(with = "u16", range(min = 1, max = 65535))] Port),
    /// `"LBPORT:CONTAINERPORT"` or `"PROTO:LBPORT:PROTO:CONTAINERPORT[:CERTIFICATE-ARN]"`.
    Text(#[schemars(pattern(r"^[A-Za-z0-9]+(:[^:]+)*$"))] String),
    Object(PortObject),
}

/// # Port object
///
/// A port with every part spelled out.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PortObject {
    /// # Load balancer port
    ///
    /// The port clients connect to.
    #[schemars(with = "u16", range(min = 1, max = 65535))]
    pub port: Port,
    /// # Container port
    ///
    /// The port the container listens on; defaults to `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u16>", range(min = 1, max = 65535))]
    pub target_port: Option<Port>,
    /// # Listener protocol
    ///
    /// Inferred when left out: 80 is HTTP, 443 HTTPS (TLS on a network load balancer),
    /// anything else TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<ProtocolName>,
    /// # Target protocol
    ///
    /// What the load balancer speaks to the container; TLS ends at the load balancer
    /// unless this says `https` or `tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_protocol: Option<ProtocolName>,
    /// # Certificate ARN
    ///
    /// The ACM certificate for an HTTPS or TLS listener. Left out, the template asks for
    /// one as a parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^arn:"))]
    pub certificate: Option<String>,
}

/// # Protocol
///
/// A load balancer protocol; `ssl` is accepted as the Classic ELB's name for `tls`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProtocolName {
    Http,
    Https,
    Tcp,
    Tls,
    Ssl,
    Udp,
}

/// # Capability changes
///
/// Added to and dropped from the runtime default set; drop applies first.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapabilityChanges {
    /// # Add
    ///
    /// Capabilities to grant beyond the default set.
    #[serde(default)]
    #[schemars(example = &["NET_ADMIN"])]
    pub add: Vec<String>,
    /// # Drop
    ///
    /// Capabilities to remove from the default set; `ALL` removes every one.
    #[serde(default)]
    #[schemars(example = &["ALL"])]
    pub drop: Vec<String>,
}

/// # Health check
///
/// Target group health check settings, within AWS's ranges.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheckSpec {
    /// # Path
    ///
    /// The HTTP path to request (HTTP and HTTPS targets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^/"), example = &"/healthz")]
    pub path: Option<String>,
    /// # Port
    ///
    /// The port to check; defaults to each target's own port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u16>", range(min = 1, max = 65535))]
    pub port: Option<Port>,
    /// # Interval
    ///
    /// Seconds between checks (5–300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 5, max = 300))]
    pub interval_seconds: Option<u32>,
    /// # Timeout
    ///
    /// Seconds to wait for an answer (2–120), below the interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 120))]
    pub timeout_seconds: Option<u32>,
    /// # Healthy threshold
    ///
    /// Consecutive successes before a VM receives traffic (2–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 10))]
    pub healthy_threshold: Option<u32>,
    /// # Unhealthy threshold
    ///
    /// Consecutive failures before a VM stops receiving traffic (2–10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 10))]
    pub unhealthy_threshold: Option<u32>,
}

/// # Rolling update
///
/// Kubernetes-style surge and unavailability, as counts or percentages of `replicas`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateSpec {
    /// # Max surge
    ///
    /// Extra VMs allowed during an update: a count or a percentage (rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<Amount>,
    /// # Max unavailable
    ///
    /// VMs allowed out of service during an update: a count or a percentage (rounded
    /// down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<Amount>,
    /// # Pause
    ///
    /// Seconds to wait after each batch of new VMs (0–3600; default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 3600))]
    pub pause_seconds: Option<u32>,
}

/// # Autoscaling
///
/// The group's bounds and the average CPU utilisation it keeps.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AutoscalingSpec {
    /// # Minimum
    ///
    /// The fewest VMs (at least 1): the group starts with this many.
    #[serde(default = "default_autoscaling_min")]
    #[schemars(range(min = 1, max = 10000))]
    pub min: u32,
    /// # Maximum
    ///
    /// The most VMs scaling may run, at least `min`. A rolling update may add its surge
    /// on top.
    #[schemars(range(min = 1, max = 10000))]
    pub max: u32,
    /// # CPU target
    ///
    /// The average CPU utilisation of the VMs, in percent of the instance's CPU, that
    /// scaling keeps (default 80, as Kubernetes). Unlike a HorizontalPodAutoscaler's, whose
    /// percentage is of the pods' CPU requests, no conversion is needed: the manifest has no
    /// requests, and the VM is the pod's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub cpu: Option<u32>,
}

fn default_autoscaling_min() -> u32 {
    1
}

/// # Amount
///
/// A count such as `1`, or a percentage such as `"25%"`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Amount {
    Count(u32),
    Percent(#[schemars(pattern(r"^[0-9]{1,3}%$"))] String),
}

/// Whether a manifest that deserialised also meets every constraint the schema adds to the
/// Rust types (the `#[schemars(...)]` ranges, lengths and patterns above). Valid manifests
/// then skip building the schema validator, the largest cost of a run; anything outside
/// goes through the validator, which words the errors. `tests/schema_consistency.rs` keeps
/// this function and the schema in agreement.
#[must_use]
pub fn within_schema_limits(manifest: &Manifest) -> bool {
    let in_range = |value: Option<u32>, low: u32, high: u32| {
        value.is_none_or(|value| (low..=high).contains(&value))
    };
    let name_ok = crate::input::rules::is_dns_label(&manifest.name);
    let instance_type_ok = manifest
        .instance_type
        .split_once('.')
        .is_some_and(|(family, size)| {
            !family.is_empty()
                && !size.is_empty()
                && family
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && size
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    let health_ok = manifest.health_check.as_ref().is_none_or(|check| {
        check
            .path
            .as_deref()
            .is_none_or(|path| path.starts_with('/'))
            && in_range(check.interval_seconds, 5, 300)
            && in_range(check.timeout_seconds, 2, 120)
            && in_range(check.healthy_threshold, 2, 10)
            && in_range(check.unhealthy_threshold, 2, 10)
    });
    let amount_ok = |amount: &Option<Amount>| match amount {
        Some(Amount::Percent(text)) => text.strip_suffix('%').is_some_and(|digits| {
            (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        }),
        _ => true,
    };
    let update_ok = manifest.update.as_ref().is_none_or(|update| {
        in_range(update.pause_seconds, 0, 3600)
            && amount_ok(&update.max_surge)
            && amount_ok(&update.max_unavailable)
    });
    let containers_ok = !manifest.containers.is_empty()
        && manifest.containers.values().all(|container| {
            !container.image.is_empty()
                && container.ports.iter().all(|spec| match spec {
                    PortSpec::Number(_) => true,
                    PortSpec::Text(text) => port_text_shape(text),
                    PortSpec::Object(object) => object
                        .certificate
                        .as_deref()
                        .is_none_or(|arn| arn.starts_with("arn:")),
                })
        });
    let autoscaling_ok = manifest.autoscaling.as_ref().is_none_or(|autoscaling| {
        (1..=10_000).contains(&autoscaling.min)
            && (1..=10_000).contains(&autoscaling.max)
            && in_range(autoscaling.cpu, 1, 100)
    });
    let role_ok = manifest
        .role
        .as_deref()
        .is_none_or(crate::role_arn::has_role_arn_shape);
    name_ok
        && manifest.replicas <= 10_000
        && autoscaling_ok
        && role_ok
        && instance_type_ok
        && health_ok
        && update_ok
        && containers_ok
}

/// `^[A-Za-z0-9]+(:[^:]+)*$`, the port string pattern of the schema.
fn port_text_shape(text: &str) -> bool {
    let mut parts = text.split(':');
    parts
        .next()
        .is_some_and(|first| !first.is_empty() && first.bytes().all(|b| b.is_ascii_alphanumeric()))
        && parts.all(|part| !part.is_empty())
}
