// A route of an environment's traffic entry, as the stack reports it to the commands (stack.json).

/** A service's route: the Terraform resource that holds it and the revision the traffic entry answers with. */
export interface RouteOfService {
  /** The service routed. */
  readonly service: string;
  /** The Terraform address of the resource holding the route (Docker: the proxy config's loader, shared). */
  readonly address: string;
  /** The revision the traffic entry sets on every answer of the route (model/route-revision.ts). */
  readonly revision: string;
}
