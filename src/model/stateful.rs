//! What a StatefulSet (or a Deployment of one replica with a volume claim) adds to a
//! deployment: each ordinal is its own VM with its own name and disks, instead of one of an
//! Auto Scaling group's interchangeable VMs.

/// Where a claim's filesystem is mounted on the VM. Under `/var`, because `linuxkit/mount`
/// propagates mounts to the host only there (LinuxKit docs/external-disk.md).
pub const CLAIM_MOUNT_ROOT: &str = "/var/lib/i2kit/volumes";

/// The directory of a claim's filesystem that containers mount. It is created only once the
/// disk is mounted (see `crate::emit::volume_boot`), so a disk that failed to attach leaves
/// no directory to bind and the container does not start, rather than writing to the VM's
/// own disk, which is lost with the VM.
pub const CLAIM_DATA_DIRECTORY: &str = "data";

/// The VM directory a container's mount of claim `claim` binds.
#[must_use]
pub fn claim_source(claim: &str) -> String {
    [CLAIM_MOUNT_ROOT, claim, CLAIM_DATA_DIRECTORY].join("/")
}

/// The smallest and largest EBS volume, in GiB, of the types i2kit maps (gp2, gp3, io1, io2:
/// 1–16,384; st1, sc1: 125–16,384; standard: 1–1,024; AWS::EC2::Volume, Size).
pub const MAX_VOLUME_GIB: u32 = 16_384;

/// An EBS volume type (AWS::EC2::Volume VolumeType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VolumeType {
    Gp2,
    Gp3,
    Io1,
    Io2,
    St1,
    Sc1,
    Standard,
}

impl VolumeType {
    pub const ALL: [VolumeType; 7] = [
        VolumeType::Gp2,
        VolumeType::Gp3,
        VolumeType::Io1,
        VolumeType::Io2,
        VolumeType::St1,
        VolumeType::Sc1,
        VolumeType::Standard,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VolumeType::Gp2 => "gp2",
            VolumeType::Gp3 => "gp3",
            VolumeType::Io1 => "io1",
            VolumeType::Io2 => "io2",
            VolumeType::St1 => "st1",
            VolumeType::Sc1 => "sc1",
            VolumeType::Standard => "standard",
        }
    }

    #[must_use]
    pub fn named(name: &str) -> Option<VolumeType> {
        VolumeType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The sizes, in GiB, the type allows (AWS::EC2::Volume, Size).
    #[must_use]
    pub fn size_range(self) -> (u32, u32) {
        match self {
            VolumeType::St1 | VolumeType::Sc1 => (125, MAX_VOLUME_GIB),
            VolumeType::Standard => (1, 1024),
            VolumeType::Io1 | VolumeType::Io2 => (4, MAX_VOLUME_GIB),
            VolumeType::Gp2 | VolumeType::Gp3 => (1, MAX_VOLUME_GIB),
        }
    }

    /// io1 and io2 need `Iops`, which a claim cannot say.
    #[must_use]
    pub fn needs_iops(self) -> bool {
        matches!(self, VolumeType::Io1 | VolumeType::Io2)
    }
}

/// One disk each ordinal gets: a `volumeClaimTemplates` entry, or a PersistentVolumeClaim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// A DNS label: names the volume's directory and its logical ids.
    pub name: String,
    pub size_gib: u32,
    pub volume_type: VolumeType,
    /// Provisioned IOPS and throughput (MiB/s) its StorageClass asks for; `None`: the type's.
    pub iops: Option<u32>,
    pub throughput: Option<u32>,
    /// Its StorageClass's `reclaimPolicy: Retain`: the volume outlives the claim, whatever the
    /// set's retention policy says.
    pub keep: bool,
}

/// What happens to an ordinal's volumes when the stack is deleted or the ordinal is removed
/// from the template (scaled down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Kubernetes' default: the claim, and so the data, outlives the set.
    Retain,
    /// `whenDeleted: Delete` and `whenScaled: Delete`.
    Delete,
}

/// A headless Service naming the ordinals: `<set>-<i>.<service>.<namespace>.svc.cluster.local`
/// for each, and `<service>.<namespace>.svc.cluster.local` for all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadlessName {
    pub service: crate::model::ServiceName,
    pub namespace: crate::model::Namespace,
}

/// A headless Service over StatefulSets: `<service>.<namespace>.svc.cluster.local` lists every
/// ordinal of every set it selects, as the cluster DNS lists every ready pod it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadlessService {
    pub name: crate::model::ServiceName,
    pub namespace: crate::model::Namespace,
    pub span: crate::source::Span,
    /// The StatefulSets it selects, in document order.
    pub sets: Vec<crate::model::DeploymentName>,
}

/// A deployment whose VMs are ordinals with names and disks of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stateful {
    /// The first ordinal (`spec.ordinals.start`); the deployment's `replicas` follow it.
    pub start: u32,
    pub claims: Vec<Claim>,
    pub retention: Retention,
    /// `spec.serviceName`: the headless Service that gives each ordinal its own name.
    pub service_name: Option<String>,
    /// `podManagementPolicy: OrderedReady`: each ordinal is created after the one before it,
    /// and deleted before it.
    pub ordered: bool,
    /// The pod's `fsGroup`: the group its claims' directories are given (setgid, group
    /// writable), as Kubernetes gives a volume the fsGroup.
    pub fs_group: Option<u32>,
    /// The headless Services that select the set, in document order.
    pub headless: Vec<HeadlessName>,
    /// The container ports callers of the headless names reach directly, sorted.
    pub ports: Vec<OrdinalPort>,
}

/// A container port of the ordinals that callers reach directly, and who may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrdinalPort {
    pub port: crate::model::Port,
    pub udp: bool,
    /// The application's VMs (`Default`), or exactly what the NetworkPolicies isolating the
    /// set admit on this port (`crate::infer::network_policy`).
    pub admission: crate::model::Admission,
}

impl Stateful {
    /// The ordinals, lowest first.
    pub fn ordinals(&self, replicas: u32) -> impl Iterator<Item = u32> + '_ {
        (0..replicas).filter_map(|offset| self.start.checked_add(offset))
    }
}

/// `<set>-<ordinal>`: the pod's name and host name in Kubernetes.
#[must_use]
pub fn ordinal_name(set: &str, ordinal: u32) -> String {
    format!("{set}-{ordinal}")
}
