/**
 * `pnpm bench codec [filter] [--samples N] [--sample-ms MS] [--rounds N]`: encode and decode
 * throughput of the Grapevine wire format on three packets (a bare ping, a ping with 8
 * piggy-backed membership updates near the 1,400-byte MTU, a state delta near the MTU), with the
 * same content through
 * protobufjs (generated static code and runtime reflection, same .proto), JSON and MessagePack
 * as reference rows. One JSON line per case: `{"case", "ops_per_s", "bytes"}`.
 *
 * `decode/delta-unique` decodes 4,096 distinct deltas in turn, so that no string repeats (the
 * decoder's string cache misses every time); `alloc/decode/delta` reports the bytes a decoded
 * delta holds per entry (`bytes_per_entry`), against protobufjs' static code. `ratio/<case>`
 * rows give the codec's speed relative to each reference case, measured in alternating slices
 * (`{"case", "ratio", "min", "max", "rounds"}`): quote those, not quotients of rows measured
 * at different times.
 *
 * The reference rows are flattering to the references: protobufjs rows work on protobufjs
 * objects prepared ahead (no conversion from or to the codec's message types; uint64 stays a
 * `Long`), and JSON decode does not revive bigints or bytes. The codec rows include all of it.
 */

import {
  DEFAULT_MTU,
  decode,
  encodePacket,
  type Message,
  messageSize,
  pack,
} from "@grapevine/codec";
import { decode as msgpackDecode, encode as msgpackEncode } from "@msgpack/msgpack";
import Long from "long";
import { compare, forcedGc, measure, report } from "../measure.js";
import { reflectionEnvelope, staticEnvelope } from "../protobufjs-static.js";

// ---------------------------------------------------------------------------------------------
// Content

const te = new TextEncoder();
const host = (i: number) => `ip-10-0-${i}-${(i * 37) % 250}.eu-west-1.compute.internal`;
const udp = (i: number) => `udp://10.0.${i}.${(i * 37) % 250}:7946`;
const ws = (i: number) => `ws://${host(i)}:8080/gossip`;

/** A probe on its own: what a quiet cluster sends every protocol period. */
const barePing: Message = {
  type: "ping",
  seq: 48_213,
  target: host(2),
  source: host(1),
  sourceAddresses: [],
};

/** The probe that carries piggy-backed updates also advertises where to answer. */
const ping: Message = { ...barePing, sourceAddresses: [udp(1), ws(1)] };

function membership(i: number): Message {
  const name = host(10 + i);
  switch (i % 4) {
    case 2:
      return { type: "suspect", name, incarnation: BigInt(40 + i), from: host(1) };
    case 3:
      return { type: "dead", name, incarnation: BigInt(1_000 + i), from: name };
    default:
      return {
        type: "alive",
        name,
        incarnation: BigInt(7 + i),
        generation: 1_732_000_000 + i,
        addresses: [udp(10 + i), ws(10 + i)],
        meta: te.encode(
          `{"zone":"eu-west-1${"abc"[i % 3]}","role":"api","version":"2.14.1-build.5823"}`,
        ),
      };
  }
}
const compound: Message[] = [ping, ...Array.from({ length: 8 }, (_, i) => membership(i))];

/**
 * A state delta near the MTU. `salt` (7 characters) replaces a word of every owner name and key
 * with the same length, so that deltas of distinct salts share no string.
 */
function stateDelta(salt = "service"): Message {
  const entry = (owner: number, k: number) => ({
    key: `${salt}/${["version", "load", "region", "build", "health", "conns"][k % 6]}/${k}`,
    value: te.encode(`value-${owner}-${k}-${"x".repeat(12)}`),
    version: 1_000 + k,
    tombstone: k % 11 === 10,
  });
  const owners = [0, 1, 2];
  const perOwner = [9, 8, 8];
  return {
    type: "state-delta",
    delta: owners.map((o) => ({
      owner: salt === "service" ? host(20 + o) : host(20 + o).replace("compute", salt),
      generation: 1_732_000_000 + o,
      fromVersion: 999,
      reset: false,
      heartbeat: 86_400 + o,
      maxVersion: 1_000 + perOwner[o]!,
      entries: Array.from({ length: perOwner[o]! }, (_, k) => entry(o, k)),
    })),
  };
}
const delta: Message[] = [stateDelta()];
/**
 * Distinct deltas, decoded in turn: no owner name or key repeats from one packet to the next
 * within 4,096 packets, so every string misses the decoder's string cache, as in a cluster whose
 * state churns through more distinct keys than the cache holds.
 */
const UNIQUE_DELTAS = 4096;
const uniqueDeltas: Message[][] = Array.from({ length: UNIQUE_DELTAS }, (_, i) => [
  stateDelta(`u${i.toString(36).padStart(6, "0")}`),
]);

const contents: Record<string, Message[]> = { ping: [barePing], compound, delta };

// ---------------------------------------------------------------------------------------------
// Reference formats

function toJson(messages: readonly Message[]): string {
  return JSON.stringify({ version: 1, label: "", messages }, (_key, value: unknown) =>
    typeof value === "bigint"
      ? value.toString()
      : value instanceof Uint8Array
        ? Buffer.from(value).toString("base64")
        : value,
  );
}

const u64 = (b: bigint) => Long.fromString(b.toString(), true);

/** The messages as protobufjs properties objects (done ahead of timing). */
function toProto(messages: readonly Message[]): object {
  const out = messages.map((m) => {
    switch (m.type) {
      case "ping":
        return { ping: { ...m, sourceAddresses: [...m.sourceAddresses] } };
      case "alive":
        return { alive: { ...m, incarnation: u64(m.incarnation), addresses: [...m.addresses] } };
      case "suspect":
        return { suspect: { ...m, incarnation: u64(m.incarnation) } };
      case "dead":
        return { dead: { ...m, incarnation: u64(m.incarnation) } };
      case "state-delta":
        return {
          stateDelta: {
            delta: m.delta.map((d) => ({ ...d, entries: d.entries.map((e) => ({ ...e })) })),
          },
        };
      default:
        throw new Error(`bench: no protobufjs mapping for ${m.type}`);
    }
  });
  return { version: 1, messages: out };
}

const StaticEnvelope = await staticEnvelope();
const ReflectionEnvelope = reflectionEnvelope();

function countEntries(owners: readonly { entries: readonly unknown[] }[]): number {
  return owners.reduce((n, o) => n + o.entries.length, 0);
}

/** Heap and array-buffer bytes retained per call of `fn`, over `calls` calls kept alive. */
function retainedBytes(fn: () => unknown, calls = 4000): number {
  const gc = forcedGc();
  if (gc === null) return Number.NaN;
  const held: unknown[] = new Array(calls);
  fn();
  const used = () => {
    for (let i = 0; i < 3; i++) gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  for (let i = 0; i < calls; i++) held[i] = fn();
  const after = used();
  if (held.length !== calls) throw new Error("unreachable");
  return (after - before) / calls;
}

// ---------------------------------------------------------------------------------------------

interface Options {
  filter: string;
  samples: number;
  sampleMs: number;
  rounds: number;
}

function parseArgs(args: string[]): Options {
  const options: Options = { filter: "", samples: 5, sampleMs: 300, rounds: 11 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--samples") options.samples = Number(args[++i]);
    else if (arg === "--sample-ms") options.sampleMs = Number(args[++i]);
    else if (arg === "--rounds") options.rounds = Number(args[++i]);
    else options.filter = arg;
  }
  return options;
}

export default async function codec(args: string[]): Promise<void> {
  const options = parseArgs(args);
  const cases = new Map<string, (i: number) => unknown>();
  const run = (name: string, bytes: number, fn: (i: number) => unknown) => {
    cases.set(name, fn);
    if (!name.includes(options.filter)) return;
    const ops = measure(fn, { samples: options.samples, sampleMs: options.sampleMs });
    report({ case: name, ops_per_s: ops, bytes });
  };

  for (const [name, messages] of Object.entries(contents)) {
    const packet = encodePacket(messages);
    const check = decode(packet);
    if (!check.ok) throw check.error;
    if (packet.length > DEFAULT_MTU) throw new Error(`bench: ${name} is ${packet.length} bytes`);

    run(`encode/${name}`, packet.length, () => encodePacket(messages));
    run(`decode/${name}`, packet.length, () => decode(packet));

    const proto = toProto(messages);
    const staticBytes = StaticEnvelope.encode(proto).finish();
    run(`encode/${name}/protobufjs-static`, staticBytes.length, () =>
      StaticEnvelope.encode(proto).finish(),
    );
    run(`decode/${name}/protobufjs-static`, staticBytes.length, () =>
      StaticEnvelope.decode(staticBytes),
    );
    const reflectionMessage = ReflectionEnvelope.fromObject(proto);
    const reflectionBytes = ReflectionEnvelope.encode(reflectionMessage).finish();
    run(`encode/${name}/protobufjs-reflection`, reflectionBytes.length, () =>
      ReflectionEnvelope.encode(reflectionMessage).finish(),
    );
    run(`decode/${name}/protobufjs-reflection`, reflectionBytes.length, () =>
      ReflectionEnvelope.decode(reflectionBytes),
    );

    const json = te.encode(toJson(messages));
    const td = new TextDecoder();
    run(`encode/${name}/json`, json.length, () => te.encode(toJson(messages)));
    run(`decode/${name}/json`, json.length, () => JSON.parse(td.decode(json)));

    const msgpackOptions = { useBigInt64: true } as const;
    const packed = msgpackEncode({ version: 1, label: "", messages }, msgpackOptions);
    run(`encode/${name}/msgpack`, packed.length, () =>
      msgpackEncode({ version: 1, label: "", messages }, msgpackOptions),
    );
    run(`decode/${name}/msgpack`, packed.length, () => msgpackDecode(packed, msgpackOptions));
  }

  // The cache-miss path: every packet's strings are new to the decoder.
  const uniquePackets = uniqueDeltas.map((ms) => encodePacket(ms).slice());
  const uniqueStatic = uniqueDeltas.map((ms) => StaticEnvelope.encode(toProto(ms)).finish());
  for (const p of uniquePackets) {
    if (p.length > DEFAULT_MTU) throw new Error(`bench: a unique delta is ${p.length} bytes`);
  }
  const mask = UNIQUE_DELTAS - 1;
  run("decode/delta-unique", uniquePackets[0]!.length, (i) => decode(uniquePackets[i & mask]!));
  run("decode/delta-unique/protobufjs-static", uniqueStatic[0]!.length, (i) =>
    StaticEnvelope.decode(uniqueStatic[i & mask]!),
  );

  // Allocation: what one decoded state delta holds, per entry. Results are kept alive (so the
  // figure is what the decoder allocated for them, not garbage) and the heap is measured after
  // forced collections; byte values off the V8 heap count through `arrayBuffers`.
  const entries = delta[0]!.type === "state-delta" ? countEntries(delta[0]!.delta) : 0;
  const deltaPacket = encodePacket(delta);
  const deltaStatic = StaticEnvelope.encode(toProto(delta)).finish();
  const alloc = (name: string, fn: () => unknown) => {
    if (!name.includes(options.filter)) return;
    const perPacket = retainedBytes(fn);
    report({
      case: name,
      bytes_per_entry: Math.round(perPacket / entries),
      bytes_per_packet: Math.round(perPacket),
      entries,
    });
  };
  alloc("alloc/decode/delta", () => decode(deltaPacket));
  alloc("alloc/decode/delta/protobufjs-static", () => StaticEnvelope.decode(deltaStatic));

  // Ratios against the references, each measured in alternating slices (see `compare`): the
  // figures to quote on a shared machine, where rates measured a minute apart are not comparable.
  const pairs: [string, string][] = [];
  for (const name of Object.keys(contents)) {
    for (const op of ["decode", "encode"]) {
      for (const reference of ["protobufjs-static", "msgpack"]) {
        pairs.push([`${op}/${name}`, `${op}/${name}/${reference}`]);
      }
    }
  }
  pairs.push(["decode/delta-unique", "decode/delta-unique/protobufjs-static"]);
  for (const [ours, theirs] of pairs) {
    const name = `ratio/${theirs}`;
    const a = cases.get(ours);
    const b = cases.get(theirs);
    if (!name.includes(options.filter) || a === undefined || b === undefined) continue;
    report({ case: name, ...compare(a, b, { rounds: options.rounds }) });
  }

  // The runtime's per-packet work: size each piggy-backed update, then pack.
  const update = compound[1]!;
  run("messageSize/alive", messageSize(update), () => messageSize(update));
  run("pack/compound", encodePacket(compound).length, () => pack(compound));
}
