// One owner per name, in the form the target accepts: names checked as the synthesized stacks give them to
// Kubernetes and Docker, derived ones included (a canary's "-canary", an environment's "-edge" and "-proxy").
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as fc from "fast-check";
import { parse, stringify } from "yaml";
import { ConfigError, deepMerge, DEFAULT_SETTINGS_DIR } from "../settings";
import { synthesizeApp } from "../stacks";
import { landedNameProblems, LIMITS } from "../stacks/landed-names";

/** The shipped settings with files patched (or added), in a folder of their own. */
function settingsWith(patches: Readonly<Record<string, Record<string, unknown>>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "landed-"));
  for (const file of fs.readdirSync(DEFAULT_SETTINGS_DIR).filter((name) => name.endsWith(".yaml"))) fs.copyFileSync(path.join(DEFAULT_SETTINGS_DIR, file), path.join(dir, file));
  for (const [name, patch] of Object.entries(patches)) {
    const file = path.join(dir, `${name}.yaml`);
    const current = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
    fs.writeFileSync(file, stringify(deepMerge(current, patch)));
  }
  return dir;
}

/** The problems a synth of those settings reports (none: it wrote the stacks), and whether it wrote anything. */
function synthProblems(patches: Readonly<Record<string, Record<string, unknown>>>, platform: string): { problems: readonly string[]; wrote: boolean } {
  const dir = settingsWith(patches);
  const outdir = path.join(dir, "out");
  try {
    synthesizeApp({ SETTINGS_DIR: dir, CDKTF_OUTDIR: outdir, ENVIRONMENTS: "", DEPLOY_TARGET: platform, ALLOW_DESTROY: "", TF_PROVIDER_VERSIONS: "" });
    return { problems: [], wrote: true };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems, wrote: fs.existsSync(outdir) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const service = (name: string) => ({ name, image: { repository: "envapi", tag: "0.1.0" } });

describe("one owner per derived name", () => {
  test.each([
    [
      "a service named as another's canary track (Kubernetes: its Deployment and Service)",
      { staging: { services: [service("api-canary")] } },
      "kubernetes",
      /^staging: 2 objects would be Deployment "api-canary" on cluster kind-envapi \(~\/\.kube\/config\) namespace envapi-staging \(staging: kubernetes_deployment_v1\.\S+; staging: kubernetes_deployment_v1\.\S+\); rename/,
    ],
    [
      "an environment whose namespace is another's edge network on the same Docker host",
      { qa: { namespace: "envapi-staging-edge", target: { docker: { ingressPort: 8093 } }, services: [{ name: "api", ingress: { host: "api.qa.localhost" } }] } },
      "docker",
      /^qa, staging: 2 objects would be Docker network "envapi-staging-edge" on Docker host unix:\/\/\/var\/run\/docker\.sock \(qa: docker_network\.\S+; staging: docker_network\.\S+\)/,
    ],
  ])("%s: refused, naming both owners; nothing written", (_what, patches, platform, message) => {
    const { problems, wrote } = synthProblems(patches, platform);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(wrote).toBe(false);
  });

  test.each(["default", "kube-system", "kube-public", "kube-node-lease", "traefik"])("namespace %s (the cluster's or the traffic entry's) is refused by name", (namespace) => {
    const { problems } = synthProblems({ staging: { namespace } }, "kubernetes");
    expect(problems).toContain(`staging: namespace "${namespace}" is the cluster's own or the traffic entry's (default, kube-system, kube-public, kube-node-lease, traefik), never an environment's (name one of its own)`);
  });
});

describe("every derived name in the form the target accepts", () => {
  test("a service name that fits alone but not with its canary suffix is refused where it lands (a Service name, 63 characters)", () => {
    const name = `a${"b".repeat(57)}`; // 58 characters: "-canary" makes 65
    const { problems } = synthProblems({ staging: { services: [{ ...service(name), ingress: { host: "long.staging.localhost", path: "/", className: "traefik" }, grayRelease: { canaryTag: "0.2.0" } }] } }, "kubernetes");
    expect(problems).toEqual([`staging: Service name "${name}-canary" is not a valid Service name (DNS-1035 label: lowercase letters, digits and "-", starting with a letter, ending alphanumeric, at most 63 characters; this one has 65)`]);
  });

  test("property: a Service name is accepted exactly when it is a DNS-1035 label of at most 63 characters", () => {
    // Names near the limit: 1 to 70 letters, digits and "-"
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,69}$/), (name) => {
        const json = { resource: { kubernetes_service_v1: { s: { metadata: { name, namespace: "${kubernetes_namespace_v1.n.metadata[0].name}" } } } } };
        const problems = landedNameProblems([{ name: "qa", namespace: "envapi-qa", target: "cluster c", json }]);
        const valid = name.length <= 63 && /[a-z0-9]$/.test(name);
        expect(problems.length === 0).toBe(valid);
        expect(LIMITS["kubernetes Service"](name) === undefined).toBe(valid);
      }),
      { numRuns: 300 },
    );
  });

  test("the shipped settings land cleanly on both targets", () => {
    for (const platform of ["kubernetes", "docker"]) expect(synthProblems({}, platform).problems).toEqual([]);
  });
});
