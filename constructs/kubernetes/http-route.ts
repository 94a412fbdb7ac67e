// A Gateway API HTTPRoute: a host and path prefix on a Gateway's listener, sent to Services by weight. The
// kubernetes provider has no typed HTTPRoute resource, so it is a kubernetes_manifest, which reads the CRD's schema
// at plan time: the cluster step installs the Gateway API CRDs on every cluster, so every stack plans.
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ROUTE_REVISION_HEADER, routeRevision } from "../../model/route-revision";
import { IsolatedNamespace } from "./isolated-namespace";

/** The Gateway a route attaches to. */
export interface GatewayParent {
  /** The Gateway's name. */
  readonly name: string;
  /** The Gateway's namespace (its listener must allow routes from the route's namespace). */
  readonly namespace: string;
  /** The listener the route attaches to. @default - every listener of the Gateway that admits it */
  readonly listener?: string;
}

/** One weighted backend of a route. */
export interface RouteBackend {
  /** The Service, in the route's namespace. */
  readonly service: ServiceV1;
  /** The Service's port. */
  readonly port: number;
  /** Its share: requests go to backends in proportion to their weights (0..1000000). */
  readonly weight: number;
}

export interface HttpRouteProps {
  /** Namespace of the route and its Services; its labels go on the route. */
  readonly namespace: IsolatedNamespace;
  /** The route's name. */
  readonly name: string;
  /** Labels besides the namespace's. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** The Gateway it attaches to. */
  readonly gateway: GatewayParent;
  /** The host name it matches. */
  readonly host: string;
  /** The path prefix it matches. @default "/" */
  readonly path?: string;
  /** Where matching requests go, by weight; at least one backend with a weight above 0. */
  readonly backends: readonly RouteBackend[];
  /**
   * What must be in place before the route changes: Terraform then applies a route's update after their creation
   * or update, and destroys one of them only after the route stopped naming it (a dependency the state records).
   * @default []
   */
  readonly after?: readonly ITerraformDependable[];
}

const MAX_WEIGHT = 1_000_000;

export class HttpRoute extends Construct {
  /** The kubernetes_manifest holding the route. */
  readonly manifest: Manifest;
  /** The route's revision, which the traffic entry sets on every answer it routes (model/route-revision.ts). */
  readonly revision: string;

  constructor(scope: Construct, id: string, props: HttpRouteProps) {
    super(scope, id);
    const { backends } = props;
    for (const backend of backends) {
      if (!Number.isInteger(backend.weight) || backend.weight < 0 || backend.weight > MAX_WEIGHT) {
        throw new RangeError(`${props.name}: the weight of backend ${backend.service.metadata.name} must be an integer in 0..${MAX_WEIGHT}, got ${backend.weight}`);
      }
    }
    if (!backends.some((backend) => backend.weight > 0)) throw new Error(`${props.name}: a route needs a backend with a weight above 0`);
    const namespaceName = props.namespace.namespace.metadata.name;
    const path = props.path ?? "/";
    // A Service's name is a reference until apply; its construct path names it as well, and literally.
    this.revision = routeRevision({ host: props.host, path, backends: backends.map((backend) => ({ name: backend.service.node.path, weight: backend.weight })) });
    this.manifest = new Manifest(this, "manifest", {
      manifest: {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: props.name, namespace: namespaceName, labels: { ...props.namespace.labels, ...props.labels } },
        spec: {
          // Every field the API server would default is written, so the object it returns matches the manifest.
          parentRefs: [
            {
              group: "gateway.networking.k8s.io",
              kind: "Gateway",
              name: props.gateway.name,
              namespace: props.gateway.namespace,
              ...(props.gateway.listener !== undefined ? { sectionName: props.gateway.listener } : {}),
            },
          ],
          hostnames: [props.host],
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: path } }],
              // The entry names the route it served by: a deploy reads it to know the entry took this revision.
              filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: ROUTE_REVISION_HEADER, value: this.revision }] } }],
              backendRefs: backends.map((backend) => ({ group: "", kind: "Service", name: backend.service.metadata.name, port: backend.port, weight: backend.weight })),
            },
          ],
        },
      },
      dependsOn: props.after ? [...props.after] : undefined,
    });
  }
}
