// The research API, with the session cookie and the CSRF token every change must carry.

export const API = "/api/research/v1";

export function csrf() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("savor_csrf="));
  return found ? found.slice("savor_csrf=".length) : "";
}

export class ApiError extends Error {
  constructor(status, data) {
    super(data && data.error ? data.error.message : `The server answered ${status}.`);
    this.status = status;
    this.data = data;
  }
}

export async function call(method, path, body, contentType = "application/json") {
  const headers = { "X-CSRF-Token": csrf() };
  if (body !== undefined) headers["Content-Type"] = contentType;
  const response = await fetch(API + path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : body,
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export function studyPath(study, rest = "") {
  return `/studies/${encodeURIComponent(study)}${rest}`;
}
