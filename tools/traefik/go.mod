// Pins the Traefik release the cluster's traffic entry is built from (scripts/traffic-entry.sh). Traefik's own
// go.mod carries replace directives, which apply only when it is the main module: the script builds
// ./cmd/traefik inside a copy of the module this file pins (go.sum: its hash), not from here.
module env-as-code/tools/traefik

go 1.26.0

require github.com/traefik/traefik/v3 v3.6.12
