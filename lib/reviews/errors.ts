/** A refusal with a message meant for the person who asked (server actions return it as `{ ok: false, error }`). */
export class ReviewError extends Error {
  constructor(
    public readonly code: "not_found" | "forbidden" | "conflict" | "invalid" | "stale_data",
    message: string,
  ) {
    super(message);
    this.name = "ReviewError";
  }
}
