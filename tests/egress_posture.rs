//! Where the VMs of every golden template may open connections. Outbound rules add up over every
//! group a network interface carries, and a group written without outbound rules gets AWS's
//! allow-all ("if you do not add egress rules, we add egress rules that allow all outbound IPv4
//! and IPv6 traffic", `AWS::EC2::SecurityGroup`). So: every group a VM carries writes its
//! outbound rules; all but the VM's own instance group match no traffic; no standalone egress
//! resource adds to them; and where no NetworkPolicy restricts egress, the instance group
//! allows every destination, exactly as open as AWS's default was.

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::golden_templates;
use serde_json::{Value, json};
use std::fs;
use std::path::Path;

/// Whether the fixture behind `template` holds a NetworkPolicy that may restrict egress.
fn restricts_egress(template: &Path) -> bool {
    let fixture = template.parent().and_then(Path::parent).expect("a fixture");
    ["input.yaml", "stdin.yaml"].iter().any(|input| {
        fs::read_to_string(fixture.join(input))
            .is_ok_and(|text| text.contains("kind: NetworkPolicy") && text.contains("gress"))
    }) || fixture.join("inputs").is_dir()
}

fn matches_no_traffic(rules: &Value) -> bool {
    let Some([rule]) = rules.as_array().map(Vec::as_slice) else {
        return false;
    };
    rule["IpProtocol"] == "icmp"
        && rule["FromPort"] == 252
        && rule["ToPort"] == 86
        && rule["CidrIp"] == "255.255.255.255/32"
        && rule.get("CidrIpv6").is_none()
}

fn allows_everything(rules: &Value) -> bool {
    let Some(rules) = rules.as_array() else {
        return false;
    };
    let open = |key: &str, everywhere: &str| {
        rules
            .iter()
            .any(|rule| rule["IpProtocol"] == "-1" && rule[key] == everywhere)
    };
    rules.len() == 2 && open("CidrIp", "0.0.0.0/0") && open("CidrIpv6", "::/0")
}

/// The problems of one template.
fn egress_problems(template: &Value, policed: bool) -> (usize, Vec<String>) {
    let resources = template["Resources"].as_object().expect("Resources");
    let mut problems = Vec::new();
    let mut vms = 0;
    for (id, resource) in resources {
        if resource["Type"] == "AWS::EC2::SecurityGroupEgress" {
            problems.push(format!(
                "{id}: a standalone egress rule leaves its group's allow-all in place"
            ));
        }
        if resource["Type"] != "AWS::EC2::LaunchTemplate" {
            continue;
        }
        vms += 1;
        let interfaces = resource["Properties"]["LaunchTemplateData"]["NetworkInterfaces"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut groups: Vec<String> = interfaces
            .iter()
            .flat_map(|interface| interface["Groups"].as_array().cloned().unwrap_or_default())
            .filter_map(|group| group["Ref"].as_str().map(str::to_string))
            .collect();
        // A StatefulSet's ordinals name their groups on the instance, one set per ordinal.
        if groups.is_empty() {
            let ordinals: Vec<&Value> = template["Resources"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(_, instance)| instance)
                .filter(|instance| {
                    instance["Properties"]["LaunchTemplate"]["LaunchTemplateId"]["Ref"]
                        == id.as_str()
                })
                .collect();
            groups = ordinals
                .first()
                .and_then(|instance| {
                    instance["Properties"]["NetworkInterfaces"][0]["GroupSet"].as_array()
                })
                .into_iter()
                .flatten()
                .filter_map(|group| group["Ref"].as_str().map(str::to_string))
                .collect();
        }
        if groups.is_empty() {
            problems.push(format!("{id}: carries no group i2kit wrote"));
        }
        let own: Vec<&String> = groups
            .iter()
            .filter(|group| group.ends_with("InstanceSecurityGroup"))
            .collect();
        if own.len() != 1 {
            problems.push(format!("{id}: carries {} instance groups", own.len()));
        }
        for group in &groups {
            let rules = &resources[group.as_str()]["Properties"]["SecurityGroupEgress"];
            if rules.is_null() {
                problems.push(format!(
                    "{id}: its group {group} writes no outbound rule, so AWS allows all"
                ));
            } else if !own.contains(&group) && !matches_no_traffic(rules) {
                problems.push(format!(
                    "{id}: shared group {group} allows outbound traffic: {rules}"
                ));
            } else if own.contains(&group) && !policed && !allows_everything(rules) {
                problems.push(format!(
                    "{id}: no NetworkPolicy restricts it, yet {group} allows only {rules}"
                ));
            }
        }
    }
    (vms, problems)
}

#[test]
fn a_vm_carries_no_group_that_allows_more_egress_than_its_own() {
    let mut vms = 0;
    let mut restricted = 0;
    let mut problems = Vec::new();
    for path in golden_templates() {
        let template: Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("readable")).expect("JSON");
        let (found, found_problems) = egress_problems(&template, restricts_egress(&path));
        vms += found;
        problems.extend(
            found_problems
                .into_iter()
                .map(|problem| format!("{}: {problem}", path.display())),
        );
        restricted += template["Resources"]
            .as_object()
            .expect("Resources")
            .iter()
            .filter(|(id, resource)| {
                id.ends_with("InstanceSecurityGroup")
                    && !allows_everything(&resource["Properties"]["SecurityGroupEgress"])
            })
            .count();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(vms > 100, "only {vms} VMs checked");
    // The check must have met restricted VMs, not only open ones.
    assert!(
        restricted >= 3,
        "only {restricted} restricted instance groups"
    );
}

/// The check itself catches the defects it is for.
#[test]
fn the_check_refuses_a_shared_group_with_aws_default_egress() {
    let template = |application: Value| {
        json!({"Resources": {
            "WebLaunchTemplate": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
                "NetworkInterfaces": [{"Groups": [{"Ref": "WebInstanceSecurityGroup"}, {"Ref": "ApplicationSecurityGroup"}]}]}}},
            "WebInstanceSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "SecurityGroupEgress": [{"CidrIp": "10.0.0.0/8", "IpProtocol": "-1"}]}},
            "ApplicationSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": application}
        }})
    };
    let placeholder = json!({"SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}]});
    assert!(egress_problems(&template(placeholder), true).1.is_empty());
    assert_eq!(egress_problems(&template(json!({})), true).1.len(), 1);
    // Unpoliced, the VM's own group must stay open.
    assert_eq!(egress_problems(&template(json!({})), false).1.len(), 2);
}
