//! The onboot steps that give a StatefulSet ordinal its disks, before any container of the
//! pod starts: attach each volume (found by its tags) to this VM, format it if it is empty,
//! mount it, and only then make the directory containers bind.
//!
//! Scripts are constants; the claims and device names reach them only as arguments.

use crate::model::stateful::{CLAIM_DATA_DIRECTORY, CLAIM_MOUNT_ROOT, Claim};

/// Where the attach step links each claim's disk and its first partition, so `format` and
/// `mount` can name them before the NVMe names (which change between boots) are known.
pub const CLAIM_DEVICE_ROOT: &str = "/dev/i2kit";

/// Attaches each claim's volume to this instance and links its device. Arguments: pairs of
/// claim name and the device name to request (`/dev/sdf`…). IMDSv2 gives the instance id and
/// region; the volume is the one tagged with both the instance id and the claim
/// (`crate::emit::ordinals`). While another instance holds it (the one this VM replaces,
/// until CloudFormation deletes it), the step waits. On Nitro instances the NVMe controller's
/// serial is the volume id without its dash (EBS user guide, identify-nvme-ebs-device; field
/// notes §2), which finds the device whatever name the kernel gave it. `format` names the
/// partition of a device whose name ends in a letter by appending `1`, hence `disk1`.
pub const ATTACH_SCRIPT: &str = r#"set -eu
token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 900' http://169.254.169.254/latest/api/token)
imds() { curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"; }
instance=$(imds instance-id)
AWS_DEFAULT_REGION=$(imds placement/region)
export AWS_DEFAULT_REGION
while [ "$#" -ge 2 ]; do
  claim=$1 device=$2
  shift 2
  volume=None
  while [ "$volume" = None ] || [ -z "$volume" ]; do
    volume=$(aws ec2 describe-volumes --filters "Name=tag:i2kit-instance,Values=$instance" "Name=tag:i2kit-claim,Values=$claim" --query 'Volumes[0].VolumeId' --output text) || volume=None
    [ "$volume" = None ] && sleep 5
  done
  while :; do
    holder=$(aws ec2 describe-volumes --volume-ids "$volume" --query 'Volumes[0].Attachments[0].InstanceId' --output text) || holder=unknown
    [ "$holder" = "$instance" ] && break
    if [ "$holder" = None ]; then
      aws ec2 attach-volume --volume-id "$volume" --instance-id "$instance" --device "$device" >/dev/null || true
    fi
    sleep 5
  done
  serial=$(printf '%s' "$volume" | tr -d -)
  disk=
  while [ -z "$disk" ]; do
    for block in /sys/block/nvme*n1; do
      [ -e "$block/device/serial" ] || continue
      if [ "$(tr -d ' ' < "$block/device/serial")" = "$serial" ]; then disk=${block##*/}; fi
    done
    [ -n "$disk" ] || sleep 1
  done
  mkdir -p "/dev/i2kit/$claim"
  ln -sfn "/dev/$disk" "/dev/i2kit/$claim/disk"
  ln -sfn "/dev/${disk}p1" "/dev/i2kit/$claim/disk1"
done
"#;

/// Makes each claim's data directory, only where its filesystem is mounted: a disk that did
/// not attach or mount leaves nothing to bind, so the pod's containers fail to start rather
/// than write to the VM's own disk. With the pod's fsGroup, the directory is given that group,
/// group-writable and setgid (new files inherit it), as Kubernetes gives a volume its fsGroup;
/// files already there keep theirs. Arguments: the directory's name, the group (empty: none),
/// then the claims' mount points. The shell reads `/proc/mounts` itself: the image's base
/// (Amazon Linux 2023) is not known here to carry `grep`.
pub const READY_SCRIPT: &str = r#"set -eu
directory=$1 group=$2
shift 2
for mount in "$@"; do
  while read -r _ point _; do
    if [ "$point" = "$mount" ]; then
      mkdir -p "$mount/$directory"
      if [ -n "$group" ]; then
        chgrp "$group" "$mount/$directory"
        chmod 2775 "$mount/$directory"
      fi
      break
    fi
  done < /proc/mounts
done
"#;

/// An onboot step: its name, image, command and extra binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootStep {
    pub name: &'static str,
    pub image: &'static str,
    pub command: Vec<String>,
    pub binds: Vec<String>,
    /// Directories LinuxKit makes before the step starts (`runtime.mkdir`).
    pub mkdir: Vec<String>,
}

/// The device EC2 is asked to attach the `index`th claim as (`/dev/sdf` onwards; on Nitro
/// instances the kernel names it by NVMe order whatever this says).
fn requested_device(index: usize) -> String {
    let letters = "fghijklmnop";
    let letter = letters.chars().nth(index).unwrap_or('p');
    format!("/dev/sd{letter}")
}

/// The device link of a claim's disk and of its partition.
#[must_use]
pub fn claim_device(claim: &str) -> (String, String) {
    let base = [CLAIM_DEVICE_ROOT, claim, "disk"].join("/");
    let partition = format!("{base}1");
    (base, partition)
}

/// Where a claim's filesystem is mounted.
#[must_use]
pub fn claim_mount(claim: &str) -> String {
    [CLAIM_MOUNT_ROOT, claim].join("/")
}

/// The steps for `claims`, in order: attach all, then format and mount each, then ready.
#[must_use]
pub fn boot_steps(claims: &[Claim], fs_group: Option<u32>) -> Vec<BootStep> {
    if claims.is_empty() {
        return Vec::new();
    }
    let shell = |script: &str, name: &str| {
        vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            script.to_string(),
            name.to_string(),
        ]
    };
    let mut attach = shell(ATTACH_SCRIPT, "volume-attach");
    for (index, claim) in claims.iter().enumerate() {
        attach.push(claim.name.clone());
        attach.push(requested_device(index));
    }
    let mut steps = vec![BootStep {
        name: "volume-attach",
        image: crate::platform::AWS_CLI_IMAGE,
        command: attach,
        // The VM's resolver (dhcpcd's) to reach the EC2 endpoint; `/dev` to link the disks.
        binds: vec![
            "/dev:/dev".to_string(),
            "/etc/resolv.conf:/etc/resolv.conf:ro".to_string(),
        ],
        mkdir: Vec::new(),
    }];
    for claim in claims {
        let (disk, partition) = claim_device(&claim.name);
        steps.push(BootStep {
            name: "volume-format",
            image: crate::platform::FORMAT_IMAGE,
            command: vec![
                "/usr/bin/format".to_string(),
                "-type".to_string(),
                "ext4".to_string(),
                disk,
            ],
            binds: Vec::new(),
            mkdir: Vec::new(),
        });
        steps.push(BootStep {
            name: "volume-mount",
            image: crate::platform::MOUNT_IMAGE,
            command: vec![
                "/usr/bin/mountie".to_string(),
                "-device".to_string(),
                partition,
                claim_mount(&claim.name),
            ],
            binds: Vec::new(),
            mkdir: Vec::new(),
        });
    }
    let mut ready = shell(READY_SCRIPT, "volume-ready");
    ready.push(CLAIM_DATA_DIRECTORY.to_string());
    ready.push(fs_group.map(|group| group.to_string()).unwrap_or_default());
    ready.extend(claims.iter().map(|claim| claim_mount(&claim.name)));
    steps.push(BootStep {
        name: "volume-ready",
        image: crate::platform::AWS_CLI_IMAGE,
        command: ready,
        binds: vec![[CLAIM_MOUNT_ROOT, CLAIM_MOUNT_ROOT, "rbind"].join(":")],
        mkdir: vec![CLAIM_MOUNT_ROOT.to_string()],
    });
    steps
}
