// Workload, Worker and the additions every workload is open to (sidecars, scratch volumes).
import { Probe, WebService, Worker, Workload } from "../constructs/kubernetes";
import { all, synthInNamespace as synth } from "./_kubernetes-scope";

describe("Worker", () => {
  test("has no port, no Service, no scrape annotations, and probes by command", () => {
    // GIVEN a worker probed by a command
    const json = synth((scope, namespace) => new Worker(scope, "consumer", { namespace, image: "consumer:1.0", probes: { liveness: Probe.exec(["/app", "healthcheck"]) } }));
    // THEN a Deployment without a container port, Service or Ingress
    const [deployment] = all(json, "kubernetes_deployment_v1");
    const [container] = deployment.spec.template.spec.container;
    expect(container.port).toBeUndefined();
    expect(all(json, "kubernetes_service_v1")).toEqual([]);
    expect(all(json, "kubernetes_ingress_v1")).toEqual([]);
    expect(deployment.spec.template.metadata.annotations["prometheus.io/scrape"]).toBeUndefined();
    // AND readiness and startup check what liveness checks
    for (const probe of ["liveness_probe", "readiness_probe", "startup_probe"]) expect(container[probe].exec).toEqual({ command: ["/app", "healthcheck"] });
    // AND it is as locked down as a web service
    expect(container.security_context).toMatchObject({ read_only_root_filesystem: true, run_as_non_root: true, capabilities: { drop: ["ALL"] } });
  });

  test("an HTTP probe needs a port, which a worker has not", () => {
    expect(() => synth((scope, namespace) => new Worker(scope, "consumer", { namespace, image: "consumer:1.0", probes: { liveness: Probe.httpGet("/livez") } }))).toThrow(
      "an HTTP probe of /livez needs the container to have a port",
    );
  });
});

describe("Workload additions", () => {
  test("a sidecar and a scratch volume join every pod of both tracks", () => {
    // GIVEN a web service in a gray release, with a cache sidecar sharing a scratch volume
    const json = synth((scope, namespace) => {
      const service: Workload = new WebService(scope, "api", { namespace, image: "envapi:1.0", replicas: 2, grayRelease: { canaryImage: "envapi:1.1", weight: 50 } });
      service.addVolume({ name: "cache", sizeLimit: "64Mi" }, "/var/cache/app");
      service.addContainer({ name: "cache", image: "memcached:1.6", args: ["-m", "32"], liveness: Probe.tcp(11211), mounts: { cache: "/data" } });
    });
    // THEN both Deployments run the app and the sidecar, and mount the volume where asked
    const deployments = all(json, "kubernetes_deployment_v1");
    expect(deployments).toHaveLength(2);
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      expect(pod.container.map((container: any) => container.name)).toEqual(["api", "cache"]);
      expect(pod.volume).toEqual([{ name: "cache", empty_dir: { size_limit: "64Mi" } }]);
      expect(pod.container[0].volume_mount).toEqual([{ name: "cache", mount_path: "/var/cache/app" }]);
      expect(pod.container[1]).toMatchObject({
        image: "memcached:1.6",
        args: ["-m", "32"],
        volume_mount: [{ name: "cache", mount_path: "/data" }],
        liveness_probe: { tcp_socket: [{ port: "11211" }] },
        security_context: { read_only_root_filesystem: true, run_as_non_root: true },
        resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
      });
    }
    // AND the app's own image is still the track's
    expect(deployments.map((deployment) => deployment.spec.template.spec.container[0].image).sort()).toEqual(["envapi:1.0", "envapi:1.1"]);
  });

  test("a mount of an undeclared volume, or a second container of a name, is refused", () => {
    expect(() =>
      synth((scope, namespace) => new WebService(scope, "api", { namespace, image: "envapi:1.0" }).addContainer({ name: "cache", image: "memcached:1.6", mounts: { cache: "/data" } })),
    ).toThrow('api: container "cache" mounts volume "cache", which addVolume has not added');
    expect(() => synth((scope, namespace) => new WebService(scope, "api", { namespace, image: "envapi:1.0" }).addContainer({ name: "api", image: "x:1" }))).toThrow(
      'api: a container named "api" is already in the pod',
    );
  });

  test("object names are a prop, the construct id by default", () => {
    const json = synth((scope, namespace) => new WebService(scope, "api", { namespace, image: "envapi:1.0", name: "api-v2" }));
    expect(all(json, "kubernetes_deployment_v1")[0].metadata.name).toBe("api-v2");
    expect(all(json, "kubernetes_service_v1")[0].metadata.name).toBe("api-v2");
  });
});

describe("Workload scheduling and local storage", () => {
  const deployments = (props: Partial<ConstructorParameters<typeof WebService>[2]>) =>
    all(synth((scope, namespace) => new WebService(scope, "api", { namespace, image: "envapi:1.0", ...props })), "kubernetes_deployment_v1");

  test("pods spread across nodes when the service can run more than one", () => {
    // GIVEN two replicas  WHEN synthesized
    const [deployment] = deployments({ replicas: 2 });
    // THEN a soft topology spread over the service's pods (both tracks), one node apart at most
    expect(deployment.spec.template.spec.topology_spread_constraint).toEqual([
      { max_skew: 1, topology_key: "kubernetes.io/hostname", when_unsatisfiable: "ScheduleAnyway", label_selector: [{ match_labels: { "app.kubernetes.io/name": "api" } }] },
    ]);
  });

  test("an autoscaler that may add pods counts, one replica does not, and the spread can be turned off or moved", () => {
    expect(deployments({ replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 80 } })[0].spec.template.spec.topology_spread_constraint).toHaveLength(1);
    expect(deployments({ replicas: 1 })[0].spec.template.spec.topology_spread_constraint).toBeUndefined();
    expect(deployments({ replicas: 3, spreadAcross: false })[0].spec.template.spec.topology_spread_constraint).toBeUndefined();
    expect(deployments({ replicas: 3, spreadAcross: "topology.kubernetes.io/zone" })[0].spec.template.spec.topology_spread_constraint[0].topology_key).toBe("topology.kubernetes.io/zone");
  });

  test("every container requests and limits ephemeral storage, the defaults filling in what is left out", () => {
    // GIVEN resources that set cpu and memory only, and a sidecar with its own storage
    const json = synth((scope, namespace) => {
      const service = new WebService(scope, "api", { namespace, image: "envapi:1.0", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } } });
      service.addContainer({
        name: "cache",
        image: "memcached:1.6",
        liveness: Probe.tcp(11211),
        resources: { requests: { cpu: "10m", memory: "16Mi", ephemeralStorage: "64Mi" }, limits: { cpu: "100m", memory: "64Mi", ephemeralStorage: "1Gi" } },
      });
    });
    // THEN
    const [main, cache] = all(json, "kubernetes_deployment_v1")[0].spec.template.spec.container;
    expect(main.resources).toEqual({ requests: { cpu: "10m", memory: "16Mi", "ephemeral-storage": "32Mi" }, limits: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "256Mi" } });
    expect(cache.resources.requests["ephemeral-storage"]).toBe("64Mi");
    expect(cache.resources.limits["ephemeral-storage"]).toBe("1Gi");
  });

  test("an ephemeral storage limit below its request is refused", () => {
    expect(() => deployments({ resources: { requests: { cpu: "10m", memory: "16Mi", ephemeralStorage: "1Gi" }, limits: { cpu: "100m", memory: "64Mi" } } })).toThrow(
      'api: ephemeral storage limit "256Mi" is below its request "1Gi"',
    );
  });
});
