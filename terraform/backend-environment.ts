// What a shared backend reads from the environment at deploy time: the secrets and endpoints that are never
// settings. Checked before Terraform runs, so a missing or malformed one is named up front instead of surfacing as
// a driver error halfway through `init`. Values that may hold a secret are never printed.
import { BackendConfig } from "../settings";

const AWS_REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `text` as a URL of one of `protocols`, or undefined. */
function urlOf(text: string, protocols: readonly string[]): URL | undefined {
  try {
    const url = new URL(text);
    return protocols.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** A URL for a message: any user name and password replaced by "***". */
function shown(url: URL): string {
  const copy = new URL(url.href);
  if (copy.username !== "") copy.username = "***";
  if (copy.password !== "") copy.password = "***";
  return copy.href;
}

function pgProblems(stack: string, env: NodeJS.ProcessEnv): string[] {
  const connection = env.PG_CONN_STR;
  if (connection === undefined || connection === "") {
    return [`${stack}: PG_CONN_STR is not set (the pg backend reads its connection string from it, e.g. postgres://terraform@db.internal:5432/state; the password from it too, or from PGPASSWORD)`];
  }
  if (urlOf(connection, ["postgres:", "postgresql:"]) === undefined) {
    return [`${stack}: PG_CONN_STR is not a postgres:// or postgresql:// URL (the value is not shown: it may hold a password)`];
  }
  return [];
}

function s3Problems(stack: string, backend: Extract<BackendConfig, { type: "s3" }>, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const endpoint = env.AWS_ENDPOINT_URL_S3;
  if (endpoint !== undefined && endpoint !== "") {
    const url = urlOf(endpoint, ["http:", "https:"]);
    if (url === undefined) problems.push(`${stack}: AWS_ENDPOINT_URL_S3 is not an http:// or https:// URL (the S3 server the s3 backend talks to, e.g. http://127.0.0.1:7070)`);
    else if (url.username !== "" || url.password !== "") problems.push(`${stack}: AWS_ENDPOINT_URL_S3 ${shown(url)} holds credentials (give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`);
  }
  if (backend.config.region === undefined) {
    const [name, region] = [["AWS_REGION", env.AWS_REGION], ["AWS_DEFAULT_REGION", env.AWS_DEFAULT_REGION]].find(([, value]) => value !== undefined && value !== "") ?? [];
    if (name === undefined) problems.push(`${stack}: neither backend.region nor AWS_REGION is set (the s3 backend needs a region, e.g. AWS_REGION=us-east-1)`);
    else if (!AWS_REGION.test(region as string)) problems.push(`${stack}: ${name} ${JSON.stringify(region)} is not a region name (lowercase letters, digits and "-", e.g. "us-east-1")`);
  }
  const keyId = env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_ACCESS_KEY_ID !== "";
  const secret = env.AWS_SECRET_ACCESS_KEY !== undefined && env.AWS_SECRET_ACCESS_KEY !== "";
  if (keyId !== secret) {
    const [set, missing] = keyId ? ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] : ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"];
    problems.push(`${stack}: ${set} is set but ${missing} is not (set both, or neither to use a profile)`);
  }
  return problems;
}

/** Problems with the environment variables `backend` of `stack` reads, one line each; none for local and http. */
export function backendEnvironmentProblems(stack: string, backend: BackendConfig, env: NodeJS.ProcessEnv): string[] {
  switch (backend.type) {
    case "pg":
      return pgProblems(stack, env);
    case "s3":
      return s3Problems(stack, backend, env);
    case "local":
    case "http":
      return [];
  }
}

/** Every problem with the backends' environment variables, for the stacks a command is about to run Terraform on. */
export class BackendEnvironmentError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid backend environment (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "BackendEnvironmentError";
  }
}

/** Throws a BackendEnvironmentError naming every problem of every stack's backend environment. */
export function requireBackendEnvironment(stacks: ReadonlyArray<{ readonly stack: string; readonly backend: BackendConfig }>, env: NodeJS.ProcessEnv): void {
  const problems = stacks.flatMap(({ stack, backend }) => backendEnvironmentProblems(stack, backend, env));
  if (problems.length > 0) throw new BackendEnvironmentError(problems);
}
