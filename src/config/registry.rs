//! The executor the worker runs every agent task with: `builtin:*` goes to the built-in test
//! executor (when enabled), anything else to the agent `rwf.toml` maps the task's `uses` to.

use super::Config;
use crate::exec::{AgentOutcome, AgentReport, BoxFuture, DispatchRequest, Executor};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct AgentRegistry {
    agents: BTreeMap<String, Box<dyn Executor>>,
    builtin: Option<Arc<dyn Executor>>,
    /// Where the agents came from, for the "no such agent" message.
    source: String,
}

impl AgentRegistry {
    pub fn new(config: &Config, builtin: Option<Arc<dyn Executor>>) -> AgentRegistry {
        AgentRegistry {
            agents: config
                .agents
                .iter()
                .map(|(name, agent)| (name.clone(), agent.executor()))
                .collect(),
            builtin,
            source: config
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "rwf.toml (none found)".into()),
        }
    }

    pub fn agent_names(&self) -> impl Iterator<Item = &str> {
        self.agents.keys().map(String::as_str)
    }

    fn refuse(reason: String) -> AgentReport {
        AgentReport {
            transactional: false,
            outcome: AgentOutcome::Failed {
                reason: reason.clone(),
                retryable: false,
            },
            log: Some(reason),
        }
    }
}

impl Executor for AgentRegistry {
    fn dispatch<'a>(&'a self, request: &'a DispatchRequest) -> BoxFuture<'a, AgentReport> {
        if request.agent.starts_with("builtin:") {
            return match &self.builtin {
                Some(builtin) => builtin.dispatch(request),
                None => Box::pin(async move {
                    AgentRegistry::refuse(format!(
                        "agent `{}` needs the built-in test executor (rwf worker --test-executor)",
                        request.agent
                    ))
                }),
            };
        }
        match self.agents.get(&request.agent) {
            Some(executor) => executor.dispatch(request),
            None => Box::pin(async move {
                AgentRegistry::refuse(format!(
                    "no agent `{}` in {}; add [agents.{}]",
                    request.agent, self.source, request.agent
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Echo;
    impl Executor for Echo {
        fn dispatch<'a>(&'a self, r: &'a DispatchRequest) -> BoxFuture<'a, AgentReport> {
            Box::pin(async move {
                AgentReport {
                    transactional: false,
                    outcome: AgentOutcome::Succeeded {
                        output: json!({ "agent": r.agent }),
                    },
                    log: None,
                }
            })
        }
    }

    fn request(agent: &str) -> DispatchRequest {
        let id = uuid::Uuid::nil();
        DispatchRequest {
            workflow_id: id,
            task_key: "t".into(),
            attempt: 1,
            idempotency_key: DispatchRequest::key_for(id, "t", 1),
            agent: agent.into(),
            input: json!({}),
            timeout: None,
        }
    }

    #[tokio::test]
    async fn routes_by_uses() {
        let text = "[agents.writer]\nkind = \"command\"\nprogram = \"/bin/echo\"\nargs = [\"{\\\"done\\\": true}\"]\n";
        let config = Config::parse(text, "rwf.toml", std::path::Path::new("/"))
            .config
            .unwrap();
        let with_builtin = AgentRegistry::new(&config, Some(Arc::new(Echo)));
        assert_eq!(
            with_builtin.dispatch(&request("writer")).await.outcome,
            AgentOutcome::Succeeded {
                output: json!({"done": true})
            }
        );
        assert_eq!(
            with_builtin
                .dispatch(&request("builtin:echo"))
                .await
                .outcome,
            AgentOutcome::Succeeded {
                output: json!({"agent": "builtin:echo"})
            }
        );
        let missing = with_builtin.dispatch(&request("reviewer")).await;
        assert!(
            matches!(&missing.outcome, AgentOutcome::Failed { reason, retryable: false } if reason.contains("[agents.reviewer]"))
        );
        let without = AgentRegistry::new(&config, None);
        assert!(matches!(
            without.dispatch(&request("builtin:echo")).await.outcome,
            AgentOutcome::Failed {
                retryable: false,
                ..
            }
        ));
    }
}
