import { Container } from "@cdktf/provider-docker/lib/container";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { FileVolume, HardenedContainer, HardenedContainerProps, HealthCheck, IsolatedNetwork } from "../constructs/docker";

type Json = { resource: Record<string, Record<string, any>> };
const image = { name: "envapi:1.0.0", imageId: "sha256:feed" };

function synth(props: Partial<HardenedContainerProps> = {}): string {
  return Testing.synthScope((scope: Construct) => {
    const network = new IsolatedNetwork(scope, "network", { name: "envapi-test", labels: { environment: "test" } });
    new HardenedContainer(scope, "app", {
      name: "envapi-test-app",
      image,
      networks: [network],
      healthCheck: HealthCheck.exec(["/app", "healthcheck"]),
      ...props,
    });
  });
}
const containers = (json: string): any[] => Object.values((JSON.parse(json) as Json).resource.docker_container ?? {});

describe("HardenedContainer", () => {
  test("is locked down, limited, health-checked and waited for by default", () => {
    // GIVEN a container with only the required props
    const json = synth();
    // THEN it runs as 65532 on a read-only root filesystem, without privileges or capabilities
    expect(json).toHaveResourceWithProperties(Container, {
      name: "envapi-test-app",
      image: "sha256:feed",
      user: "65532:65532",
      read_only: true,
      privileged: false,
      security_opts: ["no-new-privileges:true"],
      capabilities: { drop: ["ALL"] },
      // AND it has limits (250m → 0.25 CPU, 64Mi → 64 MiB without swap) and a CPU weight from the request
      cpus: "0.25",
      memory: 64,
      memory_swap: 64,
      cpu_shares: 51,
      // AND apply waits until the health check passes; Docker restarts it unless stopped
      restart: "unless-stopped",
      must_run: true,
      wait: true,
      wait_timeout: 120,
      labels: [{ label: "environment", value: "test" }],
    });
    const [container] = containers(json);
    expect(container.healthcheck.test).toEqual(["CMD", "/app", "healthcheck"]);
    // AND it joins only its network (by reference, so Terraform creates the network first)
    expect(container.networks_advanced).toEqual([{ name: expect.stringMatching(/^\$\{docker_network\..*\.name\}$/) }]);
  });

  test("converts quantities as the engine reads them back", () => {
    // GIVEN whole and fractional CPUs and a memory limit that is not a whole MiB
    const [whole] = containers(synth({ resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "100M" } } }));
    // THEN 2 CPUs read "2.0" and 100M rounds up to 96 MiB
    expect([whole.cpus, whole.memory, whole.cpu_shares]).toEqual(["2.0", 96, 1024]);
  });

  test("mounts file volumes read-only, starts after their loader and is replaced with it", () => {
    // GIVEN a container using a volume of secret files
    const json = Testing.synthScope((scope: Construct) => {
      const network = new IsolatedNetwork(scope, "network", { name: "envapi-test" });
      const secrets = new FileVolume(scope, "secrets", { name: "envapi-test-secrets", image, files: [{ name: "DB_PASSWORD", content: "${var.db}" }] });
      new HardenedContainer(scope, "app", {
        name: "envapi-test-app",
        image,
        networks: [network],
        healthCheck: HealthCheck.exec(["/app", "healthcheck"]),
        fileMounts: [{ volume: secrets, directory: "/run/secrets" }],
      });
    });
    // THEN the volume is mounted read-only where the app reads its secrets, and the container itself uploads nothing
    const app = containers(json).find((c) => c.name === "envapi-test-app");
    expect(app.volumes).toEqual([{ volume_name: expect.stringMatching(/^\$\{docker_volume\..*\.name\}$/), container_path: "/run/secrets", read_only: true }]);
    expect(app.upload).toBeUndefined();
    // AND a new version of the files (a replaced loader) replaces the container, which reads them at start
    expect(app.depends_on).toEqual([expect.stringMatching(/^docker_container\.secrets_loader_/)]);
    expect(app.lifecycle.replace_triggered_by).toEqual(app.depends_on);
  });

  test("publishes ports on the loopback address unless told otherwise", () => {
    // GIVEN a published port without an address  THEN it is bound to 127.0.0.1
    const [container] = containers(synth({ ports: [{ containerPort: 8080, hostPort: 8082 }] }));
    expect(container.ports).toEqual([{ internal: 8080, external: 8082, ip: "127.0.0.1", protocol: "tcp" }]);
  });

  test("refuses root, a container without a network and a relative file directory", () => {
    // GIVEN each mistake  THEN synth stops with a message naming the container
    expect(() => synth({ user: 0 })).toThrow("envapi-test-app: user 0 (root) is not allowed");
    expect(() => synth({ networks: [] })).toThrow("envapi-test-app: a container needs at least one network");
    expect(() =>
      Testing.synthScope((scope: Construct) => {
        const network = new IsolatedNetwork(scope, "network", { name: "n" });
        const volume = new FileVolume(scope, "files", { name: "f", image, files: [] });
        new HardenedContainer(scope, "app", { name: "a", image, networks: [network], healthCheck: HealthCheck.exec(["/x"]), fileMounts: [{ volume, directory: "run" }] });
      }),
    ).toThrow('a: file mount directory "run" is not absolute');
  });

  test("turning off the read-only root filesystem is explicit", () => {
    // GIVEN the named prop set to false  THEN the root filesystem is writable
    expect(containers(synth({ readOnlyRootFilesystem: false }))[0].read_only).toBe(false);
  });
});
