// Where a stack keeps its Terraform state: one state per environment and per platform, so switching target never
// mixes Kubernetes and Docker state, and no two environments ever share one.
import * as path from "path";
import { EnvironmentSettings } from "./settings-schema";

export type Platform = EnvironmentSettings["target"]["platform"];

export const PLATFORMS: readonly Platform[] = ["kubernetes", "docker"];

/** A backend as Terraform records it: its type and the settings the stack gives it. */
export interface BackendConfig {
  readonly type: "local" | "s3" | "http";
  readonly config: Readonly<Record<string, string>>;
}

/** "state/staging.tfstate" → "state/staging.docker.tfstate"; a path without the extension gets ".docker". */
function perPlatformPath(file: string, platform: Platform): string {
  return file.endsWith(".tfstate") ? `${file.slice(0, -".tfstate".length)}.${platform}.tfstate` : `${file}.${platform}`;
}

/** The backend of environment `name`'s stack when it deploys to `platform`. Paths are relative to the stack folder. */
export function backendOf(environment: Pick<EnvironmentSettings, "backend"> & { readonly name: string }, platform: Platform): BackendConfig {
  const backend = environment.backend;
  switch (backend.kind) {
    case "local":
      return { type: "local", config: { path: backend.path === undefined ? `../../../.state/${environment.name}.${platform}.tfstate` : perPlatformPath(backend.path, platform) } };
    case "s3":
      return { type: "s3", config: { bucket: backend.bucket, key: `${backend.key}/${platform}`, region: backend.region } };
    case "http":
      return { type: "http", config: { address: `${backend.address}/${platform}` } };
  }
}

/**
 * One string per state location, equal exactly when two backends share a state: a local path resolved from the
 * stack's folder (every stack folder sits in the same synth output), an S3 bucket and key, an HTTP address.
 */
export function stateLocation(backend: BackendConfig, stackName: string): string {
  switch (backend.type) {
    case "local":
      return `local file ${path.posix.resolve("/<synth output>/stacks", stackName, backend.config.path)}`;
    case "s3":
      return `s3://${backend.config.bucket}/${backend.config.key}`;
    case "http":
      return backend.config.address;
  }
}
