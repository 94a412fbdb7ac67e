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
} as const;

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
}

/** The contract's variables for `facts`, in a stable order. */
export function appEnvironment(facts: AppFacts): Record<string, string> {
  return {
    ...(facts.environment !== undefined ? { [APP_VARIABLES.environment]: facts.environment } : {}),
    ...(facts.port !== undefined ? { [APP_VARIABLES.port]: String(facts.port) } : {}),
    ...(facts.secretsDirectory !== undefined ? { [APP_VARIABLES.secretsDirectory]: facts.secretsDirectory } : {}),
    [APP_VARIABLES.secretNames]: facts.secretNames.join(","),
  };
}
