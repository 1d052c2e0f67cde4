/**
 * The demo PLC's memory map: what `jsscada-mc sim --generators` and `npm start` make move, the recipe
 * and REQ/ACK part records `npm start`'s PLC program serves, and the tags the example flows read there.
 * The simulator CLI, scripts/start.js and the flow generator (scripts/flows/) all take the addresses
 * from here, so an example never reads an address the demo simulator leaves still.
 */
import { type GeneratorSpec } from "./generators";

export interface DemoTag {
  readonly name: string;
  readonly address: string;
}

/** Addresses the generators move, by the tag names the example flows give them. */
export const DEMO_ADDRESSES = {
  /** +1 every 100 ms */
  counter: "D0",
  /** ±1000, one cycle every 10 s */
  sine: "D1",
  /** a random walk, steps of up to 25 every 200 ms */
  walk: "D2",
  /** toggles every 500 ms */
  toggle: "M0",
  /** +10 every second */
  slowCounter: "D10",
} as const;

/** The --generators set: something visibly moving on the common word and bit devices. */
export const DEMO_GENERATORS: readonly GeneratorSpec[] = [
  { kind: "counter", address: DEMO_ADDRESSES.counter, periodMs: 100 },
  { kind: "sine", address: DEMO_ADDRESSES.sine, periodMs: 100, amplitude: 1000, cycleMs: 10_000 },
  { kind: "randomWalk", address: DEMO_ADDRESSES.walk, periodMs: 200, step: 25 },
  { kind: "toggle", address: DEMO_ADDRESSES.toggle, periodMs: 500 },
  { kind: "counter", address: DEMO_ADDRESSES.slowCounter, periodMs: 1000, step: 10 },
];

const tag = (name: keyof typeof DEMO_ADDRESSES): DemoTag => ({ name, address: DEMO_ADDRESSES[name] });

/** The example flows' FIXED groups: a fast one on everything that moves, a slow one. */
export const DEMO_TAGS = {
  fast: [tag("counter"), tag("sine"), tag("walk"), tag("toggle")],
  slow: [tag("slowCounter"), tag("sine")],
} as const satisfies Record<string, readonly DemoTag[]>;

/** Where the recipe sits: D words. */
const RECIPE_AT = { recipeNo: 500, setpoints: 501, recipeName: 510 } as const;

/** The recipe `npm start` seeds, read by the on-demand HANDSHAKE group. */
export const DEMO_RECIPE = {
  tags: [
    { name: "recipeNo", address: `D${RECIPE_AT.recipeNo}` },
    { name: "setpoints", address: `D${RECIPE_AT.setpoints}:int16[4]` },
    { name: "recipeName", address: `D${RECIPE_AT.recipeName}:string(16)` },
  ],
  recipeNo: 3,
  setpoints: [1200, 350, 75, 20],
  recipeName: "PUMP HOUSING A3",
} as const;

/** Writes DEMO_RECIPE into the simulator's memory (the string two latin1 bytes a word, low byte first). */
export function seedDemoRecipe(memory: { set(address: string, value: number): void }): void {
  memory.set(`D${RECIPE_AT.recipeNo}`, DEMO_RECIPE.recipeNo);
  DEMO_RECIPE.setpoints.forEach((v, i) => memory.set(`D${RECIPE_AT.setpoints + i}`, v));
  const name = Buffer.from(DEMO_RECIPE.recipeName.padEnd(16, "\0"), "latin1");
  for (let i = 0; i < 8; i++) memory.set(`D${RECIPE_AT.recipeName + i}`, name.readUInt16LE(i * 2));
}

/** Where `npm start`'s PLC program runs the REQ/ACK handshake, and the part record it writes first. */
export const DEMO_HANDSHAKE = {
  req: "M100",
  ack: "D1101",
  sequence: "D1102",
  tags: [
    { name: "partNo", address: "D1110" },
    { name: "weight", address: "D1111" },
    { name: "result", address: "D1112" },
  ],
} as const;
