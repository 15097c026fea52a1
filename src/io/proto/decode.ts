/**
 * Binary protobuf decoding and encoding with TensorFlow's error semantics: a file that does not
 * parse is a DataLossError naming what was being read, never a raw library error.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { DataLossError, InvalidArgumentError } from "../../framework/errors.js";

const MAX_PROTO_BYTES = 2 ** 31 - 1;

/**
 * Parses `bytes` as a `schema` message. Unknown fields are kept (and written back by
 * `encodeProto`). `what` names the data in the error, e.g. "GraphDef in model.pb".
 * Throws DataLossError when the bytes are not a valid encoding of the message,
 * InvalidArgumentError when they are nested deeper than 100 messages or pass 2 GB.
 */
export function decodeProto<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  what: string = schema.typeName,
): MessageShape<Desc> {
  // Protocol buffers are limited to 2 GB (TF refuses larger GraphDefs too); lengths past it
  // do not fit the format's int32 sizes.
  if (bytes.length > MAX_PROTO_BYTES) {
    throw new InvalidArgumentError(
      `Could not parse ${what}: ${bytes.length} bytes is more than protocol buffers' limit of ${MAX_PROTO_BYTES}`,
    );
  }
  try {
    return fromBinary(schema, bytes, { readUnknownFields: true });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    // Nesting past the parser's depth limit (100, as TF's C++ parser) is refused, not corrupt.
    if (/maximum recursion depth/.test(reason)) {
      throw new InvalidArgumentError(
        `Could not parse ${what}: messages are nested too deeply (${bytes.length} bytes): ${reason}`,
      );
    }
    throw new DataLossError(
      `Could not parse ${what}: not a valid ${schema.typeName} (${bytes.length} bytes): ${reason}`,
    );
  }
}

/** Serializes a message to the binary wire format, unknown fields included. */
export function encodeProto<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): Uint8Array {
  return toBinary(schema, message, { writeUnknownFields: true });
}
