import "should";
import should from "should";
import {
  ApiAuth,
  AuthenticatedSessions,
  MIN_TOKEN_LENGTH,
  bearerToken,
  tokensMatch,
} from "../../lib/engine/api-auth";

const TOKEN = "s3cret-token-0123456789abcdef";

describe("API token authentication", () => {
  it("accepts only the exact token: never undefined, empty, a prefix, a longer string or another type", () => {
    tokensMatch(TOKEN, TOKEN).should.be.true();
    for (const presented of [
      undefined,
      null,
      "",
      "undefined",
      TOKEN.slice(0, -1),
      `${TOKEN}x`,
      ` ${TOKEN}`,
      42,
      [TOKEN],
    ]) {
      tokensMatch(presented, TOKEN).should.be.false(String(presented));
    }
    // An unset expected token matches nothing, not even "undefined" or an empty string.
    tokensMatch(undefined, undefined).should.be.false();
    tokensMatch("", "").should.be.false();
    tokensMatch("undefined", undefined).should.be.false();
  });

  it("reads a Bearer header and nothing else", () => {
    should(bearerToken(`Bearer ${TOKEN}`)).equal(TOKEN);
    should(bearerToken(`bearer   ${TOKEN}  `)).equal(TOKEN);
    should(bearerToken("Bearer ")).be.undefined();
    should(bearerToken(`Basic ${TOKEN}`)).be.undefined();
    should(bearerToken(`Bearer ${TOKEN} extra`)).be.undefined();
    should(bearerToken(undefined)).be.undefined();
  });

  it("with the variable unset, empty or short, refuses everyone with 403 and says how to set it", () => {
    for (const value of [undefined, "", "   "]) {
      const auth = new ApiAuth(() => value);
      const failure = auth.checkHeaders({ authorization: "Bearer undefined" })!;
      failure.should.containEql({ statusCode: 403, code: "API_TOKEN_NOT_SET" });
      failure.error.should.match(/POLLING_API_TOKEN/);
      auth.check("")!.should.containEql({ statusCode: 403 });
    }
    new ApiAuth(() => "x".repeat(MIN_TOKEN_LENGTH - 1), "MY_TOKEN")
      .check("x".repeat(MIN_TOKEN_LENGTH - 1))!
      .should.containEql({ statusCode: 403, code: "API_TOKEN_TOO_SHORT" });
  });

  it("answers 401 to a missing or wrong token, and nothing to the right one", () => {
    const auth = new ApiAuth(() => TOKEN);
    auth.checkHeaders({})!.should.containEql({ statusCode: 401, code: "UNAUTHORIZED" });
    auth.checkHeaders({ authorization: "Bearer nope" })!.should.containEql({ statusCode: 401 });
    should(auth.checkHeaders({ authorization: `Bearer ${TOKEN}` })).be.undefined();
  });

  it("keeps at most its bound of sessions, dropping the oldest", () => {
    const s = new AuthenticatedSessions(2);
    s.add("a");
    s.add("b");
    s.add("c");
    s.has("a").should.be.false();
    s.has("c").should.be.true();
    s.size.should.equal(2);
  });
});
