//! Where the authentication of every golden template happens: an `authenticate-*` action only
//! on an HTTPS listener (ALB authenticates nowhere else), always first and followed by the
//! forward, an OIDC client secret only ever a Ref to a NoEcho parameter, and the load
//! balancer free to reach the identity provider on 443.

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::golden_templates;
use serde_json::Value;
use std::fs;

/// The problems of one list of actions on a listener of `protocol`.
fn action_problems(
    actions: &[Value],
    protocol: &str,
    parameters: &Value,
    what: &str,
) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let authenticating: Vec<&Value> = actions
        .iter()
        .filter(|action| {
            action["Type"]
                .as_str()
                .is_some_and(|kind| kind.starts_with("authenticate-"))
        })
        .collect();
    let Some(first) = authenticating.first() else {
        return (0, problems);
    };
    if protocol != "HTTPS" {
        problems.push(format!("{what}: authenticates on a {protocol} listener"));
    }
    if authenticating.len() != 1 || actions.len() != 2 {
        problems.push(format!(
            "{what}: expected one authenticate action and one forward"
        ));
    }
    let forward = actions.iter().find(|action| action["Type"] == "forward");
    if first["Order"] != 1 || forward.map(|action| &action["Order"]) != Some(&Value::from(2)) {
        problems.push(format!(
            "{what}: authenticate is not Order 1 before the forward's 2"
        ));
    }
    if let Some(config) = first.get("AuthenticateOidcConfig") {
        let secret = config["ClientSecret"]["Ref"].as_str().unwrap_or_default();
        if parameters[secret]["NoEcho"] != true {
            problems.push(format!(
                "{what}: the OIDC client secret is not a NoEcho parameter: {}",
                config["ClientSecret"]
            ));
        }
        if config.get("UseExistingClientSecret").is_some() {
            problems.push(format!("{what}: UseExistingClientSecret"));
        }
    }
    (1, problems)
}

/// The load balancer must reach the identity provider on 443, whose addresses are not known
/// at compile time: its security groups keep AWS's default allow-all egress (no inline
/// `SecurityGroupEgress`) or allow tcp 443 to 0.0.0.0/0.
fn egress_problems(
    resources: &serde_json::Map<String, Value>,
    listener_ref: &Value,
    properties: &Value,
    what: &str,
) -> Vec<String> {
    // A rule names its listener; a listener is itself the one with the default actions.
    let listener = match listener_ref["Ref"].as_str() {
        Some(id) => &resources[id]["Properties"],
        None => properties,
    };
    let balancer = listener["LoadBalancerArn"]["Ref"]
        .as_str()
        .unwrap_or_default();
    let groups = resources
        .get(balancer)
        .and_then(|resource| resource["Properties"]["SecurityGroups"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut problems = Vec::new();
    if groups.is_empty() {
        problems.push(format!("{what}: its load balancer has no security group"));
    }
    for group in groups {
        let id = group["Fn::GetAtt"][0]
            .as_str()
            .or(group["Ref"].as_str())
            .unwrap_or_default();
        let Some(egress) = resources
            .get(id)
            .map(|resource| &resource["Properties"]["SecurityGroupEgress"])
        else {
            problems.push(format!(
                "{what}: security group {group} is not in the template"
            ));
            continue;
        };
        let opens_443 = |rule: &Value| {
            rule["CidrIp"] == "0.0.0.0/0"
                && (rule["IpProtocol"] == "-1"
                    || (rule["IpProtocol"] == "tcp"
                        && rule["FromPort"].as_u64().is_some_and(|from| from <= 443)
                        && rule["ToPort"].as_u64().is_some_and(|to| to >= 443)))
        };
        let allowed = match egress.as_array() {
            None => egress.is_null(),
            Some(rules) => rules.iter().any(opens_443),
        };
        if !allowed {
            problems.push(format!("{what}: security group {id} does not let the load balancer reach the identity provider on 443"));
        }
    }
    problems
}

#[test]
fn authentication_happens_only_first_on_https_listeners_with_hidden_secrets() {
    let mut authenticated = 0;
    let mut problems = Vec::new();
    for path in golden_templates() {
        let template: Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("a template")).expect("JSON");
        let resources = template["Resources"].as_object().expect("Resources");
        let protocol_of = |listener: &Value| -> String {
            let id = listener["Ref"].as_str().unwrap_or_default();
            resources
                .get(id)
                .and_then(|resource| resource["Properties"]["Protocol"].as_str())
                .unwrap_or("none")
                .to_string()
        };
        for (id, resource) in resources {
            let properties = &resource["Properties"];
            let (actions, protocol) = match resource["Type"].as_str() {
                Some("AWS::ElasticLoadBalancingV2::Listener") => (
                    &properties["DefaultActions"],
                    properties["Protocol"]
                        .as_str()
                        .unwrap_or("none")
                        .to_string(),
                ),
                Some("AWS::ElasticLoadBalancingV2::ListenerRule") => (
                    &properties["Actions"],
                    protocol_of(&properties["ListenerArn"]),
                ),
                _ => continue,
            };
            let what = format!("{}: {id}", path.display());
            let (count, found) = action_problems(
                actions.as_array().map_or(&[][..], Vec::as_slice),
                &protocol,
                &template["Parameters"],
                &what,
            );
            authenticated += count;
            problems.extend(found);
            if count > 0 {
                problems.extend(egress_problems(
                    resources,
                    &properties["ListenerArn"],
                    properties,
                    &what,
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The fixtures hold protected routes: an empty check would prove nothing.
    assert!(
        authenticated >= 5,
        "only {authenticated} authenticated routes"
    );
}

#[test]
fn the_check_sees_authentication_on_plain_http_and_literal_secrets() {
    let parameters = serde_json::json!({ "Secret": { "Type": "String" } });
    let actions = serde_json::json!([
        { "Type": "authenticate-oidc", "Order": 1,
          "AuthenticateOidcConfig": { "ClientSecret": "literal" } },
        { "Type": "forward", "Order": 2 }
    ]);
    let (count, problems) = action_problems(
        actions.as_array().expect("a list"),
        "HTTP",
        &parameters,
        "rule",
    );
    assert_eq!(count, 1);
    assert_eq!(problems.len(), 2, "{problems:?}");
}
