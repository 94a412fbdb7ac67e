// Container probes as values: `Probe.httpGet("/readyz", { periodSeconds: 5 })`, `Probe.tcp(5432)`,
// `Probe.exec(["/app", "healthcheck"])`.
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

type Check =
  | { readonly kind: "http"; readonly path: string }
  | { readonly kind: "tcp"; readonly port?: number }
  | { readonly kind: "exec"; readonly command: readonly string[] };

/** A container probe: an HTTP GET, a TCP connection or a command. */
export class Probe {
  /** Probes `path` with an HTTP GET on the container's main port; any 2xx or 3xx answer is a success. */
  static httpGet(path: string, options: ProbeOptions = {}): Probe {
    if (!path.startsWith("/")) throw new Error(`probe path "${path}" must start with "/"`);
    return new Probe({ kind: "http", path }, options);
  }

  /** Opens a TCP connection to `port` (default: the container's main port); an accepted connection is a success. */
  static tcp(port?: number, options: ProbeOptions = {}): Probe {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new Error(`probe port ${port} is not a port (1-65535)`);
    return new Probe({ kind: "tcp", port }, options);
  }

  /** Runs `command` (an argument vector, no shell) in the container; exit 0 is a success. */
  static exec(command: readonly string[], options: ProbeOptions = {}): Probe {
    if (command.length === 0) throw new Error("an exec probe needs a command");
    return new Probe({ kind: "exec", command: [...command] }, options);
  }

  private constructor(private readonly check: Check, private readonly options: ProbeOptions) {}

  /** The HTTP path probed, for an HTTP probe. */
  get path(): string | undefined {
    return this.check.kind === "http" ? this.check.path : undefined;
  }

  /** The provider's probe block for a container whose main port is `port` (none for a worker). */
  render(port?: number): DeploymentV1SpecTemplateSpecContainerLivenessProbe {
    const timing = {
      initialDelaySeconds: this.options.initialDelaySeconds ?? 0,
      periodSeconds: this.options.periodSeconds ?? 10,
      timeoutSeconds: this.options.timeoutSeconds ?? 1,
      failureThreshold: this.options.failureThreshold ?? 3,
    };
    switch (this.check.kind) {
      case "http":
        if (port === undefined) throw new Error(`an HTTP probe of ${this.check.path} needs the container to have a port`);
        return { httpGet: { path: this.check.path, port: String(port) }, ...timing };
      case "tcp": {
        const target = this.check.port ?? port;
        if (target === undefined) throw new Error("a TCP probe needs a port (the container has none)");
        return { tcpSocket: [{ port: String(target) }], ...timing };
      }
      case "exec":
        return { exec: { command: [...this.check.command] }, ...timing };
    }
  }
}
