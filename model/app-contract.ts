// The API's environment contract (app/config.go): the variables every platform sets for it, defined once.

/** Names of the variables the app reads. */
export const APP_VARIABLES = {
  /** The environment's name ("staging"). */
  environment: "APP_ENV",
  /** The port it listens on. */
  port: "PORT",
  /** Comma-separated names of its secrets. */
  secretNames: "SECRET_NAMES",
  /** Where its secrets are files (Docker); on Kubernetes they are variables named in SECRET_NAMES. */
  secretsDirectory: "SECRETS_DIR",
  /** "true" in a protected environment: the app then refuses to start with any misbehaviour. */
  protected: "APP_PROTECTED",
} as const;

/** The misbehaviour switches the app reads (app/misbehave.go), set only from a track's settings. */
export const MISBEHAVIOUR_VARIABLES = {
  failReadiness: "MISBEHAVE_READYZ",
  failLiveness: "MISBEHAVE_LIVEZ",
  errorPercent: "MISBEHAVE_ERROR_PERCENT",
  slowPercent: "MISBEHAVE_SLOW_PERCENT",
  slowMilliseconds: "MISBEHAVE_SLOW_MS",
} as const;

/** Variables only the deployment sets: a service's config may not name them. */
export const RESERVED_VARIABLES: readonly string[] = [APP_VARIABLES.protected, ...Object.values(MISBEHAVIOUR_VARIABLES)];

/** What one track of a service does wrong on purpose (probe tests, a bad canary); nothing by default. */
export interface Misbehaviour {
  /** /readyz answers 503. @default false */
  readonly failReadiness?: boolean;
  /** /livez answers 503. @default false */
  readonly failLiveness?: boolean;
  /** Share of ordinary requests (not probes or /metrics) answered 500, exactly n of every 100. @default 0 */
  readonly errorPercent?: number;
  /** Share of ordinary requests delayed by slowMilliseconds. @default 0 */
  readonly slowPercent?: number;
  /** Delay of a slow request, in milliseconds. @default 1000 */
  readonly slowMilliseconds?: number;
}

/** Whether `misbehaviour` switches anything on. */
export function misbehaves(misbehaviour: Misbehaviour | undefined): boolean {
  if (misbehaviour === undefined) return false;
  return (misbehaviour.failReadiness ?? false) || (misbehaviour.failLiveness ?? false) || (misbehaviour.errorPercent ?? 0) > 0 || (misbehaviour.slowPercent ?? 0) > 0;
}

/** Whether `misbehaviour` fails the readiness or the liveness probe. */
export function failsAProbe(misbehaviour: Misbehaviour | undefined): boolean {
  return (misbehaviour?.failReadiness ?? false) || (misbehaviour?.failLiveness ?? false);
}

/** The variables that switch `misbehaviour` on: none when nothing is on, so a well-behaved track renders as before. */
export function misbehaviourEnvironment(misbehaviour: Misbehaviour | undefined): Record<string, string> {
  if (misbehaviour === undefined || !misbehaves(misbehaviour)) return {};
  const { failReadiness, failLiveness, errorPercent = 0, slowPercent = 0, slowMilliseconds } = misbehaviour;
  return {
    ...(failReadiness ? { [MISBEHAVIOUR_VARIABLES.failReadiness]: "fail" } : {}),
    ...(failLiveness ? { [MISBEHAVIOUR_VARIABLES.failLiveness]: "fail" } : {}),
    ...(errorPercent > 0 ? { [MISBEHAVIOUR_VARIABLES.errorPercent]: String(errorPercent) } : {}),
    ...(slowPercent > 0 ? { [MISBEHAVIOUR_VARIABLES.slowPercent]: String(slowPercent) } : {}),
    ...(slowPercent > 0 && slowMilliseconds !== undefined ? { [MISBEHAVIOUR_VARIABLES.slowMilliseconds]: String(slowMilliseconds) } : {}),
  };
}

/** Where secrets are mounted as files. */
export const DEFAULT_SECRETS_DIRECTORY = "/run/secrets";

/** What the app is told about itself. */
export interface AppFacts {
  /** The environment's name. @default - not set (the container's platform sets it) */
  readonly environment?: string;
  /** The port it listens on. @default - not set (a worker listens on none) */
  readonly port?: number;
  /** Its secrets' names. */
  readonly secretNames: readonly string[];
  /** The folder its secrets are files in. @default - not set (secrets are variables) */
  readonly secretsDirectory?: string;
  /** A protected environment: the app refuses misbehaviour. @default false */
  readonly protected?: boolean;
}

/** The contract's variables for `facts`, in a stable order. */
export function appEnvironment(facts: AppFacts): Record<string, string> {
  return {
    ...(facts.environment !== undefined ? { [APP_VARIABLES.environment]: facts.environment } : {}),
    ...(facts.port !== undefined ? { [APP_VARIABLES.port]: String(facts.port) } : {}),
    ...(facts.secretsDirectory !== undefined ? { [APP_VARIABLES.secretsDirectory]: facts.secretsDirectory } : {}),
    [APP_VARIABLES.secretNames]: facts.secretNames.join(","),
    ...(facts.protected === true ? { [APP_VARIABLES.protected]: "true" } : {}),
  };
}
