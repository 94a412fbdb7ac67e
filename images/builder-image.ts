// The image the API's Dockerfile compiles in (build arg BUILDER_IMAGE): scripts/toolchain.sh imports it from the
// local Go toolchain where no registry is reachable.
export const DEFAULT_BUILDER_IMAGE = "golang:1.26";
