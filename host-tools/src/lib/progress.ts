// Progress for long transfers: a bar on a terminal, a few plain lines when piped.
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress {
  const t0 = Date.now();
  let lastPct = -1;
  const rate = (done: number) => {
    const s = (Date.now() - t0) / 1000;
    return s > 0 ? `${(done / 1024 / s).toFixed(1)} KiB/s` : "";
  };
  return {
    update(done, total) {
      if (!enabled) return;
      const pct = total ? Math.floor((done * 100) / total) : 100;
      if (stream.isTTY) {
        const width = 30;
        const fill = Math.round((pct / 100) * width);
        stream.write(`\r${label} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(pct).padStart(3)}% ${done}/${total} B ${rate(done)}   `);
      } else if (pct >= lastPct + 25 || (pct === 100 && lastPct !== 100)) {
        stream.write(`${label}: ${pct}% (${done}/${total} bytes) ${rate(done)}\n`);
        lastPct = pct;
      }
    },
    finish() {
      if (enabled && stream.isTTY) stream.write("\n");
    },
  };
}
