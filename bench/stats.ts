// Latency samples → percentiles (nearest rank), and small number formatting helpers.

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of milliseconds; all zero (n = 0) when there are no samples. */
export function summarize(samples: readonly number[]): LatencySummary {
  const n = samples.length;
  if (n === 0) return { n: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] ?? 0;
  const sum = sorted.reduce((s, x) => s + x, 0);
  return { n, p50: round(at(50)), p95: round(at(95)), p99: round(at(99)), max: round(sorted[n - 1] ?? 0), mean: round(sum / n) };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function mb(bytes: number): number {
  return round(bytes / (1024 * 1024), 1);
}
