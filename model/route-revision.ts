// Which routing a traffic entry is serving, told by its own answers: every answer through a route carries the
// route's revision (a digest of what it matches and where it sends requests by weight), set by the traffic entry
// itself (a response header filter of the HTTPRoute, a header directive of the Docker proxy). An answer with the
// revision a deploy wrote was routed by that deploy's routes: the entry has taken them.
import { createHash } from "crypto";

/** The response header the traffic entry sets on every answer of a route. */
export const ROUTE_REVISION_HEADER = "Envapi-Route";

/** The response header the API sets on every answer: the version that served it (app/server.go). */
export const VERSION_HEADER = "Envapi-Version";

/** What a route is, for its revision: what it matches and its backends by weight. */
export interface RouteShape {
  /** Host name matched. */
  readonly host: string;
  /** Path prefix matched. */
  readonly path: string;
  /** Where requests go: each backend's name (a Service, an upstream address) and weight; weight 0 ones left out. */
  readonly backends: ReadonlyArray<{ readonly name: string; readonly weight: number }>;
}

/** The route's revision: 16 hex digits of a SHA-256 over its shape, the same for the same shape on every run. */
export function routeRevision(route: RouteShape): string {
  const backends = route.backends.filter((backend) => backend.weight > 0).map((backend) => [backend.name, backend.weight]);
  return createHash("sha256").update(JSON.stringify([route.host, route.path, backends])).digest("hex").slice(0, 16);
}
