// A stateless HTTP service: a Workload served on a port, behind a Service and optionally an Ingress or an HTTPRoute.
import { Construct } from "constructs";
import { DEFAULT_PORT } from "../../model/service-defaults";
import { WebServiceIngress, WebServiceRoute, Workload, WorkloadProbes, WorkloadProps } from "./workload";

/** Container probes of a web service. */
export type WebServiceProbes = WorkloadProbes;

export interface WebServiceProps extends Omit<WorkloadProps, "http"> {
  /** Port the container listens on. @default 8080 */
  readonly port?: number;
  /** Route outside traffic through an Ingress. @default - no Ingress */
  readonly ingress?: WebServiceIngress;
  /** Route outside traffic through a Gateway API HTTPRoute instead, split by weight. @default - no route */
  readonly route?: WebServiceRoute;
}

export class WebService extends Workload {
  constructor(scope: Construct, id: string, props: WebServiceProps) {
    const { port, ingress, route, ...workload } = props;
    super(scope, id, { ...workload, http: { port: port ?? DEFAULT_PORT, ingress, route } });
  }
}
