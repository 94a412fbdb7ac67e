import { EgressRule, Protocol } from "../constructs/kubernetes";
import { isCidr } from "../model/cidr";

describe("EgressRule", () => {
  test("a CIDR block on some ports renders an ipBlock rule, TCP unless said", () => {
    expect(EgressRule.toCidr("10.20.0.0/16", [EgressRule.tcp(5432), EgressRule.udp(514), { port: 9000 }]).render()).toEqual({
      to: [{ ipBlock: { cidr: "10.20.0.0/16" } }],
      ports: [
        { port: "5432", protocol: Protocol.TCP },
        { port: "514", protocol: Protocol.UDP },
        { port: "9000", protocol: Protocol.TCP },
      ],
    });
  });

  test("a namespace on every port renders a namespace selector and no ports", () => {
    expect(EgressRule.toNamespace("monitoring").render()).toEqual({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: undefined });
  });

  test.each([
    [() => EgressRule.toCidr("10.20.0.0"), 'egress CIDR "10.20.0.0" is not an IPv4 or IPv6 block (e.g. "10.20.0.0/16")'],
    [() => EgressRule.toCidr("10.20.0.0/16", [{ port: 70000 }]), "egress port 70000 is not a port (1-65535)"],
    [() => EgressRule.toNamespace("Monitoring"), 'egress namespace "Monitoring" is not a namespace name (DNS-1123 label)'],
  ])("refuses what no NetworkPolicy can hold (%#)", (build, message) => expect(build).toThrow(message));
});

describe("CIDR blocks", () => {
  test.each(["10.0.0.0/8", "0.0.0.0/0", "192.168.1.7/32", "2001:db8::/32", "::/0"])("%s is a block", (value) => expect(isCidr(value)).toBe(true));
  test.each(["10.0.0.0", "10.0.0.0/33", "10.0.0/8", "2001:db8::/129", "example.com/24", "10.0.0.0/8/8"])("%s is not", (value) => expect(isCidr(value)).toBe(false));
});
