/**
 * One node ↔ TensorFlow's NodeDef and AttrValue protos: attr values converted both ways by their
 * OpDef types, and the NodeDef of an op as TensorFlow writes it. Shared by GraphDef import/export
 * and the function library (whose bodies are NodeDefs too).
 */
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue, FuncAttr } from "../framework/op_def.js";
import { TensorShape } from "../framework/tensor_shape.js";
import {
  AttrValue_ListValueSchema,
  type AttrValue as AttrValueProto,
  AttrValueSchema,
  type NameAttrList,
  NameAttrListSchema,
  type NodeDef,
  NodeDefSchema,
  type TensorProto,
} from "./proto/index.js";
import {
  dataTypeEnum,
  dataTypeName,
  ndarrayToTensorProto,
  shapeFromProto,
  shapeToProto,
  tensorProtoToNDArray,
} from "./tensor_proto.js";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Attrs an imported node carried that its OpDef does not declare ("_class", "_output_shapes"...): kept for export. */
export const extraAttrs = new WeakMap<Operation, Record<string, AttrValueProto>>();
/** The TensorProto each imported tensor attr came from, so export writes it back unchanged. */
const tensorOrigin = new WeakMap<NDArray, TensorProto>();

// ---------------------------------------------------------------------------------------------
// Attr values

/** An AttrValue message as tensorgraph's AttrValue, given the attr's OpDef type ("int", "list(type)"...). */
export function attrValueFromProto(v: AttrValueProto, type: string): AttrValue {
  const where = v.value.case;
  const bad = (): never => {
    throw new InvalidArgumentError(
      `attr value is ${where === undefined ? "not set" : `a '${where}'`} where the op expects '${type}'`,
    );
  };
  if (type.startsWith("list(")) {
    const elem = type.slice(5, -1);
    if (where === undefined) return [];
    if (where !== "list") return bad();
    const l = v.value.value;
    switch (elem) {
      case "string":
        return l.s.map((s) => utf8Decoder.decode(s));
      case "int":
        return l.i.map((i) => Number(i));
      case "float":
        return [...l.f];
      case "bool":
        return [...l.b];
      case "type":
        return l.type.map((t) => dataTypeName(t));
      case "shape":
        return l.shape.map((s) => shapeFromProto(s));
      case "tensor":
        return l.tensor.map(tensorFromProto);
      case "func":
        return l.func.map(funcFromProto);
    }
    return bad();
  }
  switch (type) {
    case "string":
      return where === "s" ? utf8Decoder.decode(v.value.value) : bad();
    case "int":
      return where === "i" ? Number(v.value.value) : bad();
    case "float":
      return where === "f" ? v.value.value : bad();
    case "bool":
      return where === "b" ? v.value.value : bad();
    case "type":
      return where === "type" ? dataTypeName(v.value.value) : bad();
    case "shape":
      return where === "shape" ? shapeFromProto(v.value.value) : bad();
    case "tensor":
      return where === "tensor" ? tensorFromProto(v.value.value) : bad();
    case "func":
      return where === "func" ? funcFromProto(v.value.value) : bad();
  }
  return bad();
}

function tensorFromProto(p: TensorProto): NDArray {
  const a = tensorProtoToNDArray(p);
  tensorOrigin.set(a, p);
  return a;
}

function funcFromProto(f: NameAttrList): FuncAttr {
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(f.attr)) attrs[k] = untypedAttrFromProto(v);
  return { func: f.name, attrs };
}

/** A function's attr (no OpDef to say its type): by the field that is set. */
function untypedAttrFromProto(v: AttrValueProto): AttrValue {
  const c = v.value.case;
  if (c === "list") {
    const l = v.value.value;
    for (const [field, t] of [
      ["s", "string"],
      ["i", "int"],
      ["f", "float"],
      ["b", "bool"],
      ["type", "type"],
      ["shape", "shape"],
      ["tensor", "tensor"],
      ["func", "func"],
    ] as const) {
      if (l[field].length > 0) return attrValueFromProto(v, `list(${t})`);
    }
    return [];
  }
  if (c === undefined || c === "placeholder")
    throw new InvalidArgumentError("function attr without a value");
  const t = { s: "string", i: "int", f: "float", b: "bool" }[c as "s"] ?? c;
  return attrValueFromProto(v, t);
}

/** tensorgraph's AttrValue as an AttrValue message, given the attr's OpDef type. */
export function attrValueToProto(value: AttrValue, type: string): AttrValueProto {
  if (type.startsWith("list(")) {
    const elem = type.slice(5, -1);
    const items = value as readonly AttrValue[];
    const l = create(AttrValue_ListValueSchema);
    switch (elem) {
      case "string":
        l.s = items.map((s) => utf8.encode(s as string));
        break;
      case "int":
        l.i = items.map((i) => BigInt(i as number));
        break;
      case "float":
        l.f = items.map((f) => f as number);
        break;
      case "bool":
        l.b = items.map((b) => b as boolean);
        break;
      case "type":
        l.type = items.map((t) => typeEnum(t as string));
        break;
      case "shape":
        l.shape = items.map((s) => shapeToProto(s as TensorShape));
        break;
      case "tensor":
        l.tensor = items.map((t) => tensorToProto(t as NDArray));
        break;
      case "func":
        l.func = items.map((f) => funcToProto(f as FuncAttr));
        break;
      default:
        throw new InvalidArgumentError(`Unknown attr type '${type}'`);
    }
    return create(AttrValueSchema, { value: { case: "list", value: l } });
  }
  const v = (case_: AttrValueProto["value"]["case"], x: unknown): AttrValueProto["value"] =>
    ({ case: case_, value: x }) as AttrValueProto["value"];
  switch (type) {
    case "string":
      return create(AttrValueSchema, { value: v("s", utf8.encode(value as string)) });
    case "int":
      return create(AttrValueSchema, { value: v("i", BigInt(value as number)) });
    case "float":
      return create(AttrValueSchema, { value: v("f", value) });
    case "bool":
      return create(AttrValueSchema, { value: v("b", value) });
    case "type":
      return create(AttrValueSchema, { value: v("type", typeEnum(value as string)) });
    case "shape":
      return create(AttrValueSchema, { value: v("shape", shapeToProto(value as TensorShape)) });
    case "tensor":
      return create(AttrValueSchema, { value: v("tensor", tensorToProto(value as NDArray)) });
    case "func":
      return create(AttrValueSchema, { value: v("func", funcToProto(value as FuncAttr)) });
  }
  throw new InvalidArgumentError(`Unknown attr type '${type}'`);
}

function typeEnum(name: string): number {
  const e = dataTypeEnum(name);
  if (e === undefined) throw new InvalidArgumentError(`Unknown dtype '${name}'`);
  return e;
}

function tensorToProto(a: NDArray): TensorProto {
  return tensorOrigin.get(a) ?? ndarrayToTensorProto(a);
}

function funcToProto(f: FuncAttr): NameAttrList {
  const attr: Record<string, AttrValueProto> = {};
  for (const [k, v] of Object.entries(f.attrs ?? {})) attr[k] = attrValueToProto(v, guessType(v));
  return create(NameAttrListSchema, { name: f.func, attr });
}

/** The attr type of a value without an OpDef (a function's attrs). */
function guessType(v: AttrValue): string {
  if (Array.isArray(v)) return v.length === 0 ? "list(int)" : `list(${guessType(v[0])})`;
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return dataTypeEnum(v) !== undefined ? "type" : "string";
  if (v instanceof TensorShape) return "shape";
  if (v instanceof NDArray) return "tensor";
  return "func";
}

// ---------------------------------------------------------------------------------------------
// Export

/** Input names as TensorFlow writes them: "op" for output 0, "op:1", "^op" for control inputs. */
export function inputName(t: Tensor): string {
  return t.index === 0 ? t.op.name : `${t.op.name}:${t.index}`;
}

/** One op as a NodeDef. */
export function nodeDefOf(op: Operation): NodeDef {
  const kept = extraAttrs.get(op) ?? {};
  const all: Record<string, AttrValueProto> = { ...kept };
  for (const [k, v] of Object.entries(op.attrs)) {
    if (kept[k]) continue;
    const a = op.def.attrMap.get(k);
    all[k] = attrValueToProto(v, a?.type ?? guessType(v));
  }
  // Sorted by name, so that a graph always serializes to the same bytes.
  const attr: Record<string, AttrValueProto> = {};
  for (const k of Object.keys(all).sort()) attr[k] = all[k];
  return create(NodeDefSchema, {
    name: op.name,
    op: op.type,
    input: [...op.inputs.map(inputName), ...op.controlInputs.map((c) => `^${c.name}`)],
    device: op.device,
    attr,
  });
}
