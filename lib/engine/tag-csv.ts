/**
 * Tag tables as CSV, the way engineers keep them next to the PLC program: one tag per line,
 * `name,address[,deadband]`, separated by commas, semicolons (European spreadsheets) or tabs (pasted
 * from Excel). A header line naming the columns is skipped; quotes may wrap a field.
 */
import { type TagDefinition } from "./tag-table";

export class TagCsvError extends Error {
  readonly code = "TAG_CSV";
}

function splitLine(line: string, separator: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      fields.push(field.trim());
      field = "";
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/** Parses a CSV tag table; throws TagCsvError naming the line for a row without name or address. */
export function parseTagCsv(text: string): TagDefinition[] {
  const lines = String(text)
    .split(/\r?\n/)
    .map((l, i) => ({ text: l.trim(), number: i + 1 }))
    .filter((l) => l.text !== "" && !l.text.startsWith("#"));
  if (lines.length === 0) return [];
  const first = lines[0]!.text;
  const separator = first.includes("\t") ? "\t" : first.includes(";") && !first.includes(",") ? ";" : ",";
  const header = splitLine(first, separator).map((h) => h.toLowerCase());
  const hasHeader = header.includes("address") || header.includes("name");
  const col = (name: string, fallback: number): number => (hasHeader ? header.indexOf(name) : fallback);
  const nameCol = col("name", 0);
  const addressCol = col("address", 1);
  const deadbandCol = col("deadband", 2);
  if (nameCol < 0 || addressCol < 0) throw new TagCsvError('the header needs "name" and "address" columns');
  const rows: TagDefinition[] = [];
  for (const line of hasHeader ? lines.slice(1) : lines) {
    const f = splitLine(line.text, separator);
    const name = f[nameCol] ?? "";
    const address = f[addressCol] ?? "";
    if (!name || !address)
      throw new TagCsvError(`line ${line.number}: expected name${separator}address[${separator}deadband]`);
    const deadband = deadbandCol >= 0 ? f[deadbandCol] : undefined;
    rows.push(deadband ? { name, address, deadband } : { name, address });
  }
  return rows;
}
