// CPU and memory amounts as Kubernetes quantities: one settings file serves both platforms.

/** CPU and memory amounts ("250m", "64Mi"). */
export interface ResourceAmounts {
  /** CPU quantity, e.g. "250m". */
  readonly cpu: string;
  /** Memory quantity, e.g. "64Mi". */
  readonly memory: string;
}
