//! Which pod runs the database: parse `kubectl get pods -o json` and choose a
//! Ready one (pure, testable without a cluster).

use serde::Deserialize;

use crate::failure::Failure;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    pub name: String,
    pub phase: String,
    pub ready: bool,
    pub terminating: bool,
}

#[derive(Deserialize)]
struct PodList {
    #[serde(default)]
    items: Vec<PodItem>,
}

#[derive(Deserialize)]
struct PodItem {
    metadata: Metadata,
    #[serde(default)]
    status: Status,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    name: String,
    #[serde(default)]
    deletion_timestamp: Option<String>,
}

#[derive(Deserialize, Default)]
struct Status {
    #[serde(default)]
    phase: Option<String>,
    #[serde(default)]
    conditions: Vec<Condition>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Condition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

/// The pods of a `kubectl get pods -o json` answer, sorted by name.
pub fn parse_pods(json: &str) -> Result<Vec<Pod>, Failure> {
    let list: PodList = serde_json::from_str(json).map_err(|e| {
        Failure::error(format!("kubectl printed a pod list Forge cannot read: {e}"))
    })?;
    let mut pods: Vec<Pod> = list
        .items
        .into_iter()
        .map(|item| Pod {
            ready: item
                .status
                .conditions
                .iter()
                .any(|c| c.kind == "Ready" && c.status == "True"),
            phase: item.status.phase.unwrap_or_else(|| "Unknown".to_string()),
            terminating: item.metadata.deletion_timestamp.is_some(),
            name: item.metadata.name,
        })
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(pods)
}

/// The first Ready, running pod that is not being deleted; otherwise an error
/// naming the namespace, the selector and what the pods are doing.
pub fn choose_pod(pods: &[Pod], namespace: &str, selector: &str) -> Result<Pod, Failure> {
    let check = format!("kubectl get pods -n {namespace} -l {selector}");
    if pods.is_empty() {
        return Err(Failure::error(format!("no pod matches selector `{selector}` in namespace `{namespace}`"))
            .with_hint(format!("check with `{check}`; set [k8s] namespace and selector in forge.toml (or K8S_NAMESPACE, --namespace, --selector)")));
    }
    if let Some(pod) = pods
        .iter()
        .find(|p| p.ready && p.phase == "Running" && !p.terminating)
    {
        return Ok(pod.clone());
    }
    let states: Vec<String> = pods
        .iter()
        .map(|p| {
            let state = if p.terminating {
                "Terminating".to_string()
            } else if p.ready {
                p.phase.clone()
            } else {
                format!("{}, not Ready", p.phase)
            };
            format!("{} is {state}", p.name)
        })
        .collect();
    Err(Failure::error(format!(
        "no pod matching selector `{selector}` in namespace `{namespace}` is Ready ({})",
        states.join(", ")
    ))
    .with_hint(format!(
        "wait until the database pod is Ready (`{check} -w`) and run the command again"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_json(name: &str, phase: &str, ready: &str) -> String {
        format!(
            r#"{{"metadata":{{"name":"{name}"}},"status":{{"phase":"{phase}","conditions":[{{"type":"Ready","status":"{ready}"}}]}}}}"#
        )
    }

    #[test]
    fn a_ready_pod_is_chosen_over_one_that_is_not() {
        let json = format!(
            r#"{{"items":[{},{}]}}"#,
            pod_json("postgres-0", "Pending", "False"),
            pod_json("postgres-1", "Running", "True")
        );
        let pods = parse_pods(&json).unwrap();
        assert_eq!(
            choose_pod(&pods, "ns", "app=pg").unwrap().name,
            "postgres-1"
        );
    }

    #[test]
    fn no_pod_names_the_namespace_and_the_selector() {
        let pods = parse_pods(r#"{"apiVersion":"v1","items":[],"kind":"List"}"#).unwrap();
        let failure = choose_pod(&pods, "prod", "app=pg").unwrap_err();
        assert!(
            failure.message().contains("`app=pg`") && failure.message().contains("`prod`"),
            "{}",
            failure.message()
        );
    }

    #[test]
    fn pods_that_are_not_ready_are_described() {
        let json = format!(
            r#"{{"items":[{}]}}"#,
            pod_json("postgres-0", "Running", "False")
        );
        let failure = choose_pod(&parse_pods(&json).unwrap(), "prod", "app=pg").unwrap_err();
        assert!(
            failure
                .message()
                .contains("postgres-0 is Running, not Ready"),
            "{}",
            failure.message()
        );
    }
}
