//! Cycle finding over task graphs: one simple cycle per strongly connected component, in linear time.

use std::collections::VecDeque;

/// One step of a cycle: from `node` along its edge number `edge` (an index the caller gave) to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub node: usize,
    pub edge: usize,
}

/// `edges[v]` lists `(target, edge id)`. Returns one shortest cycle through the lowest node of every
/// strongly connected component that has a cycle (self-loops included), ordered by that node.
pub(crate) fn cycles(edges: &[Vec<(usize, usize)>]) -> Vec<Vec<Step>> {
    let components = strongly_connected(edges);
    let mut component_of = vec![usize::MAX; edges.len()];
    for (c, members) in components.iter().enumerate() {
        for &v in members {
            component_of[v] = c;
        }
    }
    let mut found = Vec::new();
    for (c, members) in components.iter().enumerate() {
        let Some(&start) = members.iter().min() else {
            continue;
        };
        let cyclic = members.len() > 1 || edges[start].iter().any(|&(t, _)| t == start);
        if !cyclic {
            continue;
        }
        if let Some(cycle) = shortest_cycle(edges, start, |v| component_of[v] == c) {
            found.push(cycle);
        }
    }
    found.sort_by_key(|cycle| cycle[0].node);
    found
}

/// Breadth-first from `start` back to itself, staying inside the component.
fn shortest_cycle(
    edges: &[Vec<(usize, usize)>],
    start: usize,
    inside: impl Fn(usize) -> bool,
) -> Option<Vec<Step>> {
    if let Some(&(_, edge)) = edges[start].iter().find(|&&(t, _)| t == start) {
        return Some(vec![Step { node: start, edge }]);
    }
    let mut parent: Vec<Option<Step>> = vec![None; edges.len()];
    let mut queue = VecDeque::from([start]);
    let mut seen = vec![false; edges.len()];
    seen[start] = true;
    while let Some(v) = queue.pop_front() {
        for &(t, edge) in &edges[v] {
            if t == start {
                let mut path = vec![Step { node: v, edge }];
                let mut at = v;
                while let Some(step) = parent[at] {
                    path.push(step);
                    at = step.node;
                }
                path.reverse();
                return Some(path);
            }
            if !seen[t] && inside(t) {
                seen[t] = true;
                parent[t] = Some(Step { node: v, edge });
                queue.push_back(t);
            }
        }
    }
    None
}

/// Tarjan's algorithm without recursion (templates may chain thousands of tasks).
fn strongly_connected(edges: &[Vec<(usize, usize)>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    // (node, next edge to visit)
    let mut work: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        work.push((root, 0));
        while let Some(&(v, next)) = work.last() {
            if next == 0 && order[v] == UNSEEN {
                order[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&(t, _)) = edges[v].get(next) {
                let top = work.len() - 1;
                work[top].1 += 1;
                if order[t] == UNSEEN {
                    work.push((t, 0));
                } else if on_stack[t] {
                    low[v] = low[v].min(order[t]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(members);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, list: &[(usize, usize)]) -> Vec<Vec<(usize, usize)>> {
        let mut edges = vec![Vec::new(); n];
        for (id, &(a, b)) in list.iter().enumerate() {
            edges[a].push((b, id));
        }
        edges
    }

    fn nodes(cycle: &[Step]) -> Vec<usize> {
        cycle.iter().map(|s| s.node).collect()
    }

    #[test]
    fn finds_one_cycle_per_component() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 5 (acyclic), 5 → 6 → 5
        let edges = graph(7, &[(0, 1), (1, 2), (2, 0), (3, 3), (4, 5), (5, 6), (6, 5)]);
        let found = cycles(&edges);
        assert_eq!(
            found.iter().map(|c| nodes(c)).collect::<Vec<_>>(),
            [vec![0, 1, 2], vec![3], vec![5, 6]]
        );
        assert_eq!(
            found[0].iter().map(|s| s.edge).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }

    #[test]
    fn acyclic_long_chain_has_no_cycle_and_no_recursion() {
        let list: Vec<_> = (0..100_000).map(|i| (i, i + 1)).collect();
        assert!(cycles(&graph(100_001, &list)).is_empty());
    }
}
