// Docker health checks as values: `HealthCheck.exec(["/app", "healthcheck"], { intervalSeconds: 5 })`.
// Docker has one health check per container; it gates `wait = true` and the proxy's view of the replica.
import { ContainerHealthcheck } from "@cdktf/provider-docker/lib/container";

/** Timing of a health check. */
export interface HealthCheckOptions {
  /** Seconds between checks once the container has started. @default 10 */
  readonly intervalSeconds?: number;
  /**
   * Seconds before one check counts as failed. The check is a process started in the container, which on a busy
   * host (an image build beside it, a container weighted by a small CPU request) takes seconds to start.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the container counts as unhealthy. @default 3 */
  readonly retries?: number;
  /** Seconds after start during which failures do not count (the startup probe's budget). @default 0 */
  readonly startPeriodSeconds?: number;
  /** Seconds between checks during the start period (Docker 25 and later; older engines ignore it). @default - the interval */
  readonly startIntervalSeconds?: number;
}

/** The default timeout of one check (see HealthCheckOptions.timeoutSeconds). */
export const DEFAULT_TIMEOUT_SECONDS = 5;

export class HealthCheck {
  /** Runs `command` (an argument vector, no shell) inside the container; exit 0 is healthy. */
  static exec(command: readonly string[], options: HealthCheckOptions = {}): HealthCheck {
    if (command.length === 0) throw new Error("a health check needs a command");
    for (const [field, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || value < 0) throw new Error(`health check ${field} must be a whole number of seconds, got ${value}`);
    }
    return new HealthCheck(command, options);
  }

  private constructor(readonly command: readonly string[], private readonly options: HealthCheckOptions) {}

  /** The provider's healthcheck block. */
  render(): ContainerHealthcheck {
    return {
      test: ["CMD", ...this.command],
      interval: goDuration(this.options.intervalSeconds ?? 10),
      timeout: goDuration(this.options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      retries: this.options.retries ?? 3,
      startPeriod: goDuration(this.options.startPeriodSeconds ?? 0),
      startInterval: this.options.startIntervalSeconds === undefined ? undefined : goDuration(this.options.startIntervalSeconds),
    };
  }
}

/** Seconds spelled as Go's time.Duration prints them ("90s" reads back as "1m30s"), so a plan stays empty. */
function goDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}
