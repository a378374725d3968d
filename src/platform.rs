//! The LinuxKit images every generated VM is built from, pinned in this one place.
//! Source: linuxkit/linuxkit `examples/platform-aws.yml` (2025-12). Bump them together.

pub const KERNEL_IMAGE: &str = "linuxkit/kernel:6.12.59";
/// EC2 exposes the serial console on ttyS0.
pub const KERNEL_CMDLINE: &str = "console=ttyS0";

pub const INIT_IMAGES: [&str; 4] = [
    "linuxkit/init:b5506cc74a6812dc40982cacfd2f4328f8a4b12a",
    "linuxkit/runc:9442aa234715e751a16144f1d4ae3fd1a00fd492",
    "linuxkit/containerd:ba19f64efd3331a8fd0a33e00eabd14f6ee1780e",
    "linuxkit/ca-certificates:256f1950df59f2f209e9f0b81374177409eb11de",
];

pub const SYSCTL_IMAGE: &str = "linuxkit/sysctl:43ac1d39da329c3567fcb9689e5ca99de6d169b6";
pub const DHCPCD_IMAGE: &str = "linuxkit/dhcpcd:b87e9ececac55a65eaa592f4dd8b4e0c3009afdb";
pub const RNGD_IMAGE: &str = "linuxkit/rngd:984eb580ecb63986f07f626b61692a97aacd7198";

/// One DHCP lease at boot, before the pod starts, so containers find the network up.
pub const DHCPCD_ONBOOT_COMMAND: [&str; 5] =
    ["/sbin/dhcpcd", "--nobackground", "-f", "/dhcpcd.conf", "-1"];
/// Then a long-running client that renews the lease for the VM's lifetime.
pub const DHCPCD_SERVICE_COMMAND: [&str; 4] =
    ["/sbin/dhcpcd", "--nobackground", "-f", "/dhcpcd.conf"];

/// LinuxKit's own packages that format an empty disk and mount a filesystem, at the tags of
/// linuxkit/linuxkit 3bf33c3a (the git tree hash of `pkg/format` and `pkg/mount`; field notes
/// `docs/field-notes/stateful-and-boot.md` §1).
pub const FORMAT_IMAGE: &str = "linuxkit/format:4f779c0b0d0ba145b7f03211b5cbf59fbbe12e54";
pub const MOUNT_IMAGE: &str = "linuxkit/mount:bd1c3bb45e48e68e47a9456d1669f7119f855184";

/// The static busybox that runs wrapped containers' boot values into their environment: the
/// official image's musl variant is built `CONFIG_STATIC=y` (docker-library/busybox), unlike
/// the default glibc one. See docs/field-notes/stateful-and-boot.md §4.
pub const BUSYBOX_IMAGE: &str = "busybox:1.38.0-musl";
/// The AWS CLI's official image (aws/aws-cli `docker/Dockerfile`, v2 branch): Amazon Linux
/// 2023 with bash as `/bin/sh`, curl-minimal (IMDSv2 needs a PUT), jq and `aws`.
pub const AWS_CLI_IMAGE: &str = "amazon/aws-cli:2.36.7";
