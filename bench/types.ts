/** One figure of `npm run bench`: a measurement, optionally against its floor and its target. */
export interface BenchFigure {
  /** What was measured, e.g. `validation: demandes/s (1,000-demande lot)`. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The bare cost of the same work by the component alone, in the same unit. */
  readonly floor?: number;
  /** value / floor, or whatever ratio the issue defines (e.g. 2M-demande registry / empty). */
  readonly ratio?: number;
  /** The target as the issue states it, e.g. `ratio ≤ 1.10`. */
  readonly target?: string;
  readonly met?: boolean;
}

/** A benchmark module: `bench/<name>.bench.ts`, default-exporting this. */
export type Benchmark = () => Promise<readonly BenchFigure[]>;
