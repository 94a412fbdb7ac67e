// One stack per environment: its own state, its provider configured from the environment's target settings.
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Aspects, HttpBackend, LocalBackend, PgBackend, PgBackendConfig, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { RELEASE_OUTPUT_PREFIX } from "../model/gray-release";
import { backendOf, Environment, Platform } from "../settings";
import { DockerEnvironment } from "./docker-environment";
import { KubernetesEnvironment } from "./kubernetes-environment";
import { LiteralStrings } from "./literal-strings";
import { releaseState } from "./release-state";
import { RouteOfService } from "./route-of-service";
import { secretValues } from "./secret-variables";

export { backendOf, type BackendConfig, type Platform } from "../settings";

export interface EnvironmentStackProps {
  /** The validated environment. */
  readonly spec: Environment;
  /** Where to deploy. @default - the environment's `target.platform` */
  readonly platform?: Platform;
  /** Lift `prevent_destroy` of a protected environment, so `destroy` can run. @default false */
  readonly allowDestroy?: boolean;
  /** Provider versions to require, by provider name (the toolchain's mirror holds its own builds). @default - the bindings' versions */
  readonly providerVersions?: Readonly<Record<string, string>>;
}

export class EnvironmentStack extends TerraformStack {
  readonly spec: Environment;
  readonly platform: Platform;
  /** Terraform refuses to destroy the namespace-level objects (protected, and not lifted by allowDestroy). */
  readonly preventDestroy: boolean;
  /** The services' routes at the traffic entry (none under Ingress routing or without an ingress). */
  readonly routes: readonly RouteOfService[] = [];

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;
    this.platform = props.platform ?? spec.target.platform;
    this.configureBackend();
    // Settings are data: whatever a string says, Terraform reads it as written.
    Aspects.of(this).add(new LiteralStrings());

    const secrets = secretValues(this, spec);
    const preventDestroy = spec.protected && !(props.allowDestroy ?? false);
    this.preventDestroy = preventDestroy;
    switch (this.platform) {
      case "kubernetes": {
        new KubernetesProvider(this, "kubernetes", {
          configPath: spec.target.kubernetes.configPath,
          configContext: spec.target.kubernetes.context,
        });
        const environment = new KubernetesEnvironment(this, "kubernetes-environment", { spec, secrets, preventDestroy });
        new TerraformOutput(this, "namespace", { value: environment.namespace.name });
        this.routes = environment.routes;
        break;
      }
      case "docker": {
        new DockerProvider(this, "docker", { host: spec.target.docker.host });
        const environment = new DockerEnvironment(this, "docker-environment", { spec, secrets, preventDestroy });
        new TerraformOutput(this, "network", { value: environment.network.network.name });
        if (environment.proxy) new TerraformOutput(this, "ingress_url", { value: environment.proxy.url });
        this.routes = environment.routes;
        break;
      }
    }
    // A release step shows in a plan as this output's change ("canary 0.2.0 at 5% of requests" → "at 25%").
    for (const service of spec.services) {
      const state = releaseState(spec, service, this.platform);
      if (state !== undefined) new TerraformOutput(this, `${RELEASE_OUTPUT_PREFIX}${service.name}`, { value: state });
    }
    const version = props.providerVersions?.[this.platform];
    if (version) this.addOverride(`terraform.required_providers.${this.platform}.version`, version);
  }

  /** State per environment and per platform, so switching target never mixes state. */
  private configureBackend(): void {
    const backend = backendOf(this.spec, this.platform);
    switch (backend.type) {
      case "local":
        new LocalBackend(this, { path: backend.config.path });
        break;
      case "s3": {
        const { use_lockfile: useLockfile, ...config } = backend.config;
        const s3 = new S3Backend(this, {
          bucket: config.bucket,
          key: config.key,
          region: config.region,
          usePathStyle: config.use_path_style,
          skipCredentialsValidation: config.skip_credentials_validation,
          skipRequestingAccountId: config.skip_requesting_account_id,
          skipRegionValidation: config.skip_region_validation,
          skipS3Checksum: config.skip_s3_checksum,
        });
        // cdktf 0.21's S3Backend predates Terraform's S3 lock file.
        s3.addOverride("use_lockfile", useLockfile);
        break;
      }
      case "http":
        new HttpBackend(this, { address: backend.config.address });
        break;
      case "pg":
        // Terraform reads the connection string from PG_CONN_STR; cdktf's type asks for one, and none is written.
        new PgBackend(this, { schemaName: backend.config.schema_name } as PgBackendConfig);
        break;
    }
  }
}
