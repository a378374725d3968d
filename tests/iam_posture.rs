//! What the VMs may do, checked over every golden template: every permission i2kit writes is
//! held by a role the VMs act as, and none is granted on every resource but what AWS offers
//! no narrower resource for.
//!
//! A role reaches VMs only through the instance profile their launch template names, and a
//! launch template names one. A permission on any other role is one the VMs do not have: the
//! boot step that needs it then fails on a real account, which the emulator does not show.

#[path = "common/fixtures.rs"]
mod fixtures;

use serde_json::Value;
use std::collections::BTreeSet;

/// A role as a policy or profile names it: `Ref` of the stack's own, or an existing role's name.
fn role_key(entry: &Value) -> String {
    entry["Ref"]
        .as_str()
        .map_or_else(|| entry.to_string(), |id| format!("ref:{id}"))
}

/// Actions AWS gives no resource-level permission for, so `*` is their only resource.
fn resourceless(action: &str) -> bool {
    action.starts_with("ec2:Describe")
}

#[test]
fn every_permission_is_held_by_a_role_the_vms_act_as_and_none_on_everything() {
    let mut checked = 0;
    for path in fixtures::golden_templates() {
        let text = std::fs::read_to_string(&path).expect("template");
        let template: Value = serde_json::from_str(&text).expect("JSON");
        let Some(resources) = template["Resources"].as_object() else {
            continue;
        };
        let mut acting = BTreeSet::new();
        for resource in resources.values() {
            let data = &resource["Properties"]["LaunchTemplateData"];
            if let Some(profile) = data["IamInstanceProfile"]["Arn"]["Fn::GetAtt"][0].as_str() {
                for role in resources[profile]["Properties"]["Roles"]
                    .as_array()
                    .expect("a profile's roles")
                {
                    acting.insert(role_key(role));
                }
            }
        }
        for (id, resource) in resources {
            let (holders, documents): (Vec<String>, Vec<&Value>) = match resource["Type"].as_str() {
                Some("AWS::IAM::Policy") => (
                    resource["Properties"]["Roles"]
                        .as_array()
                        .expect("a policy's roles")
                        .iter()
                        .map(role_key)
                        .collect(),
                    vec![&resource["Properties"]["PolicyDocument"]],
                ),
                Some("AWS::IAM::Role") => (
                    vec![format!("ref:{id}")],
                    resource["Properties"]["Policies"]
                        .as_array()
                        .map(|policies| policies.iter().map(|p| &p["PolicyDocument"]).collect())
                        .unwrap_or_default(),
                ),
                _ => continue,
            };
            if documents.is_empty() {
                continue;
            }
            checked += 1;
            for holder in &holders {
                assert!(
                    acting.contains(holder),
                    "{}: {id} grants permissions to {holder}, which no launch template's profile hands its VMs (they act as {acting:?})",
                    path.display()
                );
            }
            for statement in documents
                .iter()
                .flat_map(|d| d["Statement"].as_array().into_iter().flatten())
            {
                let actions: Vec<&str> = match &statement["Action"] {
                    Value::String(one) => vec![one.as_str()],
                    Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                let everything = statement["Resource"] == "*"
                    || statement["Resource"]
                        .as_array()
                        .is_some_and(|r| r.iter().any(|r| r == "*"));
                assert!(
                    !everything || actions.iter().all(|action| resourceless(action)),
                    "{}: {id} grants {actions:?} on every resource",
                    path.display()
                );
            }
        }
    }
    assert!(
        checked > 0,
        "no golden template grants a permission: the check would pass vacuously"
    );
}
