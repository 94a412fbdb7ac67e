// CPU, memory and ephemeral storage amounts as Kubernetes quantities: one settings file serves both platforms.

/** CPU and memory amounts ("250m", "64Mi"), and for a container its ephemeral storage. */
export interface ResourceAmounts {
  /** CPU quantity, e.g. "250m". */
  readonly cpu: string;
  /** Memory quantity, e.g. "64Mi". */
  readonly memory: string;
  /**
   * Local disk a container may use (Kubernetes `ephemeral-storage`: its logs, its writable layer, and emptyDir volumes
   * not kept in memory), e.g. "256Mi". Not used on Docker. @default - as the construct or quota that reads it says
   */
  readonly ephemeralStorage?: string;
}
