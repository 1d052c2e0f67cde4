/**
 * A group's tag table: rows of name + address (+ deadband) checked and compiled once, so the poll
 * cycle only executes a ready plan. Every bad row is reported with its row number, name and reason.
 */
import { type Tag, type TagOptions, parseTag } from "../mc/tags";
import { type ReadPlan, type PlanOptions, planReads } from "../mc/planner";
import { type WireFormat } from "../mc/wire";

export interface TagDefinition {
  readonly name: string;
  readonly address: string;
  /** Changed-only output: a numeric change up to this much is not a change. */
  readonly deadband?: number | string;
}

export interface TagTable {
  readonly names: readonly string[];
  readonly tags: readonly Tag[];
  readonly plan: ReadPlan;
  readonly deadbands: Readonly<Record<string, number>>;
}

export class TagTableError extends Error {
  readonly code = "MC_BAD_ADDRESS";
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} bad tags: ${problems.join("; ")}`);
    this.name = "TagTableError";
  }
}

/** Parses every row (collecting all problems, not just the first) and plans the reads. */
export function compileTagTable(
  rows: readonly TagDefinition[],
  options: TagOptions,
  format: WireFormat,
  planOptions?: PlanOptions,
): TagTable {
  const problems: string[] = [];
  const names: string[] = [];
  const tags: Tag[] = [];
  const deadbands: Record<string, number> = {};
  const seen = new Set<string>();
  if (!Array.isArray(rows) || rows.length === 0) throw new TagTableError(["the tag table is empty"]);
  rows.forEach((row: TagDefinition | undefined, i) => {
    const name = String(row?.name ?? "").trim();
    const label = `row ${i + 1}${name ? ` (${name})` : ""}`;
    if (!name) problems.push(`${label}: tag name is empty`);
    else if (seen.has(name)) problems.push(`${label}: duplicate tag name "${name}"`);
    seen.add(name);
    try {
      const tag = parseTag(String(row?.address ?? ""), options);
      tags.push(tag);
      names.push(name);
    } catch (err) {
      problems.push(`${label}: ${(err as Error).message}`);
    }
    if (row?.deadband !== undefined && row.deadband !== null && String(row.deadband) !== "") {
      const band = Number(row.deadband);
      if (!Number.isFinite(band) || band < 0) problems.push(`${label}: deadband must be a number ≥ 0`);
      else deadbands[name] = band;
    }
  });
  if (problems.length > 0) throw new TagTableError(problems);
  return { names, tags, plan: planReads(tags, format, planOptions), deadbands };
}
