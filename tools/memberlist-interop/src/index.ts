export {
  buildGoTool,
  DEBIAN_GOPATH,
  GoCluster,
  type GoClusterOptions,
  type GoEvent,
  goMissing,
  goRequired,
} from "./go-tool.js";
export { RawPeer } from "./raw-peer.js";
