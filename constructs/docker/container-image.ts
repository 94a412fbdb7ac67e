// The image a container runs, and images that exist outside the stack (built by a toolchain script).
import { Image } from "@cdktf/provider-docker/lib/image";
import { Construct } from "constructs";

/** What a container needs to know about its image. */
export interface ContainerImage {
  /** "repository:tag", as `docker images` shows it. */
  readonly name: string;
  /** The image ID as a Terraform expression: containers are replaced when it changes. */
  readonly imageId: string;
}

/** Throws unless `name` is "repository:tag" (a digest or a missing tag is refused: the tag is the release). */
export function checkImageName(name: string): void {
  const colon = name.lastIndexOf(":");
  if (colon <= name.lastIndexOf("/") || !/^[\w][\w.-]{0,127}$/.test(name.slice(colon + 1)) || /[@\s]/.test(name)) {
    throw new Error(`image name "${name}" is not "repository:tag"`);
  }
}

export interface LocalImageProps {
  /** "repository:tag" of an image that is on the Docker host (or that the host may pull). */
  readonly name: string;
}

/**
 * An image that exists outside this stack, e.g. one built by a toolchain script. Tracked (so containers
 * follow a rebuild) but never removed on destroy; pulled only when missing and the host can reach a registry.
 */
export class LocalImage extends Construct implements ContainerImage {
  readonly image: Image;
  readonly name: string;
  readonly imageId: string;

  constructor(scope: Construct, id: string, props: LocalImageProps) {
    super(scope, id);
    checkImageName(props.name);
    this.name = props.name;
    this.image = new Image(this, "image", { name: props.name, keepLocally: true });
    this.imageId = this.image.imageId;
  }
}
