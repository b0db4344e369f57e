import { bindWs } from "@grapevine/transport-ws";

// A listening node, and a dial-only node (no `listen`): it gets a ws-client://<id> identity.
const server = await bindWs({ listen: "ws://127.0.0.1:0/gossip" });
const client = await bindWs({});
console.log(server.address, client.address); // ws://127.0.0.1:41234/gossip ws-client://9f2c…

// The client's datagram opens a connection; the server answers over that same connection.
const atServer = server.datagrams()[Symbol.asyncIterator]();
const atClient = client.datagrams()[Symbol.asyncIterator]();
client.send(server.address, new TextEncoder().encode("ping"));
const ping = (await atServer.next()).value!;
server.send(ping.from, new TextEncoder().encode("ack"));
console.log(ping.from, new TextDecoder().decode((await atClient.next()).value!.data));

// Streams work both ways, even towards the dial-only node.
const accepted = client.streams()[Symbol.asyncIterator]();
const stream = await server.dial(client.address);
await stream.write(new TextEncoder().encode("state"));
await stream.close();
for await (const frame of (await accepted.next()).value!) {
  console.log("client got", new TextDecoder().decode(frame));
}

await Promise.all([server.close(), client.close()]);
