/**
 * The planner against the lower bound on many generated 1 000-tag tables: planner.test.ts (the fast
 * layer) checks the same property on a few tables; these take seconds, so they run with the integration
 * suites.
 */
import "should";
import { planReads } from "../../lib/mc/planner";
import {
  IQR,
  QL,
  QL_ASCII,
  clusteredTable,
  readAll,
  realisticTable,
  tagsOf,
  withinBound,
} from "./planner-fixtures";

describe("read planner on many generated tables", () => {
  it("plans 60 generated clustered 1 000-tag tables (the bench's shape) within 10 % of the bound", async () => {
    let requests = 0;
    let bound = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const format = [QL, QL_ASCII, IQR][seed % 3]!;
      const plan = await readAll(clusteredTable(1000, seed), format, seed);
      withinBound(plan);
      requests += plan.requests.length;
      bound += plan.lowerBound;
    }
    requests.should.be.belowOrEqual(Math.ceil(bound * 1.1), `${requests} requests, summed bound ${bound}`);
  });

  it("plans the test's realistic tables within 10 % of the summed bound", () => {
    let requests = 0;
    let bound = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const plan = planReads(tagsOf(realisticTable(1000, seed), QL), QL);
      withinBound(plan);
      requests += plan.requests.length;
      bound += plan.lowerBound;
    }
    requests.should.be.belowOrEqual(Math.ceil(bound * 1.1), `${requests} requests, summed bound ${bound}`);
  });
});
