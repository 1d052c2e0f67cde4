import "should";
import should from "should";
import { TagCsvError, parseTagCsv } from "../../lib/engine/tag-csv";

describe("tag tables as CSV", () => {
  it("reads name,address[,deadband] lines, skipping blanks and # comments", () => {
    parseTagCsv("speed,D100\n\n# totals\ntotal,D200:int32,5\n").should.eql([
      { name: "speed", address: "D100" },
      { name: "total", address: "D200:int32", deadband: "5" },
    ]);
  });

  it("uses a header to find the columns in any order", () => {
    parseTagCsv("address,deadband,name\r\nD100,,speed\r\nM0,,running").should.eql([
      { name: "speed", address: "D100" },
      { name: "running", address: "M0" },
    ]);
  });

  it("takes semicolons (European spreadsheets), tabs (pasted from Excel) and quoted fields", () => {
    parseTagCsv("name;address\nspeed;D100").should.eql([{ name: "speed", address: "D100" }]);
    parseTagCsv("speed\tD100\t2").should.eql([{ name: "speed", address: "D100", deadband: "2" }]);
    parseTagCsv('"line 1, speed","D100"').should.eql([{ name: "line 1, speed", address: "D100" }]);
  });

  it("names the line of a row without an address", () => {
    should(() => parseTagCsv("name,address\nspeed,D100\nbroken")).throw(TagCsvError, { message: /line 3/ });
  });
});
