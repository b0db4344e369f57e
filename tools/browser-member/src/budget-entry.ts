/*
 * What the bundle budget measures: the whole public surface of the three browser entry points a
 * browser member needs (cluster, codec, WebSocket transport), kept whole through namespace
 * objects so that nothing is shaken out. An application that imports less ships less.
 */
import * as cluster from "@grapevine/cluster";
import * as codec from "@grapevine/codec";
import * as transportWs from "@grapevine/transport-ws";

export { cluster, codec, transportWs };
