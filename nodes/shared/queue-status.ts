/** The queue node's status dot: fill level as text, threshold level as colour. */
import type { QueueLevel } from "../../lib/queue";
import { type Translate } from "./i18n";

export type StatusColour = "green" | "yellow" | "red";

/** "1 234 / 10 000 (12 %)" (the jsscada-queue catalog's "status.fill") and the colour of the level. */
export function statusText(
  t: Translate,
  s: { size: number; capacity: number; usage: number; level: QueueLevel },
): { text: string; colour: StatusColour } {
  const colour: StatusColour = s.level === "alarm" ? "red" : s.level === "warn" ? "yellow" : "green";
  return {
    text: t("status.fill", {
      size: groupDigits(s.size),
      capacity: groupDigits(s.capacity),
      usage: Math.floor(s.usage),
    }),
    colour,
  };
}

function groupDigits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}
