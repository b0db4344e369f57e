/**
 * Emits `src/gen/decode.ts`: one decoder per message, the exhaustive dispatch over message kinds
 * and the envelope's two passes, built from the primitives of `src/reader.ts`.
 */
import {
  declaration,
  HEADER,
  hex,
  importList,
  local,
  lowerFirst,
  totalCounter,
  used,
} from "./common.js";
import type { FieldModel, MessageModel, SchemaModel } from "./model.js";

const READER = [
  "fail",
  "framingChecked",
  "lim",
  "missing",
  "NO_BYTES",
  "pos",
  "readBool",
  "readBytes",
  "readLength",
  "readString",
  "readStringAt",
  "readTag",
  "readUint32",
  "readUint64",
  "readVarint",
  "seek",
  "skip",
  "skipField",
  "tooMany",
];

/**
 * The field numbers as a bit mask (bit n for field n), as `skipField` takes them: a literal at
 * each call site costs the bundle less than an array apiece.
 */
function fieldMask(numbers: readonly number[]): string {
  let mask = 0;
  for (const n of numbers) {
    if (!(Number.isInteger(n) && n >= 1 && n <= 30)) {
      throw new Error(`field number ${n}: skipField's mask holds fields 1-30`);
    }
    mask |= 1 << n;
  }
  return `0x${mask.toString(16)}`;
}
const knownFieldsMask = (message: MessageModel) => fieldMask(message.fields.map((f) => f.number));

function initial(field: FieldModel): string {
  const type =
    field.kind === "message" ? field.typeName : field.kind === "bytes" ? "Uint8Array" : "string";
  if (field.repeated) return `const ${local(field)}: ${type}[] = []`;
  switch (field.kind) {
    case "uint32":
      return `let ${local(field)} = 0`;
    case "uint64":
      return field.bigint ? `let ${local(field)} = 0n` : `let ${local(field)} = 0`;
    case "bool":
      return `let ${local(field)} = false`;
    case "string":
      return `let ${local(field)} = ""`;
    case "bytes":
      return `let ${local(field)} = NO_BYTES`;
    case "enum":
      return `let ${local(field)} = 0`;
    case "message":
      return `let ${local(field)}: ${field.typeName} | undefined`;
  }
}

/** Statements reading one occurrence of `field` (its tag already read). */
function read(field: FieldModel): string[] {
  const v = local(field);
  const path = JSON.stringify(field.path);
  const out: string[] = [];
  if (field.count !== undefined) {
    out.push(`if (${v}.length >= lim.${field.count}) tooMany(${path}, "${field.count}");`);
  }
  if (field.total !== undefined) {
    const counter = totalCounter(field.total);
    out.push(`if (++${counter} > lim.${field.total}) tooMany(${path}, "${field.total}");`);
  }
  let value: string;
  switch (field.kind) {
    case "uint32":
      value = `readUint32(end, ${path})`;
      break;
    case "uint64":
      value = field.bigint ? "readUint64(end)" : "readVarint(end)";
      break;
    case "bool":
      value = "readBool(end)";
      break;
    case "enum":
      value = "readVarint(end)";
      break;
    case "string":
      value = `readString(end, ${path}, "${field.limit}")`;
      break;
    case "bytes":
      value = `readBytes(end, ${path}, "${field.limit}")`;
      break;
    case "message":
      out.push("const len = readLength(end);");
      value = `decode${field.typeName}(pos + len)`;
      break;
  }
  out.push(field.repeated ? `${v}.push(${value});` : `${v} = ${value};`);
  return out;
}

/** The value of `field` in the returned object, after its checks. */
function finish(field: FieldModel): { checks: string[]; value: string } {
  const v = local(field);
  const path = JSON.stringify(field.path);
  if (field.required) return { checks: [`if (${v}.length === 0) missing(${path});`], value: v };
  if (field.kind === "enum") {
    const literal = `${v}${field.typeName}`;
    return {
      checks: [
        `const ${literal} = ${lowerFirst(field.typeName)}Of(${v});`,
        `if (${literal} === undefined) fail("malformed", \`${field.path} \${${v}}\`, ${path});`,
      ],
      value: literal,
    };
  }
  return { checks: [], value: v };
}

function emitMessage(message: MessageModel, type: string | undefined): string {
  const fields = message.fields;
  let out = `\n/** Decodes a \`${message.name}\` from \`[pos, end)\`. */\n`;
  out += `function decode${message.name}(end: number): ${message.name} {\n`;
  for (const f of fields) out += `  ${initial(f)};\n`;
  out += "  while (pos < end) {\n    const tag = readTag(end);\n    switch (tag) {\n";
  for (const f of fields) {
    const body = read(f);
    const block = body.some((s) => s.startsWith("const "));
    out += `      case ${hex(f.tag)}: ${block ? "{ " : ""}// ${declaration(f)}\n`;
    for (const s of body) out += `        ${s}\n`;
    out += `        break;${block ? "\n      }" : ""}\n`;
  }
  out += `      default:\n        skipField(tag, end, ${knownFieldsMask(message)});\n    }\n  }\n`;
  const props: string[] = type === undefined ? [] : [`type: ${JSON.stringify(type)}`];
  for (const f of fields) {
    const { checks, value } = finish(f);
    for (const c of checks) out += `  ${c}\n`;
    props.push(value === f.name ? f.name : `${f.name}: ${value}`);
  }
  out += `  return { ${props.join(", ")} };\n}\n`;
  return out;
}

/** The module's text. */
export function emitDecode(schema: SchemaModel): string {
  const totals = [
    ...new Set(schema.messages.flatMap((m) => m.fields.flatMap((f) => (f.total ? [f.total] : [])))),
  ];
  const types = schema.messages.map((m) => m.name);
  const enumFns = schema.enums.map((e) => `${lowerFirst(e.name)}Of`);
  const kindOf = new Map(schema.kinds.map((k) => [k.message, k.type]));
  const [version, label, messages] = schema.envelope.fields as [FieldModel, FieldModel, FieldModel];
  let out = `// Counters of the \`@total\` limits, reset for each protocol message.
${totals.map((t) => `let ${totalCounter(t)} = 0;`).join("\n")}
`;
  for (const m of schema.messages) out += emitMessage(m, kindOf.get(m.name));

  out += `
/**
 * Decodes one \`Message\` wrapper from \`[pos, end)\`. Returns \`undefined\` for a kind this version
 * does not know (sent by a newer node): it is skipped. A wrapper with no field at all cannot come
 * from any encoder and is malformed. A repeated kind: the last one wins, as in every protobuf
 * decoder.
 */
export function decodeMessage(end: number): Message | undefined {
  let message: Message | undefined;
  let fields = 0;
  while (pos < end) {
    const tag = readTag(end);
    fields++;
    switch (tag) {
`;
  for (const k of schema.kinds) {
    out += `      case ${hex(k.tag)}: { // ${k.message} ${k.protoMember} = ${k.number}
        const len = readLength(end);
${totals.map((t) => `        ${totalCounter(t)} = 0;\n`).join("")}        message = decode${k.message}(pos + len);
        break;
      }
`;
  }
  out += `      default:
        // An unknown kind, or an unknown field of Message: skipped.
        skipField(tag, end, ${fieldMask(schema.kinds.map((k) => k.number))});
    }
  }
  if (fields === 0) fail("malformed", "Message has no kind", "Message.kind");
  return message;
}

/** A decoded packet and the number of messages of unknown kinds it skipped. */
export interface DecodedEnvelope {
  readonly ok: true;
  readonly envelope: Envelope;
  readonly skipped: number;
}

/**
 * Decodes an \`Envelope\` occupying \`[pos, end)\`, in two passes. Pass 1 reads the envelope's own
 * fields, checking framing, version, label and message count before any message is decoded;
 * pass 2 decodes the messages, counting and skipping those of unknown kinds.
 */
export function decodeEnvelope(end: number): DecodedEnvelope {
  const start = pos;
  let version = 0;
  let labelStart = 0;
  let labelEnd = 0;
  let count = 0;
  while (pos < end) {
    const tag = readTag(end);
    switch (tag) {
      case ${hex(version.tag)}: // ${declaration(version)}
        version = readVarint(end);
        if (version !== WIRE_VERSION) {
          fail("unknown-version", \`wire version \${version}\`, ${JSON.stringify(version.path)});
        }
        break;
      case ${hex(label.tag)}: { // ${declaration(label)}
        const len = readLength(end);
        labelStart = pos;
        skip(len);
        labelEnd = pos;
        break;
      }
      case ${hex(messages.tag)}: { // ${declaration(messages)}
        const len = readLength(end);
        skip(len);
        count++;
        break;
      }
      default:
        skipField(tag, end, ${knownFieldsMask(schema.envelope)});
    }
  }
  if (version !== WIRE_VERSION) {
    fail("unknown-version", "wire version absent", ${JSON.stringify(version.path)});
  }
  const label = readStringAt(labelStart, labelEnd, ${JSON.stringify(label.path)}, "${label.limit}");
  if (lim.label !== undefined && label !== lim.label) {
    fail(
      "label-mismatch",
      \`label \${JSON.stringify(label)}, expected \${JSON.stringify(lim.label)}\`,
      ${JSON.stringify(label.path)},
    );
  }
  if (count > lim.${messages.count}) tooMany(${JSON.stringify(messages.path)}, "${messages.count}");

  // Pass 2: framing is known good, so any overrun from here on is inside a message.
  framingChecked();
  seek(start);
  const messages: Message[] = [];
  let skipped = 0;
  while (pos < end) {
    const tag = readTag(end);
    if (tag === ${hex(messages.tag)}) {
      const len = readLength(end);
      const message = decodeMessage(pos + len);
      if (message === undefined) skipped++;
      else messages.push(message);
    } else {
      // Version, label and unknown fields, all checked in pass 1.
      skipField(tag, end, 0);
    }
  }
  return { ok: true, envelope: { version, label, messages }, skipped };
}
`;
  return `${HEADER}${importList(used(out, READER), "../reader.js")}${importList(used(out, [...types, "Envelope", "Message"]), "./messages.js", true)}import { WIRE_VERSION } from "./messages.js";
${importList(used(out, enumFns), "./schema.js")}
${out}`;
}
