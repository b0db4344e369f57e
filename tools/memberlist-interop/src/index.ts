export { type AgentEvent, AgentProcess } from "./agent-process.js";
export {
  buildGoTool,
  DEBIAN_GOPATH,
  GoCluster,
  type GoClusterOptions,
  type GoEvent,
  goMissing,
  goRequired,
  unconfirmedDetectionMs,
} from "./go-tool.js";
export {
  childEnv,
  type GvMember,
  GvNode,
  type GvNodeOptions,
  REPO_ROOT,
  TS_NODE_ARGS,
} from "./gv-process.js";
export { JsonLines, type LineEvent } from "./json-lines.js";
export { allJoined, joinGoNodes, type MixedCluster, startMixed } from "./mixed-cluster.js";
export { RawPeer } from "./raw-peer.js";
