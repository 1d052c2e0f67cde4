/**
 * Mocha root hook: when every test is done, the process must exit on its own (a socket or timer left
 * open is a leak the lifecycle tests exist to catch). If it is still alive 10 s later, say what keeps
 * it alive and fail, instead of letting CI hang.
 */
export const mochaHooks = {
  afterAll(): void {
    setTimeout(() => {
      console.error(
        `the test process did not exit: still open: ${process.getActiveResourcesInfo().join(", ")}`,
      );
      // Mocha's own exit handler would turn process.exit(1) back into 0.
      process.kill(process.pid, "SIGTERM");
    }, 10_000).unref();
  },
};
