/** Runs once when the server starts: a bad configuration stops it with one message per problem. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./instrumentation-node");
}
