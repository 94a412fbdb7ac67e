// A workload that serves no HTTP (a queue consumer, a scheduler): no port, no Service, exec or TCP probes.
import { Construct } from "constructs";
import { Probe } from "./probe";
import { Workload, WorkloadProps } from "./workload";

export interface WorkerProps extends Omit<WorkloadProps, "http" | "probes"> {
  /** Liveness, and readiness and startup unless given: Probe.exec or Probe.tcp (there is no HTTP default). */
  readonly probes: { readonly liveness: Probe; readonly readiness?: Probe; readonly startup?: Probe };
}

export class Worker extends Workload {
  constructor(scope: Construct, id: string, props: WorkerProps) {
    super(scope, id, props);
  }
}
