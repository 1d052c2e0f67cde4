/**
 * The PLC's addressing settings (series, encoding, frame, ZR and X/Y numbering) read one way, whether
 * they come from a deployed config node or from the editor's validate-as-you-type request, so the
 * editor, the tag tables and the pool agree on what an address means.
 */
import { type Series } from "../../lib/mc/devices";
import { type FrameType } from "../../lib/mc/frame";
import { type TagOptions } from "../../lib/mc/tags";
import { type Encoding } from "../../lib/mc/wire";

/** As saved by the editor (booleans) or sent by its admin requests (the strings "true"/"false"). */
export interface AddressingSettings {
  readonly series?: unknown;
  readonly encoding?: unknown;
  readonly frame?: unknown;
  readonly zrHex?: unknown;
  readonly octalXY?: unknown;
}

export type Addressing = Required<TagOptions> & { readonly frame: FrameType; readonly encoding: Encoding };

const SERIES: readonly Series[] = ["ql", "iqr", "iqf"];

export function addressingOf(s: AddressingSettings): Addressing {
  const series = SERIES.includes(s.series as Series) ? (s.series as Series) : "ql";
  const frame: FrameType = s.frame === "1E" || s.frame === "4E" ? s.frame : "3E";
  return {
    series,
    encoding: s.encoding === "ascii" ? "ascii" : "binary",
    frame,
    zrHex: s.zrHex === true || s.zrHex === "true",
    // FX (the usual 1E PLC) and iQ-F number X/Y in octal unless unticked (absent in older flows: on);
    // A/Q over 1E in hex (box unticked); other PLCs always in hex.
    octalXY: (series === "iqf" || frame === "1E") && s.octalXY !== false && s.octalXY !== "false",
  };
}
