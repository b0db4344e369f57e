/**
 * Emits `src/gen/encode.ts`: one sizer and one writer per message, the exhaustive dispatch over
 * message kinds and the envelope's header, built from the primitives of `src/writer.ts`.
 */
import { declaration, HEADER, hex, importList, lowerFirst, used } from "./common.js";
import type { FieldModel, MessageModel, SchemaModel } from "./model.js";

const WRITER = [
  "nextSize",
  "replayFrom",
  "replayMark",
  "reserve",
  "sBigUint",
  "sBool",
  "sBytes",
  "sBytesList",
  "sEnum",
  "setSize",
  "sNested",
  "sRequired",
  "sString",
  "sStrings",
  "sUint",
  "sUint32",
  "unencodable",
  "varintSize",
  "wBigUint",
  "wBool",
  "wBytes",
  "wBytesList",
  "wEnum",
  "wLength",
  "wMeasuredString",
  "wNested",
  "wString",
  "wStrings",
  "wUint",
];

/** An expression adding the size of `field` of `m` (nested sizes are recorded in pre-order). */
function size(field: FieldModel, out: string[]): void {
  const v = `m.${field.name}`;
  const path = JSON.stringify(field.path);
  const tb = field.tagBytes;
  switch (field.kind) {
    case "uint32":
      out.push(`len += sUint32(${tb}, ${v}, ${path});`);
      return;
    case "uint64":
      out.push(
        field.bigint
          ? `len += sBigUint(${tb}, ${v}, ${path});`
          : `len += sUint(${tb}, ${v}, ${path});`,
      );
      return;
    case "bool":
      out.push(`len += sBool(${tb}, ${v});`);
      return;
    case "string":
      if (field.repeated) out.push(`len += sStrings(${tb}, ${v});`);
      else if (field.required) out.push(`len += sRequired(${tb}, ${v}, ${path});`);
      else out.push(`len += sString(${tb}, ${v});`);
      return;
    case "bytes":
      out.push(field.repeated ? `len += sBytesList(${tb}, ${v});` : `len += sBytes(${tb}, ${v});`);
      return;
    case "enum":
      out.push(`len += sEnum(${tb}, ${lowerFirst(field.typeName)}Value(${v}), ${v}, ${path});`);
      return;
    case "message":
      if (field.repeated) {
        out.push(`for (let i = 0, list = ${v}; i < list.length; i++) {`);
        out.push("  const slot = reserve();");
        out.push(`  const nested = size${field.typeName}(list[i]!);`);
        out.push("  setSize(slot, nested);");
        out.push(`  len += sNested(${tb}, nested);`);
        out.push("}");
      } else {
        out.push(`if (${v} !== undefined) {`);
        out.push("  const slot = reserve();");
        out.push(`  const nested = size${field.typeName}(${v});`);
        out.push("  setSize(slot, nested);");
        out.push(`  len += sNested(${tb}, nested);`);
        out.push("}");
      }
      return;
  }
}

/** Statements writing `field` of `m`. */
function write(field: FieldModel, out: string[]): void {
  const v = `m.${field.name}`;
  const tag = hex(field.tag);
  switch (field.kind) {
    case "uint32":
    case "uint64":
      out.push(field.bigint ? `wBigUint(${tag}, ${v});` : `wUint(${tag}, ${v});`);
      return;
    case "bool":
      out.push(`wBool(${tag}, ${v});`);
      return;
    case "string":
      out.push(field.repeated ? `wStrings(${tag}, ${v});` : `wString(${tag}, ${v});`);
      return;
    case "bytes":
      out.push(field.repeated ? `wBytesList(${tag}, ${v});` : `wBytes(${tag}, ${v});`);
      return;
    case "enum":
      out.push(`wEnum(${tag}, ${lowerFirst(field.typeName)}Value(${v})!);`);
      return;
    case "message":
      if (field.repeated) {
        out.push(`for (let i = 0, list = ${v}; i < list.length; i++) {`);
        out.push(`  wNested(${tag});`);
        out.push(`  write${field.typeName}(list[i]!);`);
        out.push("}");
      } else {
        out.push(`if (${v} !== undefined) {`);
        out.push(`  wNested(${tag});`);
        out.push(`  write${field.typeName}(${v});`);
        out.push("}");
      }
      return;
  }
}

function emitMessage(message: MessageModel): string {
  const sizes: string[] = [];
  const writes: string[] = [];
  for (const f of message.fields) {
    sizes.push(`// ${declaration(f)}`);
    size(f, sizes);
    writes.push(`// ${declaration(f)}`);
    write(f, writes);
  }
  const m = message.fields.length > 0 ? "m" : "_m";
  return `
/** Bytes of a \`${message.name}\`'s fields; records nested sizes. */
function size${message.name}(${m}: ${message.name}): number {
  let len = 0;
${sizes.map((s) => `  ${s}`).join("\n")}
  return len;
}

/** Writes a \`${message.name}\`'s fields, replaying the recorded sizes. */
function write${message.name}(${m}: ${message.name}): void {
${writes.map((s) => `  ${s}`).join("\n")}
}
`;
}

/** The module's text. */
export function emitEncode(schema: SchemaModel): string {
  const types = schema.messages.map((m) => m.name);
  const enumFns = schema.enums.map((e) => `${lowerFirst(e.name)}Value`);
  const [version, label, messages] = schema.envelope.fields as [FieldModel, FieldModel, FieldModel];
  let out = "";
  for (const m of schema.messages) out += emitMessage(m);

  out += `
function unknownType(message: never): never {
  return unencodable(\`message type \${JSON.stringify((message as { type: unknown }).type)}\`, "Message.kind");
}

/** Bytes \`body\` takes wrapped in a \`Message\` (kind tag of \`kindTagBytes\`) and a \`messages\` field. */
function wrapped(slot: number, kindTagBytes: number, body: number): number {
  setSize(slot, body);
  const inner = kindTagBytes + varintSize(body) + body;
  return ${messages.tagBytes} + varintSize(inner) + inner;
}

/**
 * Sizes \`message\` (recording its nested sizes from the current mark) and returns the exact number
 * of bytes it adds to an envelope: the \`messages\` tag, the length prefix and the \`Message\`
 * wrapper (kind tag, body length prefix, body). Throws \`CodecError\` (\`malformed\`) for values
 * that cannot be encoded.
 */
export function sizeMessage(message: Message): number {
  const slot = reserve();
  switch (message.type) {
${schema.kinds.map((k) => `    case ${JSON.stringify(k.type)}:\n      return wrapped(slot, ${k.tagBytes}, size${k.message}(message));`).join("\n")}
    default:
      return unknownType(message);
  }
}

/**
 * Writes \`message\` as one \`messages\` field, replaying the sizes recorded at \`mark\`. Returns the
 * mark just past this message's sizes, which is the next message's mark when they were sized in
 * order.
 */
export function writeMessage(message: Message, mark: number): number {
  replayFrom(mark);
  const body = nextSize();
  switch (message.type) {
${schema.kinds
  .map(
    (k) => `    case ${JSON.stringify(k.type)}: // ${k.message} ${k.protoMember} = ${k.number}
      wLength(${hex(messages.tag)}, ${k.tagBytes} + varintSize(body) + body);
      wLength(${hex(k.tag)}, body);
      write${k.message}(message);
      break;`,
  )
  .join("\n")}
    default:
      unknownType(message);
  }
  return replayMark();
}

/** Bytes of the envelope fields other than \`messages\`: the version and the label if any. */
export function envelopeHeaderSize(label: string): number {
  const version = ${version.tagBytes} + varintSize(WIRE_VERSION);
  if (label.length === 0) return version;
  const len = utf8Length(label);
  return version + ${label.tagBytes} + varintSize(len) + len;
}

/** Writes the envelope's version and label fields. */
export function writeEnvelopeHeader(label: string): void {
  wUint(${hex(version.tag)}, WIRE_VERSION); // ${declaration(version)}
  if (label.length === 0) return;
  wMeasuredString(${hex(label.tag)}, label, utf8Length(label)); // ${declaration(label)}
}
`;
  const writer = used(out, WRITER);
  return `${HEADER}import { utf8Length } from "../utf8.js";
${importList(writer, "../writer.js")}${importList(used(out, [...types, "Message"]), "./messages.js", true)}import { WIRE_VERSION } from "./messages.js";
${importList(used(out, enumFns), "./schema.js")}${out}`;
}
