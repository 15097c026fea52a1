/**
 * A written GraphDef as the page draws it: per node its op, device, inputs, attributes as short
 * text, and output shapes (from `_output_shapes`, which TF adds with `add_shapes=True`).
 */
import {
  type AttrValue,
  DataType,
  decodeProto,
  type GraphDef,
  GraphDefSchema,
  MetaGraphDefSchema,
  type TensorProto,
  type TensorShapeProto,
} from "../io/proto/index.js";
import type { GraphNodeInfo } from "./api_types.js";

const utf8 = new TextDecoder();
/** Attribute text is cut past this many characters (a large constant's bytes are no use). */
const MAX_ATTR_TEXT = 200;

export function shapeText(s: TensorShapeProto | undefined): string {
  if (!s || s.unknownRank) return "<unknown>";
  return `[${s.dim.map((d) => (Number(d.size) < 0 ? "?" : String(d.size))).join(",")}]`;
}

const typeName = (t: DataType) => (DataType[t] ?? String(t)).replace(/^DT_/, "").toLowerCase();

function tensorText(t: TensorProto): string {
  return `${typeName(t.dtype)}${shapeText(t.tensorShape)}`;
}

function bytesText(b: Uint8Array): string {
  const s = utf8.decode(b.subarray(0, MAX_ATTR_TEXT));
  return JSON.stringify(b.length > MAX_ATTR_TEXT ? `${s}…` : s);
}

/** An AttrValue as TensorBoard shows it, e.g. `float32`, `[2,3]`, `"VALID"`, `[1, 2, 2, 1]`. */
export function attrText(a: AttrValue): string {
  const v = a.value;
  let text: string;
  switch (v.case) {
    case "s":
      text = bytesText(v.value);
      break;
    case "i":
      text = String(v.value);
      break;
    case "f":
      text = String(v.value);
      break;
    case "b":
      text = v.value ? "true" : "false";
      break;
    case "type":
      text = typeName(v.value);
      break;
    case "shape":
      text = shapeText(v.value);
      break;
    case "tensor":
      text = tensorText(v.value);
      break;
    case "func":
      text = v.value.name;
      break;
    case "placeholder":
      text = `$${v.value}`;
      break;
    case "list": {
      const l = v.value;
      const parts = [
        ...l.s.map(bytesText),
        ...l.i.map(String),
        ...l.f.map(String),
        ...l.b.map(String),
        ...l.type.map(typeName),
        ...l.shape.map(shapeText),
        ...l.tensor.map(tensorText),
        ...l.func.map((f) => f.name),
      ];
      text = `[${parts.join(", ")}]`;
      break;
    }
    default:
      text = "";
  }
  return text.length > MAX_ATTR_TEXT ? `${text.slice(0, MAX_ATTR_TEXT)}…` : text;
}

export function graphNodes(gd: GraphDef): GraphNodeInfo[] {
  return gd.node.map((n) => {
    const attrs: Record<string, string> = {};
    for (const key of Object.keys(n.attr).sort()) {
      if (key === "_output_shapes") continue;
      attrs[key] = attrText(n.attr[key]);
    }
    const shapes = n.attr._output_shapes?.value;
    return {
      name: n.name,
      op: n.op,
      device: n.device,
      inputs: [...n.input],
      attrs,
      outputShapes: shapes?.case === "list" ? shapes.value.shape.map(shapeText) : [],
    };
  });
}

/** The GraphDef of an event's graph_def (or meta_graph_def) bytes. */
export function decodeGraph(bytes: Uint8Array, meta: boolean): GraphDef {
  if (!meta) return decodeProto(GraphDefSchema, bytes, "GraphDef in an event file");
  const m = decodeProto(MetaGraphDefSchema, bytes, "MetaGraphDef in an event file");
  return m.graphDef ?? decodeProto(GraphDefSchema, new Uint8Array(), "GraphDef");
}
