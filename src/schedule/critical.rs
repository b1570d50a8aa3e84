//! The critical path: the chain of dependencies (`after`) with the greatest total window, ties broken
//! by the longer chain, then by spec order.

use super::Plan;
use crate::spec::WorkflowSpec;

/// Task keys on the critical path, upstream first. Empty when no task has dependencies and every
/// window is empty. Dependency cycles (reported by `check`) are cut, never followed.
pub fn critical_path(spec: &WorkflowSpec, plan: &Plan) -> Vec<String> {
    let n = spec.tasks.len();
    let index = spec.task_index();
    let weight = |i: usize| -> i64 {
        plan.tasks
            .get(i)
            .and_then(|t| t.times)
            .map_or(0, |t| (t.due - t.start).num_seconds().max(0))
    };
    // best[i] = (total window, chain length, predecessor) of the heaviest chain ending at i.
    let mut best: Vec<Option<(i64, usize, Option<usize>)>> = vec![None; n];
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (i, ref mut next)) = stack.last_mut() {
            let deps = &spec.tasks[i].depends_on;
            if *next < deps.len() {
                let d = &deps[*next];
                *next += 1;
                if let Some(&j) = index.get(d.task.as_str()) {
                    if state[j] == 0 {
                        state[j] = 1;
                        stack.push((j, 0));
                    }
                }
                continue;
            }
            let mut here = (weight(i), 1usize, None);
            for d in deps {
                if let Some(&j) = index.get(d.task.as_str()) {
                    if let (2, Some((w, len, _))) = (state[j], best[j]) {
                        let cand = (w + weight(i), len + 1, Some(j));
                        if (cand.0, cand.1) > (here.0, here.1) {
                            here = cand;
                        }
                    }
                }
            }
            best[i] = Some(here);
            state[i] = 2;
            stack.pop();
        }
    }
    let mut end = None;
    let mut top = (0i64, 1usize);
    for (i, b) in best.iter().enumerate() {
        if let Some((w, len, _)) = b {
            if (*w, *len) > top {
                top = (*w, *len);
                end = Some(i);
            }
        }
    }
    let mut path = Vec::new();
    let mut cur = end;
    while let Some(i) = cur {
        path.push(spec.tasks[i].key.clone());
        cur = best[i].and_then(|b| b.2);
        if path.len() > n {
            break;
        }
    }
    path.reverse();
    path
}
