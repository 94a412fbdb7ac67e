import { Image } from "@cdktf/provider-docker/lib/image";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { BuiltImage, BuiltImageProps, LocalImage } from "../constructs/docker";

const synth = (props: Partial<BuiltImageProps> = {}) =>
  Testing.synthScope((scope: Construct) => {
    new BuiltImage(scope, "image", { name: "envapi:1.0.0", context: "../../../app", sourceHash: "abc", ...props });
  });

describe("BuiltImage", () => {
  test("builds from the context with its arguments, and rebuilds when the source hash changes", () => {
    // GIVEN an image with build arguments and labels
    const json = synth({ buildArgs: { VERSION: "1.0.0" }, labels: { environment: "test" } });
    // THEN the build block carries them, it is hermetic (no pull, no network), and the hash is the rebuild trigger
    expect(json).toHaveResourceWithProperties(Image, {
      name: "envapi:1.0.0",
      keep_locally: false,
      triggers: { source: "abc" },
      build: {
        context: "../../../app",
        dockerfile: "Dockerfile",
        build_args: { VERSION: "1.0.0" },
        label: { environment: "test" },
        pull_parent: false,
        network_mode: "none",
        remove: true,
        force_remove: true,
      },
    });
  });

  test("a name without a tag is refused", () => {
    // GIVEN names without a tag (one with a registry port)  THEN they are refused; with a tag they pass
    expect(() => synth({ name: "envapi" })).toThrow('image name "envapi" is not "repository:tag"');
    expect(() => synth({ name: "localhost:5000/envapi" })).toThrow('image name "localhost:5000/envapi" is not "repository:tag"');
    expect(() => synth({ name: "localhost:5000/envapi:1.0" })).not.toThrow();
  });
});

describe("LocalImage", () => {
  test("tracks an image made elsewhere and leaves it on the host", () => {
    // GIVEN the proxy image built by scripts/proxy-image.sh  THEN it is tracked, kept on destroy and never built here
    const json = Testing.synthScope((scope: Construct) => {
      new LocalImage(scope, "proxy", { name: "envapi-proxy:caddy-2.11.9" });
    });
    expect(json).toHaveResourceWithProperties(Image, { name: "envapi-proxy:caddy-2.11.9", keep_locally: true });
    const [image] = Object.values<Record<string, unknown>>((JSON.parse(json) as { resource: { docker_image: Record<string, Record<string, unknown>> } }).resource.docker_image);
    expect(image.build).toBeUndefined();
  });
});
