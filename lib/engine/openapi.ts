/**
 * The OpenAPI 3.1 description of the REST API the example flows build (docs/INTEGRATOR.md), served at
 * GET /api/polling/openapi.json. The schemas use only JSON Schema keywords every validator knows, and
 * test/examples/openapi.integration.ts checks real answers of every endpoint against them.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string): Schema => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string): Schema => json(ref("Error"), description);

/** Answers every endpoint may give. */
const COMMON = {
  "401": error("No token, or a wrong one (`UNAUTHORIZED`); header `WWW-Authenticate: Bearer`."),
  "403": error("The runtime has no usable token: the API is locked (`API_TOKEN_NOT_SET`)."),
  "500": error("A bug of ours (`INTERNAL`)."),
  "503": error("Flows are being deployed or are stopped (`NOT_READY`, `Retry-After`)."),
};

const NAME = {
  name: "name",
  in: "path",
  required: true,
  description: "The polling group's name.",
  schema: { type: "string" },
};

const SCHEMAS: Record<string, Schema> = {
  Error: {
    type: "object",
    required: ["success", "error", "code"],
    properties: {
      success: { enum: [false] },
      error: { type: "string", description: "The reason, for people." },
      code: { type: "string", description: "The reason, for programs (docs/INTEGRATOR.md lists them)." },
      retryAfterMs: { type: "number" },
      plcError: { type: "string", description: "The driver's error code (MC_TIMEOUT, MC_END_CODE …)." },
      candidates: { type: "array", items: { type: "object" } },
    },
  },
  PollTime: {
    type: "object",
    required: ["last", "avg", "max", "p99"],
    properties: {
      last: { type: "number" },
      avg: { type: "number" },
      max: { type: "number" },
      p99: { type: "number" },
    },
  },
  Group: {
    type: "object",
    required: [
      "name",
      "mode",
      "state",
      "running",
      "plc",
      "polls",
      "successes",
      "errors",
      "successRate",
      "pollTime",
    ],
    properties: {
      name: { type: "string" },
      mode: { enum: ["fixed", "handshake"] },
      trigger: { enum: ["message", "plc"] },
      state: { enum: ["running", "stopped", "error", "refused"] },
      reason: { type: "string", description: "Why a refused group did not start." },
      running: { type: "boolean" },
      plc: { type: "string" },
      intervalMs: { type: "number" },
      polls: { type: "integer", minimum: 0 },
      successes: { type: "integer", minimum: 0 },
      errors: { type: "integer", minimum: 0 },
      successRate: { type: "number", minimum: 0, maximum: 100 },
      pollTime: ref("PollTime"),
      connectMs: { type: ["number", "null"] },
      overruns: { type: "integer", minimum: 0 },
      lastError: { type: "string" },
      lastErrorAt: { type: "string" },
      lastSuccessAt: { type: "string" },
      tags: { type: "integer", minimum: 0 },
      requests: { type: "integer", minimum: 0 },
    },
  },
  Plc: {
    type: "object",
    required: ["id", "name", "displayName", "state"],
    properties: {
      id: { type: "string", description: "The PLC config node's id." },
      name: { type: "string" },
      displayName: {
        type: "string",
        description: "The name, with the id when another PLC has the same name.",
      },
      host: { type: "string" },
      port: { type: "number" },
      state: { type: "string" },
      requests: { type: "integer" },
      errors: { type: "integer" },
      connectMs: { type: ["number", "null"] },
    },
  },
  Status: {
    type: "object",
    required: ["engine", "groups", "plcs", "queues"],
    properties: {
      engine: {
        type: "object",
        required: [
          "ready",
          "runningGroups",
          "totalGroups",
          "refusedGroups",
          "maxGroups",
          "uptimeMs",
          "startedAt",
        ],
        properties: {
          ready: { type: "boolean" },
          runningGroups: { type: "integer" },
          totalGroups: { type: "integer" },
          refusedGroups: { type: "integer" },
          maxGroups: { type: "integer" },
          uptimeMs: { type: "number" },
          startedAt: { type: "string" },
        },
      },
      groups: { type: "array", items: ref("Group") },
      plcs: { type: "array", items: ref("Plc") },
      queues: { type: "array", items: { type: "object", required: ["name"] } },
    },
  },
  GroupCommand: {
    type: "object",
    required: ["success", "message", "group"],
    properties: { success: { enum: [true] }, message: { type: "string" }, group: ref("Group") },
  },
  Triggered: {
    type: "object",
    required: ["success", "message", "data", "polling", "badTags", "group"],
    properties: {
      success: { enum: [true] },
      message: { type: "string" },
      data: { description: "What the poll read, in the group's payload format (object or array)." },
      polling: { type: "object" },
      badTags: {
        type: "array",
        items: {
          type: "object",
          required: ["tag", "code", "error"],
          properties: { tag: { type: "string" }, code: { type: "string" }, error: { type: "string" } },
        },
      },
      group: ref("Group"),
    },
  },
  StartAll: {
    type: "object",
    required: ["success", "message", "started", "refused", "results"],
    properties: {
      success: { type: "boolean" },
      code: { enum: ["PARTIAL", "CAPACITY_REACHED"] },
      error: { type: "string" },
      message: { type: "string" },
      started: { type: "array", items: { type: "string" } },
      refused: { type: "array", items: { type: "string" } },
      results: {
        type: "array",
        items: {
          type: "object",
          required: ["group", "started"],
          properties: {
            group: { type: "string" },
            started: { type: "boolean" },
            code: { type: "string" },
            error: { type: "string" },
          },
        },
      },
    },
  },
  StopAll: {
    type: "object",
    required: ["success", "message", "stopped"],
    properties: {
      success: { enum: [true] },
      message: { type: "string" },
      stopped: { type: "array", items: { type: "string" } },
    },
  },
  Queues: {
    type: "object",
    required: ["success", "queues"],
    properties: { success: { enum: [true] }, queues: { type: "array", items: { type: "object" } } },
  },
  Health: {
    type: "object",
    required: ["success", "healthy", "reasons", "plcs"],
    properties: {
      success: { type: "boolean" },
      healthy: { type: "boolean" },
      code: { enum: ["UNHEALTHY"] },
      error: { type: "string" },
      reasons: { type: "array", items: { type: "string" } },
      plcs: {
        type: "array",
        items: {
          type: "object",
          required: ["id", "displayName", "state", "enabled"],
          properties: {
            id: { type: "string" },
            displayName: { type: "string" },
            state: { type: "string" },
            enabled: { type: "boolean" },
          },
        },
      },
    },
  },
};

function operation(summary: string, responses: Record<string, Schema>, withName = false): Schema {
  return {
    summary,
    ...(withName ? { parameters: [NAME] } : {}),
    responses: { ...responses, ...COMMON },
  };
}

export function openApiDocument(): Schema {
  return {
    openapi: "3.1.0",
    info: {
      title: "jsscada polling engine REST API",
      version: "1",
      description:
        "The REST API of the example flows (examples/02-rest-api.json). Every refusal is " +
        "{success: false, error, code}. Authentication: Authorization: Bearer <POLLING_API_TOKEN>.",
    },
    servers: [{ url: "/api/polling" }],
    security: [{ bearer: [] }],
    paths: {
      "/status": {
        get: operation("Everything: engine, groups, PLCs, queues", {
          "200": json(ref("Status"), "The status."),
        }),
      },
      "/health": {
        get: operation("For load balancers and monitoring", {
          "200": json(ref("Health"), "The engine runs and every enabled PLC in use is connected."),
          "503": json(
            { oneOf: [ref("Health"), ref("Error")] },
            "Unhealthy (`UNHEALTHY`, with the reasons) or not ready.",
          ),
        }),
      },
      "/groups/{name}/status": {
        get: operation(
          "One group",
          { "200": json(ref("Group"), "The group."), "404": error("No such group (`GROUP_NOT_FOUND`).") },
          true,
        ),
      },
      "/groups/{name}/start": {
        post: operation(
          "Start a group",
          {
            "200": json(ref("GroupCommand"), "Started."),
            "404": error("No such group."),
            "409": error("Already running (`ALREADY_RUNNING`) or refused at deploy (`GROUP_REFUSED`)."),
            "429": error("Capacity reached (`CAPACITY_REACHED`)."),
          },
          true,
        ),
      },
      "/groups/{name}/stop": {
        post: operation(
          "Stop a group",
          {
            "200": json(ref("GroupCommand"), "Stopped."),
            "404": error("No such group."),
            "409": error("Not running (`NOT_RUNNING`)."),
          },
          true,
        ),
      },
      "/groups/{name}/trigger": {
        post: operation(
          "Poll a group once now",
          {
            "200": json(ref("Triggered"), "A poll ran; its data."),
            "404": error("No such group."),
            "409": error(
              "Stopped (`NOT_RUNNING`), driven by the PLC (`PLC_DRIVEN`) or its PLC disabled (`PLC_DISABLED`).",
            ),
            "429": error(
              "Inside the de-duplication window (`DUPLICATE_TRIGGER`, `Retry-After`) or too many waiting.",
            ),
            "502": error("The PLC refused (`PLC_ERROR`)."),
            "504": error("The PLC did not answer (`PLC_TIMEOUT`)."),
          },
          true,
        ),
      },
      "/start-all": {
        post: operation("Start every stopped group that fits", {
          "200": json(ref("StartAll"), "All started (or none was stopped)."),
          "207": json(ref("StartAll"), "Some started (`PARTIAL`): per-group results."),
          "429": json(ref("StartAll"), "None could start (`CAPACITY_REACHED`)."),
        }),
      },
      "/stop-all": {
        post: operation("Stop every running group", { "200": json(ref("StopAll"), "Stopped.") }),
      },
      "/queue/status": { get: operation("Every queue", { "200": json(ref("Queues"), "The queues.") }) },
      "/openapi.json": {
        get: {
          summary: "This document (no token needed)",
          security: [],
          responses: { "200": { description: "OpenAPI 3.1" } },
        },
      },
    },
    "x-any-path": {
      "404": error("No endpoint at that path (`NOT_FOUND`)."),
      "405": error("The path exists with another method (`METHOD_NOT_ALLOWED`, header `Allow`)."),
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "POLLING_API_TOKEN" } },
      schemas: SCHEMAS,
    },
  };
}
