// Invariants over every resource of every stack.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { EnvironmentStack } from "../stacks";
import { realSpecs, resourcesOf, synthStack, TerraformJson } from "./_helpers";

const specs = realSpecs();
const stacks = specs.map((spec) => ({ spec, json: synthStack(spec) }));

type Container = Record<string, any>;
const containersOf = (body: Record<string, any>): Container[] => body.spec?.template?.spec?.container ?? [];

describe.each(stacks.map(({ spec, json }) => [spec.name, spec, json] as const))("%s stack invariants", (_name, spec, json) => {
  test("every container has requests, limits and all probes", () => {
    const containers = resourcesOf(json).flatMap(([, , body]) => containersOf(body));
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) {
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String), "ephemeral-storage": expect.any(String) });
      expect(container.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String), "ephemeral-storage": expect.any(String) });
      expect(container.liveness_probe.http_get.path).toMatch(/^\//);
      expect(container.readiness_probe.http_get.path).toMatch(/^\//);
      expect(container.startup_probe.http_get.path).toMatch(/^\//);
      expect(container.security_context).toMatchObject({ run_as_non_root: true, read_only_root_filesystem: true, allow_privilege_escalation: false });
    }
  });

  test("every namespaced object is in the environment's namespace", () => {
    const namespaces = Object.entries(json.resource.kubernetes_namespace_v1 ?? {});
    expect(namespaces).toHaveLength(1);
    const [[namespaceId, namespace]] = namespaces as Array<[string, any]>;
    expect(namespace.metadata.name).toBe(spec.namespace);
    const reference = `\${kubernetes_namespace_v1.${namespaceId}.metadata[0].name}`;
    for (const [type, address, body] of resourcesOf(json)) {
      if (type === "kubernetes_namespace_v1") continue;
      // A kubernetes_manifest (the HTTPRoute) holds its object's metadata in its manifest.
      const metadata = (body.metadata ?? (body.manifest as Record<string, unknown>).metadata) as Record<string, unknown>;
      expect([address, metadata.namespace]).toEqual([address, reference]);
    }
  });
});

describe("across environments", () => {
  const hostsOf = (json: TerraformJson) =>
    resourcesOf(json).flatMap(([type, , body]): string[] => {
      if (type === "kubernetes_ingress_v1") return (body as any).spec.rule.map((rule: { host: string }) => rule.host);
      if (type === "kubernetes_manifest" && (body as any).manifest.kind === "HTTPRoute") return (body as any).manifest.spec.hostnames;
      return [];
    });

  test("no two environments share a namespace or a host", () => {
    const namespaces = stacks.map(({ json }) => Object.values(json.resource.kubernetes_namespace_v1).map((n: any) => n.metadata.name)).flat();
    expect(new Set(namespaces).size).toBe(specs.length);
    const hosts = stacks.flatMap(({ json }) => hostsOf(json));
    expect(hosts.length).toBeGreaterThanOrEqual(specs.length);
    expect(new Set(hosts).size).toBe(hosts.length);
  });

  test("a secret value set at deploy time appears in no synthesized file", () => {
    // GIVEN a canary secret in the environment, both as TF_VAR and in a secret file
    const canary = `canary-${Math.random().toString(36).slice(2)}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    const secretFile = path.join(dir, "token.txt");
    fs.writeFileSync(secretFile, canary);
    process.env.TF_VAR_api_db_password = canary;
    try {
      // WHEN every stack is synthesized to disk, one service also reading a file secret
      const app = new App({ outdir: path.join(dir, "out") });
      for (const spec of specs) {
        const withFile = {
          ...spec,
          services: spec.services.map((s) => ({ ...s, secrets: [...s.secrets, { name: "TOKEN", from: { file: secretFile } }] })),
        };
        new EnvironmentStack(app, spec.name, { spec: withFile });
      }
      app.synth();
      // THEN the value is in no file
      const files = fs.readdirSync(path.join(dir, "out"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      expect(files.length).toBeGreaterThan(3);
      for (const file of files) {
        expect(fs.readFileSync(path.join(file.parentPath, file.name), "utf8")).not.toContain(canary);
      }
    } finally {
      delete process.env.TF_VAR_api_db_password;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
