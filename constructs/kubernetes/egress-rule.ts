// Where pods may open connections, as values: `EgressRule.toCidr("10.20.0.0/16", [EgressRule.tcp(5432)])`,
// `EgressRule.toNamespace("monitoring", [EgressRule.tcp(4317)])`. IsolatedNamespace denies all other egress.
import { NetworkPolicyV1SpecEgress } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { isCidr } from "../../model/cidr";

/** The transport protocols a NetworkPolicy names. */
export enum Protocol {
  TCP = "TCP",
  UDP = "UDP",
  SCTP = "SCTP",
}

/** A destination port and its protocol. */
export interface EgressPort {
  /** Port number, 1-65535. */
  readonly port: number;
  /** Transport protocol. @default Protocol.TCP */
  readonly protocol?: Protocol;
}

type Destination = { readonly kind: "cidr"; readonly cidr: string } | { readonly kind: "namespace"; readonly name: string };

/** One allowed destination with its ports: a NetworkPolicy egress rule. */
export class EgressRule {
  /** Addresses in an IPv4 or IPv6 CIDR block ("10.20.0.0/16", "2001:db8::/32"), on `ports` (every port when empty). */
  static toCidr(cidr: string, ports: readonly EgressPort[] = []): EgressRule {
    if (!isCidr(cidr)) throw new Error(`egress CIDR "${cidr}" is not an IPv4 or IPv6 block (e.g. "10.20.0.0/16")`);
    return new EgressRule({ kind: "cidr", cidr }, ports);
  }

  /** Every pod of the namespace `name`, on `ports` (every port when empty). */
  static toNamespace(name: string, ports: readonly EgressPort[] = []): EgressRule {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) throw new Error(`egress namespace "${name}" is not a namespace name (DNS-1123 label)`);
    return new EgressRule({ kind: "namespace", name }, ports);
  }

  /** A TCP port. */
  static tcp(port: number): EgressPort {
    return { port, protocol: Protocol.TCP };
  }

  /** A UDP port. */
  static udp(port: number): EgressPort {
    return { port, protocol: Protocol.UDP };
  }

  private constructor(private readonly destination: Destination, private readonly ports: readonly EgressPort[]) {
    for (const { port } of ports) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`egress port ${port} is not a port (1-65535)`);
    }
  }

  /** The provider's egress rule. */
  render(): NetworkPolicyV1SpecEgress {
    const to =
      this.destination.kind === "cidr"
        ? { ipBlock: { cidr: this.destination.cidr } }
        : { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": this.destination.name } } };
    return {
      to: [to],
      ports: this.ports.length > 0 ? this.ports.map(({ port, protocol }) => ({ port: String(port), protocol: protocol ?? Protocol.TCP })) : undefined,
    };
  }
}
