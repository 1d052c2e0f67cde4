import "should";
import { McClient } from "../../lib/mc/client";
import { executeReadPlan, planReads } from "../../lib/mc/planner";
import { parseTag } from "../../lib/mc/tags";
import { PlcSimulator } from "../../lib/simulator";
import {
  DEMO_GENERATORS,
  DEMO_HANDSHAKE,
  DEMO_RECIPE,
  DEMO_TAGS,
  seedDemoRecipe,
} from "../../lib/simulator/demo-addresses";

describe("simulator/demo-addresses: the demo PLC the examples and `npm start` read", function () {
  let sim: PlcSimulator;
  let client: McClient;

  before(async () => {
    sim = new PlcSimulator();
    await sim.start();
    for (const g of DEMO_GENERATORS) sim.addGenerator(g);
    seedDemoRecipe(sim.memory);
    client = new McClient({ host: "127.0.0.1", port: sim.port });
  });

  after(async () => {
    client.close();
    await sim.stop();
  });

  async function read(
    tags: ReadonlyArray<{ name: string; address: string }>,
  ): Promise<Record<string, unknown>> {
    const parsed = tags.map((t) => parseTag(t.address, { series: "ql" }));
    const results = await executeReadPlan(planReads(parsed, client.format), (cmd) => client.request(cmd));
    return Object.fromEntries(tags.map((t, i) => [t.name, results[i]!.ok ? results[i]!.value : results[i]]));
  }

  it("every tag of the example groups is moved by a generator", async () => {
    const moved = new Set(DEMO_GENERATORS.map((g) => g.address));
    for (const t of [...DEMO_TAGS.fast, ...DEMO_TAGS.slow]) moved.has(t.address).should.be.true(t.address);
    const first = await read(DEMO_TAGS.fast);
    let counter = first.counter;
    const deadline = Date.now() + 3000;
    while (counter === first.counter && Date.now() < deadline) counter = (await read(DEMO_TAGS.fast)).counter;
    (counter as number).should.not.equal(first.counter);
  });

  it("the seeded recipe reads back as the on-demand group's tags", async () => {
    (await read(DEMO_RECIPE.tags)).should.eql({
      recipeNo: DEMO_RECIPE.recipeNo,
      setpoints: DEMO_RECIPE.setpoints,
      recipeName: DEMO_RECIPE.recipeName,
    });
  });

  it("the handshake's addresses are apart from everything the generators and the recipe use", () => {
    const handshake: string[] = [DEMO_HANDSHAKE.req, DEMO_HANDSHAKE.ack, DEMO_HANDSHAKE.sequence];
    handshake.push(...DEMO_HANDSHAKE.tags.map((t) => t.address));
    const others = [...DEMO_GENERATORS.map((g) => g.address), ...DEMO_RECIPE.tags.map((t) => t.address)];
    handshake.filter((a) => others.includes(a)).should.eql([]);
  });
});
