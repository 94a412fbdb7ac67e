// IP address blocks in CIDR notation, as NetworkPolicies and the settings' egress allow-list name them.
import { isIP } from "net";

/** True for "address/prefix" with an IPv4 (prefix 0-32) or IPv6 (prefix 0-128) address. */
export function isCidr(value: string): boolean {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return false;
  const version = isIP(match[1]);
  const prefix = Number(match[2]);
  return (version === 4 && prefix <= 32) || (version === 6 && prefix <= 128);
}
