import { formatAddress } from "@grapevine/protocol";
import { parseAddress, TransportError } from "@grapevine/transport";

console.log(parseAddress("udp://[::1]:7946")); // { scheme: 'udp', host: '::1', port: 7946, ipv6: true, ... }
console.log(formatAddress("ws", "10.0.0.5", 8080, "/gossip")); // ws://10.0.0.5:8080/gossip
try {
  parseAddress("udp://::1:7946");
} catch (err) {
  console.log(err instanceof TransportError, (err as TransportError).code); // true invalid-address
}
