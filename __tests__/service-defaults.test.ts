// A service's defaults are written once (model/service-defaults.ts): the settings schema and the constructs'
// own @defaults must give a service that leaves everything out the same container.
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { ContainerService, IsolatedNetwork, LocalImage } from "../constructs/docker";
import { IsolatedNamespace, WebService } from "../constructs/kubernetes";
import { HttpServiceSettings, serviceSchema } from "../settings";
import { all, Json, synthInNamespace } from "./_kubernetes-scope";
import { probeOf } from "../stacks/kubernetes-environment";

const minimal = () => serviceSchema.parse({ name: "worker", image: { repository: "envapi", tag: "1.0.0" } }) as HttpServiceSettings;

function kubernetesContainer(configure: (namespace: IsolatedNamespace, scope: Construct) => void): any {
  const json = synthInNamespace((scope, namespace) => configure(namespace, scope));
  return all(json, "kubernetes_deployment_v1")[0].spec.template.spec.container[0];
}

function dockerContainer(configure: (network: IsolatedNetwork, image: LocalImage, scope: Construct) => void): any {
  const json: Json = JSON.parse(
    Testing.synthScope((scope) => {
      const network = new IsolatedNetwork(scope, "net", { name: "envapi-test" });
      configure(network, new LocalImage(scope, "image", { name: "envapi:1.0.0" }), scope);
    }),
  );
  return Object.values(json.resource.docker_container).find((container) => container.name === "envapi-test-worker-1");
}

describe("service defaults", () => {
  test("a service of only a name and an image gets, from the schema, what WebService gives by default", () => {
    // GIVEN the schema's defaults for a minimal service, passed to WebService explicitly
    const settings = minimal();
    const fromSettings = kubernetesContainer((namespace, scope) =>
      new WebService(scope, "worker", {
        namespace,
        image: "envapi:1.0.0",
        port: settings.port,
        replicas: settings.replicas,
        resources: settings.resources,
        probes: { liveness: probeOf(settings.probes.liveness), readiness: probeOf(settings.probes.readiness), startup: probeOf(settings.probes.startup) },
      }),
    );
    // WHEN WebService is left to its own defaults
    const byDefault = kubernetesContainer((namespace, scope) => new WebService(scope, "worker", { namespace, image: "envapi:1.0.0" }));
    // THEN the containers are the same
    expect(fromSettings).toEqual(byDefault);
  });

  test("and what ContainerService and HardenedContainer give by default on Docker", () => {
    const settings = minimal();
    const fromSettings = dockerContainer((network, image, scope) =>
      new ContainerService(scope, "worker", { network, image, port: settings.port, replicas: settings.replicas, resources: settings.resources }),
    );
    const byDefault = dockerContainer((network, image, scope) => new ContainerService(scope, "worker", { network, image }));
    expect(fromSettings).toEqual(byDefault);
    expect(byDefault).toMatchObject({ memory: 64, cpus: "0.25", cpu_shares: 51 });
  });

  test("the defaults fill in what a service leaves out, one field at a time", () => {
    // GIVEN a service that sets only its memory limit and its readiness path
    const settings = serviceSchema.parse({ name: "api", image: { repository: "envapi", tag: "1" }, resources: { limits: { memory: "128Mi" } }, probes: { readiness: { path: "/ready" } } }) as HttpServiceSettings;
    // THEN everything else is the default
    expect(settings.resources).toEqual({ requests: { cpu: "50m", memory: "32Mi", ephemeralStorage: "32Mi" }, limits: { cpu: "250m", memory: "128Mi", ephemeralStorage: "256Mi" } });
    expect(settings.probes.readiness).toEqual({ check: { kind: "http", path: "/ready" }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 });
    expect(settings).toMatchObject({ port: 8080, replicas: 1, config: {}, secrets: [], autoscaling: { enabled: false }, disruptionBudget: { enabled: false }, grayRelease: { canaryWeight: 0 } });
  });
});
