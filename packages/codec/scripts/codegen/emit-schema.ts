/**
 * Emits `src/gen/schema.ts`: the one tag table (every field's number, wire type and tag, every
 * message kind's number) and the enum conversions. The generated encoders and decoders inline
 * the same numbers, computed once by the model.
 */
import { doc, HEADER, hex, lowerFirst, upperSnake } from "./common.js";
import type { MessageModel, SchemaModel } from "./model.js";

function fieldTable(message: MessageModel): string {
  const rows = message.fields.map(
    (f) =>
      `    ${f.name}: { number: ${f.number}, wireType: ${f.wireType}, tag: ${hex(f.tag)}, repeated: ${f.repeated} },`,
  );
  return `  ${message.name}: {\n${rows.join("\n")}\n  },`;
}

/** The module's text. */
export function emitSchema(schema: SchemaModel): string {
  const enumNames = schema.enums.map((e) => e.name);
  let out = `${HEADER}import type { ${[...enumNames, "MessageType"].join(", ")} } from "./messages.js";

/** A field's number, wire type (0 varint, 2 length-delimited) and tag byte(s) as a number. */
export interface FieldTag {
  readonly number: number;
  readonly wireType: 0 | 2;
  readonly tag: number;
  readonly repeated: boolean;
}

${doc([
  `Every field of every message of \`${schema.packageName}\`, by message and camelCase field name.`,
  "The kinds of `Message` are in {@link MESSAGE_KIND}.",
])}export const FIELDS = {
${[schema.envelope, ...schema.messages].map(fieldTable).join("\n")}
} as const satisfies Record<string, Record<string, FieldTag>>;

/** Field number of each message kind in the \`kind\` oneof of \`Message\`. */
export const MESSAGE_KIND = {
${schema.kinds.map((k) => `  ${JSON.stringify(k.type)}: ${k.number},`).join("\n")}
} as const satisfies Record<MessageType, number>;
`;
  for (const e of schema.enums) {
    const constant = upperSnake(e.name);
    const fn = lowerFirst(e.name);
    out += `
/** Wire value of each {@link ${e.name}} (\`enum ${e.name}\`); 0 is unset. */
export const ${constant}_VALUE = {
${e.values.map((v) => `  ${JSON.stringify(v.literal)}: ${v.number},`).join("\n")}
} as const satisfies Record<${e.name}, number>;

/** The wire value of \`value\`; \`undefined\` for anything that is not a {@link ${e.name}}. */
export function ${fn}Value(value: ${e.name}): number | undefined {
  switch (value) {
${e.values.map((v) => `    case ${JSON.stringify(v.literal)}:\n      return ${v.number};`).join("\n")}
    default:
      return undefined;
  }
}

/** The {@link ${e.name}} of wire value \`n\`; \`undefined\` for 0 (unset) and unknown values. */
export function ${fn}Of(n: number): ${e.name} | undefined {
  switch (n) {
${e.values.map((v) => `    case ${v.number}:\n      return ${JSON.stringify(v.literal)};`).join("\n")}
    default:
      return undefined;
  }
}
`;
  }
  return out;
}
