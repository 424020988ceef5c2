import { ApiError } from "../../../client/mod.ts";

/** The ApiError `p` rejects with (fails when it resolves or throws something else). */
export async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError, but the call succeeded");
}
