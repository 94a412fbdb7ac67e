// A route of an environment's traffic entry, as the stack reports it to the commands (stack.json).
import { TerraformResource } from "cdktf";

/** A resource's Terraform address, as `-target` takes it. */
export function terraformAddress(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** A service's route: the Terraform resource that holds it and the revision the traffic entry answers with. */
export interface RouteOfService {
  /** The service routed. */
  readonly service: string;
  /**
   * Terraform addresses of what must be applied for the route to be served: the resource holding it and, on Docker,
   * the proxy that serves it (the proxy config's loader and the proxy container, shared by every route).
   */
  readonly addresses: readonly string[];
  /** The revision the traffic entry sets on every answer of the route (model/route-revision.ts). */
  readonly revision: string;
}
