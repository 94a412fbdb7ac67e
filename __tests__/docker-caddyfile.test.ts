import { renderCaddyfile } from "../constructs/docker";
import { proxyRouteRevision } from "../constructs/docker/caddyfile";

const ports = { listenPort: 8080, healthPort: 2020 };
const upstream = (host: string, weight = 1) => ({ host, port: 8080, weight });

describe("renderCaddyfile", () => {
  test("routes a host to its upstreams with their weights and health checks", () => {
    // GIVEN one route with a stable and a canary upstream
    const caddyfile = renderCaddyfile([{ host: "api.test.localhost", upstreams: [upstream("api-1", 3), upstream("api-canary-1", 1)] }], ports);
    // THEN the host matcher (which ignores the port in the Host header) leads to a weighted reverse proxy
    expect(caddyfile).toContain("\t@route0 {\n\t\thost \"api.test.localhost\"\n\t}");
    expect(caddyfile).toContain("reverse_proxy api-1:8080 api-canary-1:8080 {");
    expect(caddyfile).toContain("lb_policy weighted_round_robin 3 1");
    expect(caddyfile).toContain('health_uri "/readyz"');
    // AND the proxy has no admin API, no automatic HTTPS, and a loopback-only health endpoint
    expect(caddyfile).toMatch(/admin off[\s\S]*auto_https off[\s\S]*http_port 8080/);
    expect(caddyfile).toContain(":2020 {\n\tbind 127.0.0.1\n\trespond /healthz \"ok\" 200\n}");
    // AND any other host gets a 404
    expect(caddyfile).toContain('respond "no route for {host}" 404');
  });

  test("every answer of a route carries its revision, which changes with the weights and nothing else", () => {
    // GIVEN a route at two weights
    const at = (canary: number) => ({ host: "api.test.localhost", upstreams: [upstream("api-1", 100 - canary), upstream("api-canary-1", canary)] });
    // THEN the route's handler sets its revision on every answer, before proxying
    expect(renderCaddyfile([at(5)], ports)).toContain(`\thandle @route0 {\n\t\theader Envapi-Route "${proxyRouteRevision(at(5))}"\n\t\treverse_proxy `);
    // AND another weight is another revision; the same weight, the same one
    expect(proxyRouteRevision(at(5))).toMatch(/^[0-9a-f]{16}$/);
    expect(proxyRouteRevision(at(25))).not.toBe(proxyRouteRevision(at(5)));
    expect(proxyRouteRevision(at(5))).toBe(proxyRouteRevision(at(5)));
  });

  test("a path prefix matches the prefix and everything below it", () => {
    // GIVEN a route under /api/  THEN it matches /api and /api/*
    const caddyfile = renderCaddyfile([{ host: "a.localhost", path: "/api/", upstreams: [upstream("a")] }], ports);
    expect(caddyfile).toContain('\t\tpath "/api" "/api/*"\n');
  });

  test("refuses what would make an invalid or unsafe file", () => {
    // GIVEN a host that would close the block, a path with placeholders, no upstream, or only zero weights  THEN each is refused
    expect(() => renderCaddyfile([{ host: "a.localhost\n}", upstreams: [upstream("a")] }], ports)).toThrow("is not a host name");
    expect(() => renderCaddyfile([{ host: "a.localhost", path: "/{x}", upstreams: [upstream("a")] }], ports)).toThrow('proxy route path "/{x}" of a.localhost is not a plain path');
    expect(() => renderCaddyfile([{ host: "a.localhost", path: "/a*", upstreams: [upstream("a")] }], ports)).toThrow('proxy route path "/a*" of a.localhost is not a plain path');
    expect(() => renderCaddyfile([{ host: "a.localhost", healthPath: "/readyz\n}\nrespond 200", upstreams: [upstream("a")] }], ports)).toThrow(
      "proxy route health path",
    );
    expect(() => renderCaddyfile([{ host: "a.localhost", healthPath: '/r"eady', upstreams: [upstream("a")] }], ports)).toThrow("proxy route health path");
    expect(() => renderCaddyfile([{ host: "a.localhost", upstreams: [] }], ports)).toThrow("proxy route a.localhost has no upstreams");
    expect(() => renderCaddyfile([{ host: "a.localhost", upstreams: [upstream("a", 0)] }], ports)).toThrow("has no upstream with a positive weight");
  });
});
