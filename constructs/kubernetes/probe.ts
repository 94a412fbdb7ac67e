// Container probes as values: `Probe.httpGet("/readyz", { periodSeconds: 5 })`.
import { DeploymentV1SpecTemplateSpecContainerLivenessProbe } from "@cdktf/provider-kubernetes/lib/deployment-v1";

/** Timing of a probe; every field has the Kubernetes default. */
export interface ProbeOptions {
  /** Seconds after the container starts before the first probe. @default 0 */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds before a probe times out. @default 1 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the probe counts as failed. @default 3 */
  readonly failureThreshold?: number;
}

/** An HTTP probe against the container's main port. */
export class Probe {
  /** Probes `path` with an HTTP GET; any 2xx or 3xx answer is a success. */
  static httpGet(path: string, options: ProbeOptions = {}): Probe {
    if (!path.startsWith("/")) throw new Error(`probe path "${path}" must start with "/"`);
    return new Probe(path, options);
  }

  private constructor(readonly path: string, private readonly options: ProbeOptions) {}

  /** The provider's probe block for a container listening on `port`. */
  render(port: number): DeploymentV1SpecTemplateSpecContainerLivenessProbe {
    return {
      httpGet: { path: this.path, port: String(port) },
      initialDelaySeconds: this.options.initialDelaySeconds ?? 0,
      periodSeconds: this.options.periodSeconds ?? 10,
      timeoutSeconds: this.options.timeoutSeconds ?? 1,
      failureThreshold: this.options.failureThreshold ?? 3,
    };
  }
}
