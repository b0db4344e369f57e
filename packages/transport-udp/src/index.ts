export { MAX_SEND_ERROR_CODES, type UdpCounters } from "./counters.js";
export { DatagramStream, type DatagramStreamCounts } from "./datagram-stream.js";
export { bindUdp, type UdpTransport, type UdpTransportOptions } from "./udp-transport.js";
