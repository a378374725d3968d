//! The hosts a container's environment names: a variable whose value is a URL
//! (`http://api:8080/v1`), an address with a port (`redis:6379`), a cluster name
//! (`api.shop.svc.cluster.local`), or any host in a variable named for one (`DB_HOST`,
//! `API_URL`, `BROKER_ADDRESS`). Only literal `value`s are read: a value from a ConfigMap has
//! no place in the pod template to point at, and `$(VAR)` references are left as written.

use super::pod::{EnvRecipe, EnvValue, PodConfig};
use crate::dns::CLUSTER_DOMAIN;
use crate::model::Namespace;
use crate::model::intent::Call;

/// Endings of variable names that hold a host, after `_` or alone (`HOST`, `DB_HOST`).
const HOST_VARIABLES: [&str; 10] = [
    "HOST", "HOSTNAME", "HOSTS", "ADDR", "ADDRESS", "SERVER", "SERVERS", "ENDPOINT", "URL", "URI",
];

/// Every host the containers (and init containers) of one Deployment's pod name.
#[must_use]
pub fn calls_in(caller: &str, namespace: &Namespace, config: &PodConfig) -> Vec<Call> {
    let recipes = config.containers.iter().chain(&config.init_containers);
    recipes
        .flat_map(|recipe: &EnvRecipe| &recipe.variables)
        .flat_map(|variable| {
            let EnvValue::Literal(text) = &variable.value else {
                return Vec::new();
            };
            hosts_in(&variable.name, text)
                .into_iter()
                .map(|host| Call {
                    host,
                    caller: caller.to_string(),
                    namespace: namespace.clone(),
                    variable: variable.name.clone(),
                    span: variable.span,
                })
                .collect()
        })
        .collect()
}

/// The hosts of a variable's value, lowercased, each once, in the order written.
#[must_use]
pub fn hosts_in(variable: &str, value: &str) -> Vec<String> {
    let upper = variable.to_ascii_uppercase();
    let named_for_hosts = HOST_VARIABLES
        .iter()
        .any(|ending| upper == *ending || upper.ends_with(&["_", ending].concat()));
    let mut hosts: Vec<String> = Vec::new();
    for token in value.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        if token.contains("$(") {
            continue;
        }
        let (rest, has_scheme) = match token.split_once("://") {
            Some((_, rest)) => (rest, true),
            None => (token, false),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let (host, has_port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                (host, true)
            }
            _ => (authority, false),
        };
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        let in_cluster =
            host.ends_with(&[".svc.", CLUSTER_DOMAIN].concat()) || host.ends_with(".svc");
        if !(has_scheme || has_port || in_cluster || named_for_hosts) || !is_host_name(&host) {
            continue;
        }
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// Whether `host` could name a Service: labels of letters, digits and `-`, none empty, the
/// first starting with a letter (so `12:30` is a time, not host `12`).
fn is_host_name(host: &str) -> bool {
    host.starts_with(|c: char| c.is_ascii_alphabetic())
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls_addresses_and_host_variables() {
        assert_eq!(hosts_in("API", "http://api:8080/v1"), vec!["api"]);
        assert_eq!(hosts_in("CACHE", "redis:6379"), vec!["redis"]);
        assert_eq!(
            hosts_in("UPSTREAM", "Api.Shop.svc.cluster.local."),
            vec!["api.shop.svc.cluster.local"]
        );
        assert_eq!(hosts_in("DB_HOST", "postgres"), vec!["postgres"]);
        assert_eq!(
            hosts_in("BROKERS", "kafka-0:9092,kafka-1:9092"),
            vec!["kafka-0", "kafka-1"]
        );
        assert_eq!(
            hosts_in("DSN", "postgres://user:pw@db:5432/app"),
            vec!["db"]
        );
    }

    #[test]
    fn words_that_name_no_host_are_left_alone() {
        assert!(hosts_in("MODE", "api").is_empty());
        assert!(hosts_in("GREETING", "hello world").is_empty());
        assert!(hosts_in("API_URL", "http://$(API_HOST):80").is_empty());
        assert!(hosts_in("TIME", "12:30").is_empty());
        assert!(hosts_in("LISTEN", ":8080").is_empty());
    }
}
