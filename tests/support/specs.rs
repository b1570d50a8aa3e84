//! Spec builders for store and worker tests: small workflows written in Rust, with a plan whose times
//! are hours after a fixed base instant (no compiler or resolver needed).

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use rwf::schedule::{Plan, ResolvedTask, Target, Times};
use rwf::spec::*;
use std::collections::BTreeMap;
use uuid::Uuid;

pub fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, 9, 0, 0).unwrap()
}

/// A task plus, for the plan, its start offset in hours from the base (None: floating) and window.
pub struct T {
    pub spec: TaskSpec,
    pub start_hours: Option<i64>,
    pub window_hours: i64,
}

fn task(key: &str, step: Step) -> T {
    T {
        spec: TaskSpec {
            title: format!("Task {key}"),
            ..TaskSpec::new(key, step)
        },
        start_hours: None,
        window_hours: 1,
    }
}

pub fn checkpoint(key: &str) -> T {
    task(key, Step::Checkpoint)
}

pub fn agent(key: &str, uses: &str) -> T {
    task(
        key,
        Step::Agent {
            uses: uses.into(),
            input: BTreeMap::from([("topic".to_string(), Expr::Literal(serde_json::json!(key)))]),
            timeout: None,
        },
    )
}

pub fn manual(key: &str) -> T {
    task(
        key,
        Step::Manual {
            instructions: Some("do it".into()),
            assignee: Some(Scope::User("ann".into())),
        },
    )
}

pub fn notification(key: &str, message: &str) -> T {
    task(
        key,
        Step::Notification {
            to: vec![Scope::Channel("#launch".into())],
            message: message.into(),
        },
    )
}

pub fn wait(key: &str, minutes: i64) -> T {
    task(
        key,
        Step::Wait {
            duration: Some(Span::new(minutes, Unit::Minutes).into()),
            until: None,
        },
    )
}

pub fn approval(key: &str, people: &[&str], quorum: u32) -> T {
    task(
        key,
        Step::Approval {
            approvers: people.iter().map(|p| Scope::User(p.to_string())).collect(),
            quorum,
            deadline: None,
            remind_every: None,
            on_reject: RejectPolicy::Skip,
            on_expire: ExpirePolicy::Remind,
            not_author_of: None,
        },
    )
}

/// An event wait for `name` matching `fields` (literal values), timing out after `hours` (if any).
pub fn event(
    key: &str,
    name: &str,
    fields: &[(&str, serde_json::Value)],
    hours: Option<i64>,
    on_timeout: TimeoutPolicy,
) -> T {
    task(
        key,
        Step::Event {
            name: name.into(),
            matches: fields
                .iter()
                .map(|(k, v)| (k.to_string(), Expr::Literal(v.clone())))
                .collect(),
            timeout: hours.map(|h| Span::new(h, Unit::Hours).into()),
            on_timeout,
        },
    )
}

impl T {
    /// Planned start `hours` after the base (a relative schedule on the release).
    pub fn at(mut self, hours: i64) -> T {
        self.start_hours = Some(hours);
        self.spec.schedule = Some(Schedule::Relative {
            anchor: Anchor::Release,
            offsets: vec![Span::new(hours, Unit::Hours).into()],
            align: vec![],
            then: vec![],
            time_of_day: None,
            timezone: None,
        });
        self.spec.window = Some(Span::new(self.window_hours, Unit::Hours).into());
        self
    }
    pub fn after(mut self, upstream: &str) -> T {
        self.spec.depends_on.push(Dependency {
            task: upstream.into(),
            outcome: EdgeOutcome::Success,
        });
        self
    }
    pub fn after_any(mut self, upstream: &str) -> T {
        self.spec.depends_on.push(Dependency {
            task: upstream.into(),
            outcome: EdgeOutcome::Any,
        });
        self
    }
    pub fn retry(mut self, max_attempts: u32, minutes: i64) -> T {
        self.spec.policy.retry = RetryPolicy {
            max_attempts,
            backoff: Backoff::Fixed {
                interval: Span::new(minutes, Unit::Minutes),
            },
            jitter: 0.0,
        };
        self
    }
    pub fn on_failure(mut self, p: FailurePolicy) -> T {
        self.spec.policy.on_failure = p;
        self
    }
    pub fn on_missed(mut self, p: MissedPolicy) -> T {
        self.spec.policy.on_missed = p;
        self
    }
    pub fn on_cancel(mut self, p: CancelPolicy) -> T {
        self.spec.policy.on_cancel = p;
        self
    }
    pub fn on_reject(mut self, p: RejectPolicy) -> T {
        if let Step::Approval { on_reject, .. } = &mut self.spec.step {
            *on_reject = p;
        }
        self
    }
    /// A run-time condition (e.g. on an upstream output).
    pub fn when(mut self, c: Condition) -> T {
        self.spec.when = Some(c);
        self
    }
    pub fn optional(mut self) -> T {
        self.spec.required = false;
        self
    }
}

/// A bound spec (release param bound) and its plan.
pub struct Built {
    pub spec: WorkflowSpec,
    pub plan: Plan,
}

pub fn spec_of(key: &str, tasks: Vec<T>) -> WorkflowSpec {
    build(key, tasks, base()).spec
}

pub fn build(key: &str, tasks: Vec<T>, release: DateTime<Utc>) -> Built {
    let plan_tasks = tasks
        .iter()
        .map(|t| ResolvedTask {
            key: t.spec.key.clone(),
            times: t.start_hours.map(|h| {
                let start = release + Duration::hours(h);
                Times {
                    start,
                    due: start + Duration::hours(t.window_hours),
                    end: start + Duration::hours(t.window_hours),
                }
            }),
            tz: chrono_tz::UTC,
            pinned: false,
        })
        .collect();
    let spec = WorkflowSpec {
        name: format!("Release {key}"),
        params: vec![ParamSpec {
            name: "release".into(),
            ty: ParamType::Datetime,
            default: None,
            description: None,
        }],
        bindings: BTreeMap::from([(
            "release".to_string(),
            serde_json::json!(release.to_rfc3339()),
        )]),
        tasks: tasks.into_iter().map(|t| t.spec).collect(),
        ..WorkflowSpec::new(key)
    };
    Built {
        plan: Plan {
            target: Target {
                instant: release,
                tz: chrono_tz::UTC,
            },
            tasks: plan_tasks,
            warnings: Vec::new(),
            warning_tasks: Vec::new(),
        },
        spec,
    }
}

/// Stores `spec` (as its own template) with a plan anchored at `release`; returns the draft's id.
pub async fn create(store: &rwf::store::Store, spec: WorkflowSpec, release: DateTime<Utc>) -> Uuid {
    let plan = plan_for(&spec, release);
    store
        .create_workflow(rwf::store::NewWorkflow {
            template: &spec,
            spec: &spec,
            plan: &plan,
            actor: "ann",
        })
        .await
        .expect("create workflow")
}

/// A plan from the spec's own relative-to-release schedules (hours) and windows.
pub fn plan_for(spec: &WorkflowSpec, release: DateTime<Utc>) -> Plan {
    let tasks = spec
        .tasks
        .iter()
        .map(|t| {
            let times = match &t.schedule {
                Some(Schedule::Relative { offsets, .. }) => {
                    let secs: i64 = offsets
                        .iter()
                        .map(|o| spec.span_of(o).map_or(0, |s| s.nominal_seconds()))
                        .sum();
                    let start = release + Duration::seconds(secs);
                    let window = t.window.as_ref().and_then(|w| spec.span_of(w).ok());
                    let window = window.map_or(3600, |w| w.nominal_seconds());
                    Some(Times {
                        start,
                        due: start + Duration::seconds(window),
                        end: start + Duration::seconds(window),
                    })
                }
                _ => None,
            };
            ResolvedTask {
                key: t.key.clone(),
                times,
                tz: chrono_tz::UTC,
                pinned: false,
            }
        })
        .collect();
    Plan {
        target: Target {
            instant: release,
            tz: chrono_tz::UTC,
        },
        tasks,
        warnings: Vec::new(),
        warning_tasks: Vec::new(),
    }
}
