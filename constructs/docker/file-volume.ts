// A named volume holding files that Terraform writes (secrets, the proxy's config). Docker takes files only
// through a container, and the provider uploads to "/", which a read-only container refuses; so a loader
// container that is created but never started receives the upload into the volume, and the containers that
// use the files mount the volume read-only.
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { labelBlocks } from "./_labels";
import { ContainerImage } from "./container-image";

/** A file in the volume. */
export interface VolumeFile {
  /** File name at the volume's root. */
  readonly name: string;
  /** The content, usually a Terraform expression (a sensitive variable), never a literal secret. */
  readonly content: string;
  /** Octal permission bits; files belong to root, so a container user can read but not change them. @default "0444" */
  readonly mode?: string;
}

export interface FileVolumeProps {
  /** Name of the volume and of its loader container, unique on the Docker host. */
  readonly name: string;
  /** The files. */
  readonly files: readonly VolumeFile[];
  /** Any image on the host for the loader; it is never started, so it needs nothing inside. */
  readonly image: ContainerImage;
  /** Labels on the volume and the loader. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** What must exist before the files are written (the containers a proxy config names). @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
}

const LOADER_DIRECTORY = "/files";

export class FileVolume extends Construct {
  /** The volume to mount. */
  readonly volume: Volume;
  /**
   * The loader: replaced whenever a file changes. Containers using the files are replaced with it
   * (`replace_triggered_by`), since they read the files at start.
   */
  readonly loader: Container;

  constructor(scope: Construct, id: string, props: FileVolumeProps) {
    super(scope, id);
    const labels = labelBlocks({ ...(props.labels ?? {}) });
    this.volume = new Volume(this, "volume", { name: props.name, labels });
    this.loader = new Container(this, "loader", {
      name: `${props.name}-loader`,
      image: props.image.imageId,
      labels,
      start: false,
      mustRun: false,
      networkMode: "none",
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
      user: "65532:65532",
      capabilities: { drop: ["ALL"] },
      volumes: [{ volumeName: this.volume.name, containerPath: LOADER_DIRECTORY }],
      upload: props.files.map((file) => {
        const mode = file.mode ?? "0444";
        if (!/^0[0-7]{3}$/.test(mode)) throw new Error(`${props.name}: file mode "${mode}" of ${file.name} is not octal like "0444"`);
        if (!/^[\w.-]+$/.test(file.name)) throw new Error(`${props.name}: file name "${file.name}" is not a plain file name`);
        return { file: `${LOADER_DIRECTORY}/${file.name}`, content: file.content, permissions: mode };
      }),
    });
  }
}
