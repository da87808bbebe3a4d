/** Nearest-rank percentile of `values` (0–100); NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Percentiles 0..100 in steps of 1 (for the chart). */
  percentiles: number[];
}

export function distribution(values: number[]): Distribution {
  return {
    count: values.length,
    min: percentile(values, 0),
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    percentiles: Array.from({ length: 101 }, (_, p) => round(percentile(values, p), 3)),
  };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  const rounded = Math.round(value * factor) / factor;
  // A small negative value rounds to -0, which JSON writes as 0: a figure must read back as it was printed.
  return rounded === 0 ? 0 : rounded;
}

/** Wall-clock time in ms with sub-ms precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
