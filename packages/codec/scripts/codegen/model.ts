/**
 * Reads `grapevine.proto` with protobufjs' parser and turns it into the model the emitters work
 * from: every message, field, tag and enum, with the `@` annotations of its comments. Anything
 * the generated code would not handle faithfully is refused here, with the field named.
 */
import protobuf from "protobufjs";

/** Wire types used by this schema: varint and length-delimited. */
export type WireType = 0 | 2;

/** The proto scalar and composite types the generator supports. */
export type FieldKind = "uint32" | "uint64" | "bool" | "string" | "bytes" | "enum" | "message";

export interface FieldModel {
  /** camelCase name, as in TypeScript. */
  readonly name: string;
  /** snake_case name, as in the `.proto`. */
  readonly protoName: string;
  /** `Message.field`, as named in errors. */
  readonly path: string;
  readonly number: number;
  readonly kind: FieldKind;
  /** The message or enum type name, for those kinds; the scalar's name otherwise. */
  readonly typeName: string;
  readonly repeated: boolean;
  readonly wireType: WireType;
  /** `(number << 3) | wireType`. */
  readonly tag: number;
  /** Bytes the tag takes as a varint. */
  readonly tagBytes: number;
  readonly doc: readonly string[];
  readonly required: boolean;
  readonly bigint: boolean;
  /** Byte limit of a string or bytes value (each element of a repeated one). */
  readonly limit: string | undefined;
  /** Element limit of a repeated field, per occurrence. */
  readonly count: string | undefined;
  /** Element limit summed over the whole protocol message. */
  readonly total: string | undefined;
}

export interface MessageModel {
  readonly name: string;
  readonly doc: readonly string[];
  readonly fields: readonly FieldModel[];
}

export interface EnumValueModel {
  /** The TypeScript string: `MEMBER_STATUS_ALIVE` of `MemberStatus` is `"alive"`. */
  readonly literal: string;
  readonly protoName: string;
  readonly number: number;
}

export interface EnumModel {
  readonly name: string;
  readonly doc: readonly string[];
  /** Every value but 0, which means unset. */
  readonly values: readonly EnumValueModel[];
}

export interface KindModel {
  /** The TypeScript `type` string: the oneof member's name in kebab case. */
  readonly type: string;
  /** The oneof member's camelCase name. */
  readonly member: string;
  /** The oneof member's snake_case name, as in the `.proto`. */
  readonly protoMember: string;
  readonly number: number;
  readonly tag: number;
  readonly tagBytes: number;
  /** The message type it carries. */
  readonly message: string;
}

export interface SchemaModel {
  readonly packageName: string;
  readonly wireVersion: number;
  readonly envelope: MessageModel;
  readonly messageDoc: readonly string[];
  readonly kinds: readonly KindModel[];
  /** Every message but `Envelope` and `Message`, in `.proto` order. */
  readonly messages: readonly MessageModel[];
  readonly enums: readonly EnumModel[];
}

/** A schema the generator cannot turn into faithful code. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(`grapevine.proto: ${message}`);
    this.name = "SchemaError";
  }
}

const SUPPORTED = new Set(["uint32", "uint64", "bool", "string", "bytes"]);
const ANNOTATIONS = new Set(["limit", "count", "total", "required", "bigint", "wire-version"]);
const WITH_ARGUMENT = new Set(["limit", "count", "total", "wire-version"]);

/** Bytes of a varint holding `n` (below 2^35). */
export const varintBytes = (n: number): number =>
  n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const kebab = (camel: string) => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface Comment {
  readonly doc: string[];
  readonly tags: Map<string, string>;
}

/**
 * Splits comment text into documentation lines and `@` annotations. protobufjs keeps one comment
 * per object (leading, else trailing); the caller passes both readings.
 */
function readComment(where: string, ...texts: (string | null | undefined)[]): Comment {
  const doc: string[] = [];
  const tags = new Map<string, string>();
  const seen = new Set<string>();
  for (const text of texts) {
    if (text == null || seen.has(text)) continue;
    seen.add(text);
    for (const line of text.split("\n")) {
      const words = line.split(/(?=@[a-z-]+)/);
      const prose = words[0]!.startsWith("@") ? "" : words.shift()!.trim();
      if (prose !== "") doc.push(prose);
      for (const word of words) {
        const [name, argument, ...rest] = word.slice(1).trim().split(/\s+/);
        if (!ANNOTATIONS.has(name!)) throw new SchemaError(`${where}: unknown annotation @${name}`);
        if (WITH_ARGUMENT.has(name!) !== (argument !== undefined) || rest.length > 0) {
          throw new SchemaError(`${where}: malformed annotation ${JSON.stringify(word.trim())}`);
        }
        tags.set(name!, argument ?? "");
      }
    }
  }
  return { doc, tags };
}

/** Reads the schema. `source` is the text of `grapevine.proto`. */
export function readSchema(source: string): SchemaModel {
  const parse = (preferTrailingComment: boolean) =>
    protobuf.parse(source, { alternateCommentMode: true, preferTrailingComment });
  const parsed = parse(false);
  const root = parsed.root;
  // The same schema read preferring trailing comments, for annotations after a field.
  const trailing = parse(true).root;
  root.resolveAll();
  const packageName = parsed.package;
  if (packageName === undefined) throw new SchemaError("needs a package");
  const ns = root.lookup(packageName) as protobuf.Namespace;
  const other = trailing.lookup(packageName) as protobuf.Namespace;

  const enums: EnumModel[] = [];
  const types: protobuf.Type[] = [];
  for (const item of ns.nestedArray) {
    if (item instanceof protobuf.Enum) enums.push(readEnum(item, other.get(item.name)));
    else if (item instanceof protobuf.Type) types.push(item);
    else throw new SchemaError(`${item.name}: only messages and enums are supported`);
  }
  const find = (name: string) => {
    const type = types.find((t) => t.name === name);
    if (type === undefined) throw new SchemaError(`message ${name} is missing`);
    return type;
  };
  const otherType = (name: string) => other.get(name) as protobuf.Type;

  const envelopeType = find("Envelope");
  const envelopeComment = readComment(
    "Envelope",
    envelopeType.comment,
    otherType("Envelope").comment,
  );
  const wireVersion = Number(envelopeComment.tags.get("wire-version"));
  if (!Number.isInteger(wireVersion) || wireVersion < 1) {
    throw new SchemaError("Envelope needs `@wire-version N` (N ≥ 1)");
  }
  const envelope = readMessage(envelopeType, otherType("Envelope"), enums);
  const expected = ["version:uint32:1", "label:string:2", "messages:Message:3"];
  const actual = envelope.fields.map((f) => `${f.name}:${f.typeName}:${f.number}`);
  if (actual.join() !== expected.join() || !envelope.fields[2]!.repeated) {
    throw new SchemaError(`Envelope must be { ${expected.join(", ")} (repeated) }`);
  }

  const messageType = find("Message");
  const oneofs = messageType.oneofsArray;
  if (oneofs.length !== 1 || oneofs[0]!.name !== "kind") {
    throw new SchemaError("Message must hold one oneof, `kind`");
  }
  if (messageType.fieldsArray.some((f) => f.partOf !== oneofs[0])) {
    throw new SchemaError("every field of Message must be a member of `kind`");
  }
  const kinds: KindModel[] = messageType.fieldsArray.map((f) => {
    if (!(f.resolvedType instanceof protobuf.Type) || f.repeated) {
      throw new SchemaError(`Message.${f.name}: a kind must be a message type`);
    }
    const tag = (f.id << 3) | 2;
    return {
      type: kebab(f.name),
      member: f.name,
      protoMember: snake(f.name),
      number: f.id,
      tag,
      tagBytes: varintBytes(tag),
      message: f.resolvedType.name,
    };
  });
  kinds.sort((a, b) => a.number - b.number);

  const messages = types
    .filter((t) => t !== envelopeType && t !== messageType)
    .map((t) => readMessage(t, otherType(t.name), enums));
  const kindMessages = new Set(kinds.map((k) => k.message));
  for (const m of messages) {
    for (const f of m.fields) {
      if (f.kind === "message" && (kindMessages.has(f.typeName) || f.typeName === "Message")) {
        throw new SchemaError(`${f.path}: a message kind cannot also be a field's type`);
      }
    }
  }
  return {
    packageName,
    wireVersion,
    envelope,
    messageDoc: readComment("Message", messageType.comment, otherType("Message").comment).doc,
    kinds,
    messages,
    enums,
  };
}

function readEnum(e: protobuf.Enum, other: protobuf.ReflectionObject | null): EnumModel {
  const prefix = `${snake(e.name).replace(/^_/, "").toUpperCase()}_`;
  const entries = Object.entries(e.values);
  if (!entries.some(([, n]) => n === 0))
    throw new SchemaError(`${e.name}: needs a value 0 (unset)`);
  const values = entries
    .filter(([, n]) => n !== 0)
    .map(([protoName, number]) => {
      if (!protoName.startsWith(prefix)) {
        throw new SchemaError(`${e.name}.${protoName}: values must start with ${prefix}`);
      }
      const literal = protoName.slice(prefix.length).toLowerCase().replace(/_/g, "-");
      return { literal, protoName, number };
    });
  return { name: e.name, doc: readComment(e.name, e.comment, other?.comment).doc, values };
}

function readMessage(
  type: protobuf.Type,
  other: protobuf.Type,
  enums: readonly EnumModel[],
): MessageModel {
  if (type.name !== "Message" && type.oneofsArray.length > 0) {
    throw new SchemaError(`${type.name}: oneof (and proto3 optional) is supported only in Message`);
  }
  const fields = [...type.fieldsArray]
    .sort((a, b) => a.id - b.id)
    .map((f) => readField(type.name, f, other.fields[f.name], enums));
  return {
    name: type.name,
    doc: readComment(type.name, type.comment, other.comment).doc,
    fields,
  };
}

function readField(
  message: string,
  field: protobuf.Field,
  other: protobuf.Field | undefined,
  enums: readonly EnumModel[],
): FieldModel {
  const path = `${message}.${field.name}`;
  const { doc, tags } = readComment(path, field.comment, other?.comment);
  if (field.map) throw new SchemaError(`${path}: maps are not supported`);
  let kind: FieldKind;
  if (SUPPORTED.has(field.type)) kind = field.type as FieldKind;
  else if (field.resolvedType instanceof protobuf.Enum) kind = "enum";
  else if (field.resolvedType instanceof protobuf.Type) kind = "message";
  else {
    throw new SchemaError(
      `${path}: type ${field.type} is not supported (uint32, uint64, bool, string, bytes, enums, messages)`,
    );
  }
  if (kind === "enum" && !enums.some((e) => e.name === field.type)) {
    throw new SchemaError(`${path}: enum ${field.type} must be declared in the package`);
  }
  const repeated = field.repeated;
  if (repeated && kind !== "string" && kind !== "bytes" && kind !== "message") {
    throw new SchemaError(`${path}: repeated ${kind} (packed) is not supported`);
  }
  const limit = tags.get("limit");
  const count = tags.get("count");
  const total = tags.get("total");
  const bigint = tags.has("bigint");
  const required = tags.has("required");
  const sized = kind === "string" || kind === "bytes";
  const isEnvelope = message === "Envelope";
  if (sized && limit === undefined) throw new SchemaError(`${path}: needs @limit (a byte limit)`);
  if (!sized && limit !== undefined)
    throw new SchemaError(`${path}: @limit is for strings and bytes`);
  if (repeated && (count === undefined) === (total === undefined) && !isEnvelope) {
    throw new SchemaError(`${path}: a repeated field needs @count or @total (one of them)`);
  }
  if (!repeated && (count !== undefined || total !== undefined)) {
    throw new SchemaError(`${path}: @count and @total are for repeated fields`);
  }
  if (bigint && kind !== "uint64") throw new SchemaError(`${path}: @bigint is for uint64`);
  if (required && (kind !== "string" || repeated)) {
    throw new SchemaError(`${path}: @required is for singular strings`);
  }
  if (field.id > 0x1fffffff || field.id < 1) throw new SchemaError(`${path}: bad field number`);
  const wireType: WireType = sized || kind === "message" ? 2 : 0;
  const tag = field.id * 8 + wireType;
  return {
    name: field.name,
    protoName: snake(field.name),
    path,
    number: field.id,
    kind,
    typeName: kind === "enum" || kind === "message" ? field.type : kind,
    repeated,
    wireType,
    tag,
    tagBytes: varintBytes(tag),
    doc,
    required,
    bigint,
    limit,
    count,
    total,
  };
}
