// Calls to the codesuggest API with the coder's key, and its errors in words.
// URLs are relative to the page, so the page works behind a path prefix too.

export class ApiError extends Error {
  /** status: the HTTP status, or 0 when the server could not be reached. */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The JSON answer to METHOD path, or an ApiError saying what went wrong in words. */
export async function request(key, method, path, body = undefined, signal = undefined) {
  const headers = { Authorization: `Bearer ${key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(
      0,
      "The server cannot be reached: it may be down or restarting, or the network is out. " +
        "Nothing you decided is lost; try again in a moment.",
    );
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, explain(response.status, answer));
  return answer;
}

function explain(status, answer) {
  const detail = detailText(answer);
  switch (status) {
    case 401:
      return "Your API key was refused: it has expired, been revoked or was mistyped. " +
        "Sign in again with a valid key; your work on this page is kept.";
    case 403:
      return `This key may not do that (${detail}). Sign in with a coder key.`;
    case 404:
      return `Not found: ${detail}.`;
    case 413:
      return `The note is too long: ${detail}. Shorten it or split it into several notes.`;
    case 422:
      return `The server could not accept this: ${detail}.`;
    case 503:
      return "The server is busy or its database is unavailable. Nothing you decided is lost; " +
        "try again in a moment.";
    default: {
      const errorId = answer && answer.error_id ? ` (error id ${answer.error_id})` : "";
      return `The server failed with status ${status}${errorId}. Nothing you decided is lost; ` +
        "try again, and tell your administrator if it keeps failing.";
    }
  }
}

/** The "detail" of an error body: a sentence, or FastAPI's list of field errors. */
function detailText(answer) {
  const detail = answer && answer.detail;
  if (Array.isArray(detail)) {
    return detail.map((error) => `${error.loc.slice(1).join(".")}: ${error.msg}`).join("; ");
  }
  return detail ? String(detail) : "no detail given";
}
