import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { FileVolume, FileVolumeProps } from "../constructs/docker";

const synth = (props: Partial<FileVolumeProps> = {}) =>
  Testing.synthScope((scope: Construct) => {
    new FileVolume(scope, "secrets", {
      name: "envapi-test-api-secrets",
      image: { name: "envapi:1.0.0", imageId: "sha256:feed" },
      files: [{ name: "DB_PASSWORD", content: "${var.db}" }],
      labels: { environment: "test" },
      ...props,
    });
  });

describe("FileVolume", () => {
  test("a never-started loader uploads the files into a labelled volume", () => {
    // GIVEN a secret file as a Terraform expression
    const json = synth();
    // THEN a labelled volume holds it
    expect(json).toHaveResourceWithProperties(Volume, { name: "envapi-test-api-secrets", labels: [{ label: "environment", value: "test" }] });
    // AND the loader is created, never started (nothing to run, no network), and uploads read-only files into the volume
    expect(json).toHaveResourceWithProperties(Container, {
      name: "envapi-test-api-secrets-loader",
      start: false,
      must_run: false,
      network_mode: "none",
      user: "65532:65532",
      capabilities: { drop: ["ALL"] },
      upload: [{ file: "/files/DB_PASSWORD", content: "${var.db}", permissions: "0444" }],
    });
  });

  test("refuses a mode that is not octal and a name that is not a plain file name", () => {
    // GIVEN a mode without its leading 0, and a name that climbs out of the volume  THEN both are refused
    expect(() => synth({ files: [{ name: "f", content: "", mode: "644" }] })).toThrow('envapi-test-api-secrets: file mode "644" of f is not octal like "0444"');
    expect(() => synth({ files: [{ name: "../etc/passwd", content: "" }] })).toThrow('file name "../etc/passwd" is not a plain file name');
  });
});
