/** Emits `src/gen/messages.ts`: the TypeScript types of every message, from the schema. */
import { declaration, doc, HEADER } from "./common.js";
import type { FieldModel, MessageModel, SchemaModel } from "./model.js";

/** The TypeScript type of one value of `field`. */
function valueType(field: FieldModel): string {
  switch (field.kind) {
    case "uint32":
      return "number";
    case "uint64":
      return field.bigint ? "bigint" : "number";
    case "bool":
      return "boolean";
    case "string":
      return "string";
    case "bytes":
      return "Uint8Array";
    case "enum":
    case "message":
      return field.typeName;
  }
}

/** What the wire and the codec make of `field`, as the last line of its TSDoc. */
function wireNote(field: FieldModel): string {
  const parts = [`Wire: \`${declaration(field)}\``];
  if (field.kind === "uint64") {
    parts.push(field.bigint ? "full uint64 range" : "at most 2^53-1");
  }
  if (field.required) parts.push("never empty");
  if (field.count !== undefined) parts.push(`at most \`${field.count}\` elements`);
  if (field.total !== undefined) {
    parts.push(`at most \`${field.total}\` in the whole message`);
  }
  if (field.limit !== undefined) {
    parts.push(`at most \`${field.limit}\` bytes${field.repeated ? " each" : ""}`);
  }
  if (field.kind === "enum") parts.push("never unset");
  if (field.kind === "message" && !field.repeated) parts.push("`undefined` when absent");
  return `${parts.join("; ")}.`;
}

function fieldType(field: FieldModel): string {
  const value = valueType(field);
  if (field.repeated) return `readonly ${value}[]`;
  return field.kind === "message" ? `${value} | undefined` : value;
}

function emitInterface(message: MessageModel, type: string | undefined): string {
  let out = doc([...message.doc, "", `Wire: \`message ${message.name}\`.`]);
  out += `export interface ${message.name} {\n`;
  if (type !== undefined) out += `  readonly type: ${JSON.stringify(type)};\n`;
  for (const field of message.fields) {
    out += doc([...field.doc, "", wireNote(field)], "  ");
    out += `  readonly ${field.name}: ${fieldType(field)};\n`;
  }
  return `${out}}\n`;
}

/** The module's text. */
export function emitTypes(schema: SchemaModel): string {
  const kindOf = new Map(schema.kinds.map((k) => [k.message, k]));
  let out = `${HEADER}/**
 * The protocol's messages as plain data, one interface per message of \`${schema.packageName}\`.
 * Every layer above the codec (swim, state, cluster) speaks these types; only the codec knows
 * how they look on the wire.
 *
 * Mapping from the schema: field names are camelCase; a message kind's \`type\` is its \`kind\`
 * member's name in kebab case; enums are string unions of their value names without the enum's
 * prefix, lower case (value 0 means unset and has no string).
 *
 * Integer conventions:
 * - \`@bigint\` uint64 fields (incarnations) are \`bigint\`s over the full uint64 range (SWIM §4.2:
 *   a member raises its incarnation to refute suspicion, so it must never wrap).
 * - Other uint64 fields (\`seq\`, \`generation\`, \`version\`, \`heartbeat\`) are \`number\`s: the codec
 *   rejects values above \`Number.MAX_SAFE_INTEGER\` as \`malformed\` rather than lose precision.
 */

/** Format version written into every packet envelope. Bumped only on incompatible changes. */
export const WIRE_VERSION = ${schema.wireVersion};
`;
  for (const e of schema.enums) {
    out += `\n${doc([...e.doc, "", `Wire: \`enum ${e.name}\`.`])}`;
    out += `export type ${e.name} = ${e.values.map((v) => JSON.stringify(v.literal)).join(" | ")};\n`;
  }
  for (const message of schema.messages) {
    out += `\n${emitInterface(message, kindOf.get(message.name)?.type)}`;
  }
  out += `\n${doc(["Every message the protocol sends: one member per kind of the `Message` oneof."])}`;
  out += `export type Message =\n${schema.kinds.map((k) => `  | ${k.message}`).join("\n")};\n`;
  out += `\n/** The \`type\` tag of every message. */\nexport type MessageType = Message["type"];\n`;
  out += `\n${doc(["A decoded packet: its wire version, cluster label (empty: none) and messages."])}`;
  out += `export interface Envelope {\n  readonly version: number;\n  readonly label: string;\n  readonly messages: readonly Message[];\n}\n`;
  return out;
}
