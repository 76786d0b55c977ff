// Loops in a dependency graph, for the layout tests (host-tools folders, firmware/device files).

/** Node → node it depends on → one piece of evidence ("file imports spec", "calls fn"). */
export type DepGraph = Map<string, Map<string, string>>;

/** Each loop once: a node, the nodes it passes through, and the evidence for each step. */
export function cycles(graph: DepGraph): string[] {
  const found = new Map<string, string>();
  for (const start of [...graph.keys()].sort()) {
    // Breadth-first from `start`, so each loop is reported by its shortest way back.
    const prev = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i]!;
      for (const next of [...(graph.get(at)?.keys() ?? [])].sort()) {
        if (next === start) {
          const loop = [at];
          while (loop[0] !== start) loop.unshift(prev.get(loop[0]!)!);
          const steps = [...loop, start];
          // The same loop seen from another node has the same members: report it once.
          const key = [...loop].sort().join(" ");
          if (!found.has(key)) {
            const why = steps.slice(0, -1).map((f, k) => graph.get(f)!.get(steps[k + 1]!)!);
            found.set(key, `${steps.join(" -> ")} (${why.join("; ")})`);
          }
        } else if (!prev.has(next) && next !== start) {
          prev.set(next, at);
          queue.push(next);
        }
      }
    }
  }
  return [...found.values()];
}

