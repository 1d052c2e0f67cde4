/** The FIXED group node's status line after each cycle, apart from Node-RED so it is tested directly. */
import type { NodeStatus } from "node-red";
import { type GroupMessage } from "../../lib/engine/fixed-group";
import { type Translate } from "./i18n";
import { PLC_BUSY, STATUS } from "./status";

/** Tags, poll time and PLC load; yellow for bad tags or a busy PLC, red for a PLC near saturation. */
export function fixedDataStatus(
  t: Translate,
  m: Pick<GroupMessage, "polling" | "badTags">,
  busyPercent: number,
): NodeStatus {
  const text = t("status.polling", {
    tags: m.polling.tags,
    ms: Math.round(m.polling.durationMs),
    busy: Math.round(busyPercent),
  });
  const bad = m.badTags.length;
  if (bad > 0) return STATUS.degraded(t(bad > 1 ? "status.badTags" : "status.badTag", { count: bad, text }));
  if (busyPercent >= PLC_BUSY.red) return STATUS.error(t("status.busy", { text }));
  if (busyPercent >= PLC_BUSY.yellow) return STATUS.degraded(t("status.busy", { text }));
  return STATUS.polling(text);
}
