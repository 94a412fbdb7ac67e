// An image built by Terraform on the Docker host from a Dockerfile, rebuilt when its sources change.
import { Image } from "@cdktf/provider-docker/lib/image";
import { Construct } from "constructs";
import { ContainerImage, checkImageName } from "./container-image";

export interface BuiltImageProps {
  /** "repository:tag" the build is tagged with. */
  readonly name: string;
  /** Build context directory, relative to where Terraform runs or absolute. */
  readonly context: string;
  /** Dockerfile path inside the context. @default "Dockerfile" */
  readonly dockerfile?: string;
  /** Build arguments (`ARG`s of the Dockerfile). @default {} */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** A fingerprint of the build inputs (e.g. a hash of the sources); the image is rebuilt when it changes. */
  readonly sourceHash: string;
  /** Labels on the image. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Leave the image on the Docker host when the resource is destroyed. @default false */
  readonly keepLocally?: boolean;
}

/** An image built on the Docker host with `docker build`, rebuilt when its sources change. */
export class BuiltImage extends Construct implements ContainerImage {
  readonly image: Image;
  readonly name: string;
  readonly imageId: string;

  constructor(scope: Construct, id: string, props: BuiltImageProps) {
    super(scope, id);
    checkImageName(props.name);
    this.name = props.name;
    this.image = new Image(this, "image", {
      name: props.name,
      keepLocally: props.keepLocally ?? false,
      triggers: { source: props.sourceHash },
      buildAttribute: {
        context: props.context,
        dockerfile: props.dockerfile ?? "Dockerfile",
        buildArgs: { ...(props.buildArgs ?? {}) },
        label: { ...(props.labels ?? {}) },
        // Hermetic: base images come from the local image store only, and RUN steps get no network.
        pullParent: false,
        networkMode: "none",
        remove: true,
        forceRemove: true,
      },
    });
    this.imageId = this.image.imageId;
  }
}
