// Where a stack keeps its Terraform state: one state per environment and per platform, so switching target never
// mixes Kubernetes and Docker state, and no two environments ever share one.
import * as path from "path";
import { EnvironmentSettings } from "./settings-schema";

export type Platform = EnvironmentSettings["target"]["platform"];

export const PLATFORMS: readonly Platform[] = ["kubernetes", "docker"];

/** Terraform's S3 backend settings a stack gives (credentials and the endpoint come from the environment). */
export interface S3BackendSettings {
  readonly bucket: string;
  readonly key: string;
  readonly region?: string;
  /** Terraform's S3 lock file (a conditional write beside the state), always on: Terraform 1.10 or later. */
  readonly use_lockfile: true;
  readonly use_path_style?: boolean;
  readonly skip_credentials_validation?: boolean;
  readonly skip_requesting_account_id?: boolean;
  readonly skip_region_validation?: boolean;
  readonly skip_s3_checksum?: boolean;
}

/** A backend as Terraform records it: its type and the settings the stack gives it (Terraform's names). */
export type BackendConfig =
  | { readonly type: "local"; readonly config: { readonly path: string } }
  | { readonly type: "s3"; readonly config: S3BackendSettings }
  | { readonly type: "http"; readonly config: { readonly address: string } }
  /** The connection string is PG_CONN_STR's, never a setting. */
  | { readonly type: "pg"; readonly config: { readonly schema_name: string } };

/** "state/staging.tfstate" → "state/staging.docker.tfstate"; a path without the extension gets ".docker". */
function perPlatformPath(file: string, platform: Platform): string {
  return file.endsWith(".tfstate") ? `${file.slice(0, -".tfstate".length)}.${platform}.tfstate` : `${file}.${platform}`;
}

/** `values` without the keys whose value is undefined (settings left out are not rendered). */
function defined<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as T;
}

/** The backend of environment `name`'s stack when it deploys to `platform`. Paths are relative to the stack folder. */
export function backendOf(environment: Pick<EnvironmentSettings, "backend"> & { readonly name: string }, platform: Platform): BackendConfig {
  const backend = environment.backend;
  switch (backend.kind) {
    case "local":
      return { type: "local", config: { path: backend.path === undefined ? `../../../.state/${environment.name}.${platform}.tfstate` : perPlatformPath(backend.path, platform) } };
    case "s3":
      return {
        type: "s3",
        config: defined({
          bucket: backend.bucket,
          key: `${backend.key}/${platform}`,
          region: backend.region,
          use_lockfile: true as const,
          use_path_style: backend.usePathStyle,
          skip_credentials_validation: backend.skipCredentialsValidation,
          skip_requesting_account_id: backend.skipRequestingAccountId,
          skip_region_validation: backend.skipRegionValidation,
          skip_s3_checksum: backend.skipS3Checksum,
        }),
      };
    case "http":
      return { type: "http", config: { address: `${backend.address}/${platform}` } };
    case "pg":
      return { type: "pg", config: { schema_name: `${backend.schemaName}_${platform}` } };
  }
}

/**
 * One string per state location, equal exactly when two backends share a state: a local path resolved from the
 * stack's folder (every stack folder sits in the same synth output), an S3 bucket and key, an HTTP address, a
 * PostgreSQL schema (the database is PG_CONN_STR's, known only at deploy time, so a schema name is one state).
 */
export function stateLocation(backend: BackendConfig, stackName: string): string {
  switch (backend.type) {
    case "local":
      return `local file ${path.posix.resolve("/<synth output>/stacks", stackName, backend.config.path)}`;
    case "s3":
      return `s3://${backend.config.bucket}/${backend.config.key}`;
    case "http":
      return backend.config.address;
    case "pg":
      return `PostgreSQL schema ${backend.config.schema_name}`;
  }
}
