/** The queue node's status dot: fill level as text, threshold level as colour. */
import type { QueueLevel } from "../../lib/queue";

export type StatusColour = "green" | "yellow" | "red";

/** "1 234 / 10 000 (12 %)" and the colour of the level, for a Node-RED status dot. */
export function statusText(s: { size: number; capacity: number; usage: number; level: QueueLevel }): {
  text: string;
  colour: StatusColour;
} {
  const colour: StatusColour = s.level === "alarm" ? "red" : s.level === "warn" ? "yellow" : "green";
  return {
    text: `${groupDigits(s.size)} / ${groupDigits(s.capacity)} (${Math.floor(s.usage)} %)`,
    colour,
  };
}

function groupDigits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}
